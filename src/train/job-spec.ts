/**
 * The job spec: what to train on, which model, and how. Parsed and validated completely before any
 * training starts; every error names the field path and the fix (GradpoolError E_BAD_SPEC).
 */
import { parseModelSpec } from '../model/spec';
import type { ModelSpec } from '../model/types';
import { parseReg, type RegSpec } from '../model/regularizers';
import { parseSchedule, parseUpdate } from '../optim/schedule';
import type { ScheduleSpec, UpdateName, UpdateOptions } from '../optim/types';
import { parseSource, SOURCE_FORMS } from '../data/load-source';
import { parsePreprocess, type PreprocessSpec } from '../data/preprocess';
import { parseAugment, type AugmentSpec } from '../data/augment';
import { specError } from '../shared/errors';
import { specWithValues, type TrialValues } from './search-plan';
import { checkSearchFitsTrain, parseSearchSpec, type SearchSpec } from './search-spec';
import {
  asObject,
  bool,
  describe,
  nonEmptyString,
  nonNegativeInt,
  numberIn,
  onlyKeys,
  positiveInt,
  positiveNumber,
} from '../shared/validate';

/** Where the samples come from and how they are split. */
export interface DataSpec {
  /**
   * Dataset source: `builtin:mnist` (default), files, or an uploaded `dataset:NAME|ID[:train|:test]`
   * (names are pinned to ids at submit); see SOURCE_FORMS in src/data/load-source.ts.
   */
  readonly train: string;
  /** The files' own test split (same forms); when given, `split.test` is 0. */
  readonly test?: string;
  /** Per-sample shape of a CSV source, e.g. [1, 28, 28]; default [D] (CSV only). */
  readonly shape?: readonly number[];
  /** Header name of a CSV source's label column; default `label`, else the first column (CSV only). */
  readonly labelColumn?: string;
  /** Fractions held out for validation and test (default 0.1 each; test 0 when `test` is given). */
  readonly split: {
    readonly val: number;
    readonly test: number;
    /**
     * k-fold cross-validation (k ≥ 2; `val` must then be 0 or absent): after the test split is held out,
     * the rest is cut into k seeded folds (src/data/kfold.ts) and the job runs as k fold jobs.
     */
    readonly folds?: number;
    /**
     * Internal (set by the coordinator on a k-fold job's children, but valid in any spec): this job trains
     * on every fold but `fold` (0-based) and validates on it. Needs `folds`.
     */
    readonly fold?: number;
  };
  /** Keep only the first `subset` training samples (the recipe's "overfit a tiny subset"); 0 = all. */
  readonly subset: number;
  /**
   * Input preprocessing (mean/std/PCA/whitening), fitted on the training split only; default none.
   * See src/data/preprocess.ts.
   */
  readonly preprocess: PreprocessSpec;
  /**
   * Live augmentation of training batches (random crop, pad, flip); evaluation uses the centre crop.
   * Default none. See src/data/augment.ts.
   */
  readonly augment: AugmentSpec;
}

/** How to train. */
export interface TrainSpec {
  /** Number of epochs (≥ 1). */
  readonly epochs: number;
  /** Samples per mini-batch (default 100). */
  readonly batchSize: number;
  /** true: SGD on sampled mini-batches; false: full-batch gradient descent (default true). */
  readonly sampleBatches: boolean;
  /** Update rule (default momentum). */
  readonly update: UpdateName;
  /** Base learning rate α0 (> 0). */
  readonly learningRate: number;
  /** Learning-rate schedule; `learningRateDecay: f` is `{decay: f}` (default 0.95 per epoch, the recipe's). */
  readonly schedule: ScheduleSpec;
  /** Update-rule hyper-parameters (momentum 0.9, decayRate 0.99, beta1 0.9, beta2 0.999, epsilon 1e-8). */
  readonly updateOptions: UpdateOptions;
  /** Regularisation of weights (biases excluded); default none. */
  readonly reg: RegSpec;
  /** Seed of every random choice (init, batches, dropout, splits); default 1. */
  readonly seed: number;
  /** Fixed number of shards each mini-batch is split into (default 1); never the pool size. */
  readonly shards: number;
  /** Training stops as diverged when a batch's cost exceeds this × the first batch's cost (default 100). */
  readonly stopIfLossAbove: number;
}

/** A validated job spec. */
export interface JobSpec {
  readonly name: string;
  readonly data: DataSpec;
  readonly model: ModelSpec;
  readonly train: TrainSpec;
  /**
   * Present for a search job: its trials are ordinary jobs with sampled train values (see search-plan.ts).
   * A search job's `train` then holds each searched field at its range's geometric mean (only so that
   * the trials' train block is validated here; nothing trains with it).
   */
  readonly search?: SearchSpec;
}

/** A validated source string at `field`. */
function sourceAt(raw: unknown, field: string): string {
  const text = nonEmptyString(raw, field);
  const parsed = parseSource(text);
  if (typeof parsed === 'string') {
    throw specError(field, `${parsed}; accepted forms: ${SOURCE_FORMS.join(', ')}`);
  }
  return text;
}

function parseData(raw: unknown): DataSpec {
  const o = asObject(raw ?? {}, 'data');
  onlyKeys(o, ['train', 'test', 'shape', 'labelColumn', 'split', 'subset', 'preprocess', 'augment'], 'data');
  const train = o.train === undefined ? 'builtin:mnist' : sourceAt(o.train, 'data.train');
  const test = o.test === undefined ? undefined : sourceAt(o.test, 'data.test');
  // An uploaded dataset (dataset:…) may be csv: its format is checked when it is loaded.
  const isCsv = [train, test ?? ''].some((s) => s.startsWith('csv:') || s.startsWith('dataset:'));
  for (const key of ['shape', 'labelColumn']) {
    if (o[key] !== undefined && !isCsv)
      throw specError(`data.${key}`, 'applies to csv: sources only; remove it');
  }
  let shape: number[] | undefined;
  if (o.shape !== undefined) {
    if (!Array.isArray(o.shape) || o.shape.length === 0) {
      throw specError(
        'data.shape',
        `must be a list of positive integers such as [1, 28, 28], got ${describe(o.shape)}`,
      );
    }
    shape = o.shape.map((d, i) => positiveInt(d, `data.shape[${i}]`));
  }
  const labelColumn =
    o.labelColumn === undefined ? undefined : nonEmptyString(o.labelColumn, 'data.labelColumn');
  const s = asObject(o.split ?? {}, 'data.split');
  onlyKeys(s, ['val', 'test', 'folds', 'fold'], 'data.split');
  const folds = s.folds === undefined ? undefined : nonNegativeInt(s.folds, 'data.split.folds');
  if (folds !== undefined && folds < 2)
    throw specError('data.split.folds', `must be an integer of at least 2, got ${folds}`);
  if (folds !== undefined && s.val !== undefined && s.val !== 0) {
    throw specError(
      'data.split',
      `val must be 0 or absent with folds (each fold is the validation split in turn), got val ${describe(s.val)}`,
    );
  }
  let fold: number | undefined;
  if (s.fold !== undefined) {
    if (folds === undefined) throw specError('data.split.fold', 'needs data.split.folds');
    fold = nonNegativeInt(s.fold, 'data.split.fold');
    if (fold >= folds)
      throw specError('data.split.fold', `must be below data.split.folds (${folds}), got ${fold}`);
  }
  const val =
    folds !== undefined ? 0 : s.val === undefined ? 0.1 : numberIn(s.val, 0, 1, 'data.split.val', true);
  if (test !== undefined && s.test !== undefined && s.test !== 0) {
    throw specError(
      'data.split.test',
      `must be 0 or absent when data.test gives the test split, got ${describe(s.test)}`,
    );
  }
  const testFraction =
    test !== undefined ? 0 : s.test === undefined ? 0.1 : numberIn(s.test, 0, 1, 'data.split.test', true);
  if (val + testFraction >= 1) {
    throw specError('data.split', `val + test must be below 1, got ${val} + ${testFraction}`);
  }
  const subset = o.subset === undefined ? 0 : nonNegativeInt(o.subset, 'data.subset');
  return {
    train,
    ...(test !== undefined ? { test } : {}),
    ...(shape ? { shape } : {}),
    ...(labelColumn !== undefined ? { labelColumn } : {}),
    split: {
      val,
      test: testFraction,
      ...(folds !== undefined ? { folds } : {}),
      ...(fold !== undefined ? { fold } : {}),
    },
    subset,
    preprocess: parsePreprocess(o.preprocess, 'data.preprocess'),
    augment: parseAugment(o.augment, 'data.augment'),
  };
}

function parseTrain(raw: unknown): TrainSpec {
  const o = asObject(raw, 'train');
  onlyKeys(
    o,
    [
      'epochs',
      'batchSize',
      'sampleBatches',
      'update',
      'learningRate',
      'learningRateDecay',
      'schedule',
      'momentum',
      'decayRate',
      'beta1',
      'beta2',
      'epsilon',
      'reg',
      'seed',
      'shards',
      'stopIfLossAbove',
    ],
    'train',
  );
  if (o.learningRate === undefined)
    throw specError('train.learningRate', 'is missing; set e.g. learningRate: 1e-3');
  if (o.learningRateDecay !== undefined && o.schedule !== undefined) {
    throw specError('train.schedule', 'give either learningRateDecay or schedule, not both');
  }
  const schedule: ScheduleSpec =
    o.schedule !== undefined
      ? parseSchedule(o.schedule, 'train.schedule')
      : {
          type: 'decay',
          factor:
            o.learningRateDecay === undefined
              ? 0.95
              : numberIn(o.learningRateDecay, 0, 1, 'train.learningRateDecay'),
        };
  if (schedule.type === 'decay' && schedule.factor <= 0) {
    throw specError('train.learningRateDecay', `must be in (0, 1], got ${schedule.factor}`);
  }
  const updateOptions: UpdateOptions = {
    momentum: o.momentum === undefined ? 0.9 : numberIn(o.momentum, 0, 1, 'train.momentum', true),
    decayRate: o.decayRate === undefined ? 0.99 : numberIn(o.decayRate, 0, 1, 'train.decayRate', true),
    beta1: o.beta1 === undefined ? 0.9 : numberIn(o.beta1, 0, 1, 'train.beta1', true),
    beta2: o.beta2 === undefined ? 0.999 : numberIn(o.beta2, 0, 1, 'train.beta2', true),
    epsilon: o.epsilon === undefined ? 1e-8 : positiveNumber(o.epsilon, 'train.epsilon'),
  };
  return {
    epochs: o.epochs === undefined ? 10 : positiveInt(o.epochs, 'train.epochs'),
    batchSize: o.batchSize === undefined ? 100 : positiveInt(o.batchSize, 'train.batchSize'),
    sampleBatches: o.sampleBatches === undefined ? true : bool(o.sampleBatches, 'train.sampleBatches'),
    update: o.update === undefined ? 'momentum' : parseUpdate(o.update, 'train.update'),
    learningRate: positiveNumber(o.learningRate, 'train.learningRate'),
    schedule,
    updateOptions,
    reg: parseReg(o.reg ?? 0, 'train.reg'),
    seed: o.seed === undefined ? 1 : nonNegativeInt(o.seed, 'train.seed'),
    shards: o.shards === undefined ? 1 : positiveInt(o.shards, 'train.shards'),
    stopIfLossAbove:
      o.stopIfLossAbove === undefined ? 100 : positiveNumber(o.stopIfLossAbove, 'train.stopIfLossAbove'),
  };
}

/** Parses and validates a job spec (already decoded from YAML or JSON). */
export function parseJobSpec(raw: unknown): JobSpec {
  const o = asObject(raw, 'spec');
  onlyKeys(o, ['name', 'data', 'model', 'train', 'search'], 'spec');
  if (o.model === undefined) throw specError('model', 'is missing; describe the network under model:');
  if (o.train === undefined) throw specError('train', 'is missing; give at least train.learningRate');
  if (
    o.search !== undefined &&
    asObject(asObject(o.data ?? {}, 'data').split ?? {}, 'data.split').folds !== undefined
  )
    throw specError('data.split.folds', 'cannot be combined with search; remove one of them');
  const search = o.search === undefined ? undefined : parseSearchSpec(o.search, 'search');
  if (search) checkSearchFitsTrain(search, asObject(o.train, 'train'), 'search');
  const spec: JobSpec = {
    name: o.name === undefined ? 'job' : nonEmptyString(o.name, 'name'),
    data: parseData(o.data),
    model: parseModelSpec(o.model, 'model'),
    train: parseTrain(search ? midpointTrain(o.train, search) : o.train),
    ...(search ? { search } : {}),
  };
  if (spec.train.shards > spec.train.batchSize) {
    throw specError(
      'train.shards',
      `must not exceed train.batchSize (${spec.train.batchSize}), got ${spec.train.shards}`,
    );
  }
  return spec;
}

/** The raw train block with every searched field at its range's geometric mean. */
function midpointTrain(rawTrain: unknown, search: SearchSpec): unknown {
  const mid: Partial<Record<string, number>> = {};
  for (const r of search.ranges) mid[r.field] = Math.sqrt(r.lo * r.hi);
  return specWithValues({ train: rawTrain }, mid as TrialValues).train;
}
