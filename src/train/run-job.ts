/** Runs a whole job in this process: load and split the data, build and initialise the model, train. */
import type { Backend } from '../backend/backend';
import { subsetOf, type Dataset } from '../data/dataset';
import { loadSource } from '../data/load-source';
import { kFoldSplits } from '../data/kfold';
import { splitDataset, type Splits } from '../data/split';
import {
  checkPreprocessFor,
  fitPreprocess,
  preprocessDataset,
  usesPca,
  type PreprocessSpec,
  type PreprocessStats,
} from '../data/preprocess';
import {
  augmentedShape,
  centerCrop,
  checkAugmentShape,
  isIdentity,
  NO_AUGMENT,
  type AugmentSpec,
} from '../data/augment';
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
 *
 * Then applies `data.preprocess`: the statistics are fitted on the (subset) training split only and the
 * same stats are applied to train, val and test. Nothing travels between processes: the coordinator and
 * every worker call this with the same spec, load the same data and split it the same way, and the fit is
 * deterministic float64 arithmetic in a fixed order, so each computes bit-identical stats and samples.
 * `data.augment` is checked against the preprocessed sample shape here but applied later, per batch
 * (LocalExecutor).
 */
export function loadJobData(data: DataSpec, seed: number): Splits {
  return loadJobDataAndStats(data, seed).splits;
}

/**
 * loadJobData, with the preprocessing statistics it fitted on the training split (null when `data.preprocess`
 * asks for nothing): what is stored with the model, so an exported model treats raw inputs exactly as
 * training and evaluation did.
 */
export function loadJobDataAndStats(
  data: DataSpec,
  seed: number,
): { readonly splits: Splits; readonly preprocess: PreprocessStats | null } {
  const options = { shape: data.shape, labelColumn: data.labelColumn };
  const all: Dataset = loadSource(data.train, options);
  checkPreprocessFor(data.preprocess, all.sampleShape, 'data.preprocess');
  const held =
    data.test === undefined ? splitDataset(all, data.split, seed) : withTestSource(all, data, seed);
  const splits =
    data.split.folds === undefined ? held : foldOf(held, data.split.folds, data.split.fold ?? 0, seed);
  let train = splits.train;
  if (data.subset > 0) {
    if (data.subset > splits.train.count) {
      throw specError(
        'data.subset',
        `asks for ${data.subset} samples but the training split has ${splits.train.count}`,
      );
    }
    const keep = Uint32Array.from({ length: data.subset }, (_, i) => i);
    train = subsetOf(splits.train, keep);
  }
  const preprocess = preprocessesNothing(data.preprocess) ? null : fitPreprocess(train, data.preprocess);
  const prepared = preprocess ? preprocessSplits({ ...splits, train }, preprocess) : { ...splits, train };
  checkAugmentShape(data.augment, prepared.train.sampleShape, 'data.augment');
  return { splits: prepared, preprocess };
}

/**
 * k-fold: the training part of `held` (everything but test; its val is empty) cut by kFoldSplits into
 * `folds` folds; returns fold `fold` as val and the other folds as train. Test is untouched. A k-fold
 * parent (no fold index) loads as fold 0.
 */
export function foldOf(held: Splits, folds: number, fold: number, seed: number): Splits {
  const rest = held.train;
  const split = kFoldSplits(rest.count, folds, seed, 'data.split.folds')[fold];
  return { train: subsetOf(rest, split.train), val: subsetOf(rest, split.val), test: held.test };
}

/** Applies `stats` (fitted on `splits.train` alone) to every split. */
function preprocessSplits(splits: Splits, stats: PreprocessStats): Splits {
  return {
    train: preprocessDataset(stats, splits.train),
    val: preprocessDataset(stats, splits.val),
    test: preprocessDataset(stats, splits.test),
  };
}

/**
 * `d` with every sample replaced by its evaluation-time view under `augment` (the centre crop), so that
 * its samples have the model's input shape; `d` itself when `augment` changes nothing.
 */
export function centerCropDataset(augment: AugmentSpec, d: Dataset): Dataset {
  if (isIdentity(augment)) return d;
  const sampleShape = augmentedShape(augment, d.sampleShape);
  const x = new Float32Array(d.count * shapeSize(sampleShape));
  if (d.count > 0) centerCrop(augment, d.x, d.sampleShape, x);
  return { ...d, x, sampleShape };
}

/** Whether `spec` leaves every sample as it is (so no stats need fitting). */
function preprocessesNothing(spec: PreprocessSpec): boolean {
  return spec.mean === 'none' && !spec.std && !usesPca(spec);
}

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
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

/**
 * Checks that the model fits the data: input size and number of classes. `data` is the (preprocessed)
 * training split; the model's input must equal augmentedShape(augment, data.sampleShape), the shape of
 * the samples after `data.augment` (its crop, if any).
 */
export function checkModelFitsData(net: Sequential, data: Dataset, augment: AugmentSpec = NO_AUGMENT): void {
  const shape = augmentedShape(augment, data.sampleShape);
  const size = shapeSize(shape);
  const sameShape = net.inputShape.length === shape.length && net.inputShape.every((d, i) => d === shape[i]);
  if (!(sameShape || (net.inputShape.length === 1 && net.inputSize === size))) {
    const what =
      augment.crop > 0
        ? `the samples after data.augment.crop ${augment.crop} (of preprocessed [${data.sampleShape}]) are [${shape}]`
        : `the data's samples are [${shape}]`;
    throw specError(
      'model.input',
      `[${net.inputShape}] does not match: ${what}; the model input must equal them: use input: [${shape}]` +
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
  checkModelFitsData(net, splits.train, spec.data.augment);
  const initial = initParams(net, spec.train.seed, (n) => backend.alloc(n));
  const executor = new LocalExecutor(backend, net, splits, spec);
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
