/**
 * The trainer, with the semantics of the recipe's ClassifierTrainer:
 * - iterations per epoch = ⌊N / batchSize⌋ with sampled batches (drawn with replacement), 1 for full-batch GD;
 * - each iteration: cost and gradient on the batch, then the update of every parameter;
 * - at the first iteration and at every epoch end (after the learning-rate decay of that epoch end):
 *   train accuracy on 1 000 sampled training examples (all of them if N ≤ 1 000), validation accuracy on
 *   the whole validation set, and the best parameters by validation accuracy are kept;
 * - the printed cost is that of the last batch.
 * Each batch is split into `shards` fixed shards; an executor (this process, or remote workers) returns their
 * gradient sums, which are added in shard order and divided once by the batch size. Every random choice is
 * derived from (seed, iteration), so a run resumed from a TrainState continues bit-identically.
 */
import type { Data } from '../../kernels/spec';
import { addRegularizationGradient, applyMaxNorm, regularizationLoss } from '../model/regularizers';
import type { Sequential } from '../model/sequential';
import { Optimizer } from '../optim/optimizer';
import { learningRateAt } from '../optim/schedule';
import { createUpdateRule } from '../optim/update-rule';
import { Rng, RngStream } from '../shared/rng';
import type { TrainSpec } from './job-spec';
import { sumShardsInto } from './shard-sum';
import type { ShardPlan, StepExecutor } from './step-executor';
import { initialTrainState, type TrainState } from './train-state';

/** Samples drawn to measure training accuracy at each epoch end (the recipe's 1 000). */
export const TRAIN_ACC_SAMPLES = 1000;

/** One per-epoch progress report. */
export interface EpochEvent {
  readonly type: 'epoch';
  readonly epoch: number;
  readonly epochs: number;
  readonly cost: number;
  readonly trainAcc: number;
  readonly valAcc: number;
  readonly lr: number;
  readonly iteration: number;
}

/** Advice about the run, e.g. a learning rate that seems too low. */
export interface HintEvent {
  readonly type: 'hint';
  readonly message: string;
}

/** Events a trainer reports while it runs. */
export type TrainEvent = EpochEvent | HintEvent;

/** What a training run returns. */
export interface TrainResult {
  /** 'finished', or 'diverged' when the loss became NaN, infinite or exploded (see TrainSpec.stopIfLossAbove). */
  readonly status: 'finished' | 'diverged';
  /** Why training stopped early, when it did. */
  readonly diagnosis?: string;
  /** Parameters with the best validation accuracy seen (the initial ones if none was better than 0). */
  readonly bestParams: Data[];
  /** Parameters after the last update. */
  readonly finalParams: Data[];
  readonly bestValAcc: number;
  /** Cost of every iteration (data loss + regularisation). */
  readonly lossHistory: number[];
  readonly trainAccHistory: number[];
  readonly valAccHistory: number[];
  /** Iterations run in total (including those before a resume). */
  readonly iterations: number;
  /** Wall time of this call, in seconds. */
  readonly seconds: number;
  /** Training samples processed per second of wall time, in this call. */
  readonly samplesPerSecond: number;
}

/** Sizes of the data the trainer samples from. */
export interface DataCounts {
  readonly train: number;
  readonly val: number;
}

/** Hooks for a trainer run. */
export interface TrainHooks {
  /** Progress events (epoch lines, hints). */
  readonly onEvent?: (e: TrainEvent) => void;
  /**
   * Called after every update with the state to resume from (iteration = updates applied) and whether an
   * epoch just ended; may checkpoint it. Throwing stops training with that error (e.g. cancellation).
   */
  readonly afterIteration?: (state: TrainState, epochEnd: boolean) => Promise<void> | void;
  /** Continue from this state instead of `initial` parameters. */
  readonly resume?: TrainState;
}

/** Runs the recipe's training loop on a StepExecutor. */
export class Trainer {
  constructor(private readonly executor: StepExecutor) {}

  /** Trains `net` from `initial` parameters (not modified); selection by accuracy on the validation split. */
  async train(
    net: Sequential,
    initial: readonly Data[],
    counts: DataCounts,
    spec: TrainSpec,
    hooks: TrainHooks = {},
  ): Promise<TrainResult> {
    const started = process.hrtime.bigint();
    const onEvent = hooks.onEvent ?? (() => {});
    const ex = this.executor;
    const state = hooks.resume ?? initialTrainState(initial, (n) => ex.alloc(n));
    const optimizer = new Optimizer(
      createUpdateRule(spec.update, spec.updateOptions),
      net.params.map((p, i) => ({ name: p.name, size: state.params[i].length })),
      (k) => ex.alloc(k),
    );
    if (hooks.resume) optimizer.loadState(hooks.resume.optimizerSlots, hooks.resume.optimizerT);
    const n = counts.train;
    const batchSize = spec.sampleBatches ? spec.batchSize : n;
    const itersPerEpoch = spec.sampleBatches ? Math.max(1, Math.floor(n / spec.batchSize)) : 1;
    const numIters = spec.epochs * itersPerEpoch;
    const hintAt = Math.max(itersPerEpoch, Math.min(10, numIters)) - 1;
    const firstIteration = state.iteration;
    let diagnosis: string | undefined;

    for (let it = state.iteration; it < numIters; it++) {
      const lr = learningRateAt(spec.learningRate, spec.schedule, {
        iteration: it,
        epoch: state.epoch,
        totalIterations: numIters,
      });
      const indices = spec.sampleBatches ? sampleIndices(spec.seed, it, n, batchSize) : allIndices(n);
      const { cost, grads } = await this.costAndGradient(net, state.params, indices, spec, it);
      state.lossHistory.push(cost);
      diagnosis = divergence(cost, state.lossHistory[0], spec, it, state.epoch);
      if (diagnosis) break;
      optimizer.step(state.params, grads, lr);
      if (spec.reg.maxNorm > 0) applyMaxNorm(net.params, state.params, spec.reg.maxNorm);
      state.iteration = it + 1;

      const epochEnd = (it + 1) % itersPerEpoch === 0;
      if (it === 0 || epochEnd) {
        if (it > 0 && epochEnd) state.epoch++;
        const lrNow = learningRateAt(spec.learningRate, spec.schedule, {
          iteration: it + 1,
          epoch: state.epoch,
          totalIterations: numIters,
        });
        const trainAcc = await this.accuracy(state, 'train', trainSubset(spec.seed, state.epoch, n));
        const valAcc = await this.accuracy(state, 'val', allIndices(counts.val));
        state.trainAccHistory.push(trainAcc);
        state.valAccHistory.push(valAcc);
        if (valAcc > state.bestValAcc) {
          state.bestValAcc = valAcc;
          state.bestParams = state.params.map((p) => p.slice());
        }
        onEvent({
          type: 'epoch',
          epoch: state.epoch,
          epochs: spec.epochs,
          cost,
          trainAcc,
          valAcc,
          lr: lrNow,
          iteration: it,
        });
      }
      if (it === hintAt) {
        const hint = stuckHint(state.lossHistory);
        if (hint) onEvent({ type: 'hint', message: hint });
      }
      if (hooks.afterIteration) {
        state.optimizerSlots = optimizer.state();
        state.optimizerT = optimizer.t;
        await hooks.afterIteration(state, epochEnd);
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const ranHere = state.lossHistory.length - firstIteration;
    return {
      status: diagnosis ? 'diverged' : 'finished',
      diagnosis,
      bestParams: state.bestParams,
      finalParams: state.params,
      bestValAcc: state.bestValAcc,
      lossHistory: state.lossHistory,
      trainAccHistory: state.trainAccHistory,
      valAccHistory: state.valAccHistory,
      iterations: state.lossHistory.length,
      seconds,
      samplesPerSecond: (ranHere * batchSize) / seconds,
    };
  }

  /** Cost (mean data loss + regularisation) and the averaged, regularised gradient of one batch. */
  private async costAndGradient(
    net: Sequential,
    params: readonly Data[],
    indices: Uint32Array,
    spec: TrainSpec,
    step: number,
  ): Promise<{ cost: number; grads: Data[] }> {
    const count = indices.length;
    const results = await this.executor.shardSums(step, step, params, shardPlans(indices, spec.shards));
    // Shard sums added in shard order, then divided once by the batch size.
    const grads = params.map((p) => this.executor.alloc(p.length));
    let lossSum = 0;
    for (const r of results) lossSum += r.lossSum;
    grads.forEach((g, i) =>
      sumShardsInto(
        g,
        results.map((r) => r.grads[i]),
        count,
      ),
    );
    addRegularizationGradient(net.params, params, grads, spec.reg);
    return { cost: lossSum / count + regularizationLoss(net.params, params, spec.reg), grads };
  }

  /** Fraction of `indices` of a split classified correctly, at the state's current parameters. */
  private async accuracy(state: TrainState, split: 'train' | 'val', indices: Uint32Array): Promise<number> {
    if (indices.length === 0) return 0;
    const { correct } = await this.executor.evaluate(state.iteration, state.params, split, indices);
    return correct / indices.length;
  }
}

/** The fixed shards of a batch: contiguous, sizes differing by at most one, never more shards than samples. */
export function shardPlans(indices: Uint32Array, shards: number): ShardPlan[] {
  const count = indices.length;
  const s = Math.min(shards, count);
  const plans: ShardPlan[] = [];
  for (let k = 0; k < s; k++) {
    const lo = Math.floor((k * count) / s);
    const hi = Math.floor(((k + 1) * count) / s);
    plans.push({ indices: indices.subarray(lo, hi), firstRow: lo });
  }
  return plans;
}

/** Why training must stop at this cost (NaN, infinite, or above stopIfLossAbove × the first cost), if it must. */
function divergence(
  cost: number,
  first: number,
  spec: TrainSpec,
  it: number,
  epoch: number,
): string | undefined {
  const advice = `the learning rate is probably too high (${spec.learningRate}); try 10× lower`;
  if (!Number.isFinite(cost)) {
    return `loss became ${Number.isNaN(cost) ? 'NaN' : 'infinite'} at iteration ${it} (epoch ${epoch}): ${advice}`;
  }
  if (cost > spec.stopIfLossAbove * first) {
    return (
      `loss exploded to ${cost.toPrecision(4)} at iteration ${it} (epoch ${epoch}), ` +
      `more than ${spec.stopIfLossAbove}× its initial ${first.toPrecision(4)}: ${advice}`
    );
  }
  return undefined;
}

/** A hint when the loss has barely moved (< 1 %) from its start, else undefined. */
function stuckHint(lossHistory: readonly number[]): string | undefined {
  const start = lossHistory[0];
  const tail = lossHistory.slice(Math.floor((lossHistory.length * 3) / 4));
  const recent = tail.reduce((a, v) => a + v, 0) / tail.length;
  if (lossHistory.length < 2 || start - recent >= 0.01 * Math.abs(start)) return undefined;
  return (
    `the loss barely moved over the first ${lossHistory.length} iterations ` +
    `(${start.toFixed(6)} → ${recent.toFixed(6)}): the learning rate is probably too low ` +
    `or the regularisation too strong`
  );
}

function allIndices(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** The recipe's np.random.choice(N, batch_size): with replacement, seeded by (seed, iteration). */
export function sampleIndices(seed: number, iteration: number, n: number, batchSize: number): Uint32Array {
  const rng = new Rng(seed, RngStream.batch, iteration);
  const a = new Uint32Array(batchSize);
  for (let i = 0; i < batchSize; i++) a[i] = rng.int(n);
  return a;
}

/** The training subset used for the accuracy estimate at an epoch boundary. */
function trainSubset(seed: number, epoch: number, n: number): Uint32Array {
  if (n <= TRAIN_ACC_SAMPLES) return allIndices(n);
  const rng = new Rng(seed, RngStream.trainSubset, epoch);
  const a = new Uint32Array(TRAIN_ACC_SAMPLES);
  for (let i = 0; i < a.length; i++) a[i] = rng.int(n);
  return a;
}
