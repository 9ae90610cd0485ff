/**
 * What the coordinator records about a job before accepting it: the spec validated against the model and
 * the data, its update and epoch totals, and its parameter count. A search job's totals are those of all
 * its trials (its `epoch` / `epochs` count ended trials out of all trials); a k-fold job's (`data.split.folds`
 * without `fold`) are those of its k fold jobs (its `epoch` / `epochs` count ended folds out of k).
 */
import { Sequential } from '../model/sequential';
import { parseJobSpec, type JobSpec, type TrainSpec } from '../train/job-spec';
import { checkModelFitsData, loadJobData } from '../train/run-job';
import type { NewJob } from './job-store';

/** A validated job, ready for JobStore.submit (plus a request id). */
export interface PlannedJob {
  readonly spec: JobSpec;
  readonly job: Omit<NewJob, 'requestId'>;
}

/** Validates `raw` (a decoded job spec) completely and computes what the job record needs. */
export function planJob(raw: unknown): PlannedJob {
  const spec = parseJobSpec(raw);
  const net = Sequential.fromSpec(spec.model);
  const splits = loadJobData(spec.data, spec.train.seed);
  checkModelFitsData(net, splits.train, spec.data.augment);
  const n = splits.train.count;
  const itersPerEpoch = (t: TrainSpec) => (t.sampleBatches ? Math.max(1, Math.floor(n / t.batchSize)) : 1);
  const paramCount = net.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  const base = { name: spec.name, specJson: JSON.stringify(raw), paramCount };
  const folds = spec.data.split.folds;
  if (folds !== undefined && spec.data.split.fold === undefined) {
    return {
      spec,
      job: {
        ...base,
        totalIterations: folds * itersPerEpoch(spec.train) * spec.train.epochs,
        epochs: folds,
        kfold: { folds, results: [] },
      },
    };
  }
  if (!spec.search) {
    return {
      spec,
      job: {
        ...base,
        totalIterations: itersPerEpoch(spec.train) * spec.train.epochs,
        epochs: spec.train.epochs,
      },
    };
  }
  const stages = spec.search.stages;
  return {
    spec,
    job: {
      ...base,
      totalIterations: stages.reduce((a, s) => a + s.trials * s.epochs * itersPerEpoch(spec.train), 0),
      epochs: stages.reduce((a, s) => a + s.trials, 0),
      search: { stageRanges: [], bestTrialJobId: '', bestSpecJson: '' },
    },
  };
}
