/** Runs a whole job in this process: load and split the data, build and initialise the model, train. */
import type { Backend } from '../backend/backend';
import { subsetOf, type Dataset } from '../data/dataset';
import { loadSource } from '../data/load-source';
import { splitDataset, type Splits } from '../data/split';
import { initParams } from '../model/init';
import { Sequential } from '../model/sequential';
import { GradpoolError, specError } from '../shared/errors';
import { fingerprint } from './fingerprint';
import type { DataSpec, JobSpec } from './job-spec';
import { LocalExecutor } from './local-executor';
import { Trainer, type TrainEvent, type TrainResult } from './trainer';

/** The outcome of a job run in this process. */
export interface JobOutcome {
  readonly result: TrainResult;
  /** Fingerprint of the final parameters (see fingerprint.ts). */
  readonly fingerprint: string;
  /** Total number of trainable scalars. */
  readonly paramCount: number;
  readonly net: Sequential;
  readonly splits: Splits;
}

/**
 * Loads the job's dataset and splits it (seeded by train.seed); applies `data.subset` to the training
 * part. With `data.test` the test split is that source, whole, and `data.train` gives train and val.
 */
export function loadJobData(data: DataSpec, seed: number): Splits {
  const options = { shape: data.shape, labelColumn: data.labelColumn };
  const all: Dataset = loadSource(data.train, options);
  const splits =
    data.test === undefined ? splitDataset(all, data.split, seed) : withTestSource(all, data, seed);
  if (data.subset > 0) {
    if (data.subset > splits.train.count) {
      throw specError(
        'data.subset',
        `asks for ${data.subset} samples but the training split has ${splits.train.count}`,
      );
    }
    const keep = Uint32Array.from({ length: data.subset }, (_, i) => i);
    return { ...splits, train: subsetOf(splits.train, keep) };
  }
  return splits;
}

/** Train and val split from `all`; test is `data.test`, which must have the same sample shape. */
function withTestSource(all: Dataset, data: DataSpec, seed: number): Splits {
  const test = loadSource(data.test ?? '', { shape: data.shape, labelColumn: data.labelColumn });
  if (test.sampleShape.join(',') !== all.sampleShape.join(',')) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `data.test: samples are [${test.sampleShape}] but data.train's are [${all.sampleShape}]; they must match`,
    );
  }
  const numClasses = Math.max(all.numClasses, test.numClasses);
  const { train, val } = splitDataset({ ...all, numClasses }, { val: data.split.val, test: 0 }, seed);
  return { train, val, test: { ...test, numClasses } };
}

/** Checks that the model fits the data: input size and number of classes. */
export function checkModelFitsData(net: Sequential, data: Dataset): void {
  const size = data.sampleShape.reduce((a, b) => a * b, 1);
  const sameShape =
    net.inputShape.length === data.sampleShape.length &&
    net.inputShape.every((d, i) => d === data.sampleShape[i]);
  if (!(sameShape || (net.inputShape.length === 1 && net.inputSize === size))) {
    throw specError(
      'model.input',
      `[${net.inputShape}] does not match the data's samples [${data.sampleShape}]; use input: [${data.sampleShape}]` +
        (net.inputShape.length === 1 ? ` or [${size}]` : ''),
    );
  }
  if (net.numClasses < data.numClasses) {
    throw specError(
      'model.layers',
      `the last affine layer has ${net.numClasses} units but the data has ${data.numClasses} classes; make it ${data.numClasses}`,
    );
  }
}

/** Runs `spec` to completion on `backend`, reporting progress through `onEvent`. */
export async function runJob(
  spec: JobSpec,
  backend: Backend,
  onEvent: (e: TrainEvent) => void,
): Promise<JobOutcome> {
  const net = Sequential.fromSpec(spec.model);
  const splits = loadJobData(spec.data, spec.train.seed);
  checkModelFitsData(net, splits.train);
  const initial = initParams(net, spec.train.seed, (n) => backend.alloc(n));
  const executor = new LocalExecutor(backend, net, splits, spec.train.seed);
  const counts = { train: splits.train.count, val: splits.val.count };
  const result = await new Trainer(executor).train(net, initial, counts, spec.train, { onEvent });
  return {
    result,
    fingerprint: fingerprint(result.finalParams),
    paramCount: result.finalParams.reduce((a, p) => a + p.length, 0),
    net,
    splits,
  };
}
