/**
 * `gradpool predict <model.json> <source>`: classifies the raw samples of a data source (the forms of
 * `data.train`, e.g. `idx:IMAGES,LABELS`) with an exported model, applying the preprocessing statistics
 * stored in the export; prints the accuracy against the source's labels and optionally writes one
 * predicted class per line.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { loadSource } from '../data/load-source';
import { pythonFixed } from '../train/format';
import { accuracyOf, ExportedModel } from '../train/exported-model';
import type { Io } from './jobs';

/** Runs the command; returns the exit code. */
export function predictCommand(modelFile: string, source: string, opts: { out?: string }, io: Io): number {
  const model = ExportedModel.load(modelFile);
  const data = loadSource(source, { shape: model.spec.data.shape, labelColumn: model.spec.data.labelColumn });
  const predicted = model.predict(data.x, data.count, data.sampleShape);
  const accuracy = accuracyOf(predicted, data.labels);
  if (opts.out !== undefined) {
    const tmp = `${opts.out}.tmp-${process.pid}`;
    writeFileSync(tmp, Array.from(predicted).join('\n') + (predicted.length > 0 ? '\n' : ''));
    renameSync(tmp, opts.out);
  }
  if (io.json) {
    io.out(
      JSON.stringify({
        type: 'predict',
        jobId: model.jobId,
        samples: data.count,
        accuracy,
        preprocess: model.preprocess !== null,
        ...(opts.out !== undefined ? { out: opts.out } : {}),
      }),
    );
  } else {
    io.out(`accuracy ${pythonFixed(accuracy)} (${data.count} samples, model of job ${model.jobId || '?'})`);
    if (opts.out !== undefined) io.err(`predictions written to ${opts.out}`);
  }
  return 0;
}
