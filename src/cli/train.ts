/** `gradpool train <spec>`: runs a job in this process and prints the recipe's progress lines. */
import type { Backend } from '../backend/backend';
import { firstLayerWeight } from '../report/first-layer';
import { writeTrainingPictures, type PicturePaths } from '../report/write-pictures';
import { doneLine, epochLine } from '../train/format';
import { runJob } from '../train/run-job';
import type { TrainEvent } from '../train/trainer';
import { isKFoldJob, trainKFoldInProcess } from './kfold';
import { loadSpecFile } from './load-spec';

/** Options of `gradpool train`. */
export interface TrainCommandOptions {
  /** Print one JSON object per line instead of the recipe's lines. */
  readonly json: boolean;
  /** Write loss.png, accuracy.png and weights.png (best parameters) into this directory at the end; default none. */
  readonly pictures?: string;
}

/** Runs the command; returns the process exit code (0 finished, 3 diverged). */
export async function trainCommand(
  specPath: string,
  opts: TrainCommandOptions,
  startBackend: () => Backend,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const spec = loadSpecFile(specPath);
  const backend = startBackend();
  try {
    if (isKFoldJob(spec)) {
      if (opts.pictures !== undefined)
        err('no pictures: a k-fold job trains k models (set data.split.fold to train one)');
      return await trainKFoldInProcess(spec, backend, opts.json, out, err);
    }
    const onEvent = (e: TrainEvent): void => {
      if (opts.json)
        out(
          JSON.stringify(
            e.type === 'epoch'
              ? {
                  type: 'epoch',
                  epoch: e.epoch,
                  epochs: e.epochs,
                  cost: e.cost,
                  trainAcc: e.trainAcc,
                  valAcc: e.valAcc,
                  lr: e.lr,
                }
              : e,
          ),
        );
      else if (e.type === 'epoch') out(epochLine(e));
      else err(`hint: ${e.message}`);
    };
    const { result, fingerprint, paramCount, net, splits } = await runJob(spec, backend, onEvent);
    if (result.diagnosis && !opts.json) err(`stopped: ${result.diagnosis}`);
    if (opts.pictures !== undefined) {
      const firstLayer = firstLayerWeight(net.params, result.bestParams);
      if (firstLayer) {
        const paths: PicturePaths = writeTrainingPictures(opts.pictures, {
          lossHistory: result.lossHistory,
          trainAcc: result.trainAccHistory,
          valAcc: result.valAccHistory,
          firstLayer,
          inputShape: splits.train.sampleShape,
        });
        err(
          opts.json
            ? JSON.stringify({ type: 'pictures', ...paths })
            : `pictures: ${paths.loss} ${paths.accuracy} ${paths.weights}`,
        );
      }
    }
    if (opts.json) {
      out(
        JSON.stringify({
          type: 'done',
          status: result.status,
          bestValAcc: result.bestValAcc,
          fingerprint,
          paramCount,
          seconds: result.seconds,
          samplesPerSecond: result.samplesPerSecond,
          iterations: result.iterations,
          backend: backend.name,
          ...(result.diagnosis ? { diagnosis: result.diagnosis } : {}),
        }),
      );
    } else {
      out(doneLine(result.bestValAcc));
      err(
        `fingerprint ${fingerprint} · ${paramCount} parameters · ${result.seconds.toFixed(1)} s · ${result.samplesPerSecond.toFixed(0)} samples/s · backend ${backend.name}`,
      );
    }
    return result.status === 'finished' ? 0 : 3;
  } finally {
    await backend.close();
  }
}
