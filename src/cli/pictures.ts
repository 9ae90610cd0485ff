/** Pictures of a coordinator's job (loss per update, accuracies per epoch, first-layer weights), as PNG files. */
import type { CoordinatorClient } from '../coordinator/client';
import { Sequential } from '../model/sequential';
import { firstLayerWeight } from '../report/first-layer';
import { writeTrainingPictures, type PicturePaths } from '../report/write-pictures';
import { GradpoolError } from '../shared/errors';
import { parseJobSpec } from '../train/job-spec';
import type { Io } from './jobs';

/**
 * Writes the job's loss.png, accuracy.png and weights.png (of its exported, best parameters; for a search
 * job, its best trial's) into `dir`, each name after `prefix`; returns the paths.
 */
export async function writeJobPictures(
  client: CoordinatorClient,
  jobId: string,
  dir: string,
  prefix = '',
): Promise<PicturePaths> {
  const job = await client.getJob(jobId);
  // A search job's model is its best trial's: so are its curves.
  const [history, params] = await Promise.all([
    client.jobHistory(job.bestTrialJobId || jobId),
    client.exportModel(jobId),
  ]);
  const net = Sequential.fromSpec(parseJobSpec(JSON.parse(job.specJson)).model);
  const first = firstLayerWeight(
    net.params,
    params.map((p) => p.data),
  );
  if (!first) throw new GradpoolError('E_INTERNAL', `job ${jobId} has no weight to draw`);
  return writeTrainingPictures(
    dir,
    {
      lossHistory: history.loss,
      trainAcc: history.trainAcc,
      valAcc: history.valAcc,
      firstLayer: first,
      inputShape: net.inputShape,
    },
    prefix,
  );
}

/** Prints where the pictures went: a JSON line, or one line on stderr. */
export function reportPictures(paths: PicturePaths, io: Io): void {
  if (io.json) io.out(JSON.stringify({ type: 'pictures', ...paths }));
  else io.err(`pictures: ${paths.loss} ${paths.accuracy} ${paths.weights}`);
}
