/**
 * The in-process trainer, with the semantics of the recipe's ClassifierTrainer:
 * - iterations per epoch = ⌊N / batchSize⌋ with sampled batches (drawn with replacement), 1 for full-batch GD;
 * - each iteration: cost and gradient on the batch, then the update of every parameter;
 * - at the first iteration and at every epoch end (after the learning-rate decay of that epoch end):
 *   train accuracy on 1 000 sampled training examples (all of them if N ≤ 1 000), validation accuracy on
 *   the whole validation set, and the best parameters by validation accuracy are kept;
 * - the printed cost is that of the last batch.
 * Each batch is split into `shards` fixed shards whose gradient sums are added in shard order and divided
 * once by the batch size, exactly as the coordinator will do, so the result does not depend on who computes.
 */
import type { Data } from '../../kernels/spec';
import type { Backend } from '../backend/backend';
import { gatherBatch, type Dataset } from '../data/dataset';
import { addRegularizationGradient, applyMaxNorm, regularizationLoss } from '../model/regularizers';
import type { Sequential } from '../model/sequential';
import { Optimizer } from '../optim/optimizer';
import { learningRateAt } from '../optim/schedule';
import { createUpdateRule } from '../optim/update-rule';
import { Rng, RngStream } from '../shared/rng';
import type { TrainSpec } from './job-spec';

/** Samples drawn to measure training accuracy at each epoch end (the recipe's 1 000). */
export const TRAIN_ACC_SAMPLES = 1000;
/** Samples per evaluation chunk (bounds memory of an evaluation pass). */
const EVAL_CHUNK = 1000;

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
  readonly iterations: number;
  /** Wall time of the run, in seconds. */
  readonly seconds: number;
  /** Training samples processed per second of wall time. */
  readonly samplesPerSecond: number;
}

/** Runs the recipe's training loop on a backend. */
export class Trainer {
  constructor(
    private readonly backend: Backend,
    private readonly onEvent: (e: TrainEvent) => void = () => {},
  ) {}

  /** Trains `net` from `initial` parameters (not modified) on `train`, selecting by accuracy on `val`. */
  async train(
    net: Sequential,
    initial: readonly Data[],
    train: Dataset,
    val: Dataset,
    spec: TrainSpec,
  ): Promise<TrainResult> {
    const started = process.hrtime.bigint();
    const b = this.backend;
    const params = initial.map((p) => copyInto(b.alloc(p.length), p));
    const optimizer = new Optimizer(
      createUpdateRule(spec.update, spec.updateOptions),
      net.params.map((p, i) => ({ name: p.name, size: params[i].length })),
      (n) => b.alloc(n),
    );
    const n = train.count;
    const batchSize = spec.sampleBatches ? spec.batchSize : n;
    const itersPerEpoch = spec.sampleBatches ? Math.max(1, Math.floor(n / spec.batchSize)) : 1;
    const numIters = spec.epochs * itersPerEpoch;
    const hintAt = Math.max(itersPerEpoch, Math.min(10, numIters)) - 1;
    const lossHistory: number[] = [];
    const trainAccHistory: number[] = [];
    const valAccHistory: number[] = [];
    let bestValAcc = 0;
    let bestParams = params.map((p) => p.slice());
    let epoch = 0;
    let diagnosis: string | undefined;
    let iterations = 0;

    for (let it = 0; it < numIters; it++) {
      const lr = learningRateAt(spec.learningRate, spec.schedule, {
        iteration: it,
        epoch,
        totalIterations: numIters,
      });
      const indices = spec.sampleBatches ? sampleIndices(spec.seed, it, n, batchSize) : allIndices(n);
      const { cost, grads } = await this.costAndGradient(net, params, train, indices, spec, it);
      lossHistory.push(cost);
      iterations++;
      diagnosis = divergence(cost, lossHistory[0], spec, it, epoch);
      if (diagnosis) break;
      optimizer.step(params, grads, lr);
      if (spec.reg.maxNorm > 0) applyMaxNorm(net.params, params, spec.reg.maxNorm);

      const epochEnd = (it + 1) % itersPerEpoch === 0;
      if (it === 0 || epochEnd) {
        if (it > 0 && epochEnd) epoch++;
        const lrNow = learningRateAt(spec.learningRate, spec.schedule, {
          iteration: it + 1,
          epoch,
          totalIterations: numIters,
        });
        const trainAcc = await this.accuracy(net, params, train, trainSubset(spec.seed, epoch, n));
        const valAcc = await this.accuracy(net, params, val, allIndices(val.count));
        trainAccHistory.push(trainAcc);
        valAccHistory.push(valAcc);
        if (valAcc > bestValAcc) {
          bestValAcc = valAcc;
          bestParams = params.map((p) => p.slice());
        }
        this.onEvent({
          type: 'epoch',
          epoch,
          epochs: spec.epochs,
          cost,
          trainAcc,
          valAcc,
          lr: lrNow,
          iteration: it,
        });
      }
      if (it === hintAt) this.hintIfStuck(lossHistory);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      status: diagnosis ? 'diverged' : 'finished',
      diagnosis,
      bestParams,
      finalParams: params,
      bestValAcc,
      lossHistory,
      trainAccHistory,
      valAccHistory,
      iterations,
      seconds,
      samplesPerSecond: (iterations * batchSize) / seconds,
    };
  }

  /** Cost (mean data loss + regularisation) and the averaged, regularised gradient of one batch. */
  private async costAndGradient(
    net: Sequential,
    params: readonly Data[],
    data: Dataset,
    indices: Uint32Array,
    spec: TrainSpec,
    step: number,
  ): Promise<{ cost: number; grads: Data[] }> {
    const b = this.backend;
    const count = indices.length;
    const shards = Math.min(spec.shards, count);
    const results = [];
    for (let s = 0; s < shards; s++) {
      const lo = Math.floor((s * count) / shards);
      const hi = Math.floor(((s + 1) * count) / shards);
      const batch = gatherBatch(data, indices.subarray(lo, hi), (k) => b.alloc(k));
      const rows = Array.from({ length: hi - lo }, (_, i) => lo + i);
      results.push(
        await b.gradientSums(net, params, {
          x: batch.x,
          labels: batch.labels,
          count: hi - lo,
          noise: { seed: spec.seed, step, rows },
        }),
      );
    }
    // Shard sums added in shard order, then divided once by the batch size.
    const grads = params.map((p) => b.alloc(p.length));
    let lossSum = 0;
    for (const r of results) {
      lossSum += r.lossSum;
      for (let i = 0; i < grads.length; i++) {
        const g = grads[i];
        const rg = r.grads[i];
        for (let j = 0; j < g.length; j++) g[j] += rg[j];
      }
    }
    for (const g of grads) for (let j = 0; j < g.length; j++) g[j] /= count;
    addRegularizationGradient(net.params, params, grads, spec.reg);
    return { cost: lossSum / count + regularizationLoss(net.params, params, spec.reg), grads };
  }

  /** Fraction of `indices` of `data` classified correctly (test-mode forward pass). */
  private async accuracy(
    net: Sequential,
    params: readonly Data[],
    data: Dataset,
    indices: Uint32Array,
  ): Promise<number> {
    if (indices.length === 0) return 0;
    let correct = 0;
    for (let lo = 0; lo < indices.length; lo += EVAL_CHUNK) {
      const chunk = indices.subarray(lo, Math.min(indices.length, lo + EVAL_CHUNK));
      const batch = gatherBatch(data, chunk, (k) => this.backend.alloc(k));
      correct += (await this.backend.evaluate(net, params, batch.x, batch.labels, chunk.length)).correct;
    }
    return correct / indices.length;
  }

  /** Reports a hint when the loss has barely moved from its start. */
  private hintIfStuck(lossHistory: readonly number[]): void {
    const start = lossHistory[0];
    const tail = lossHistory.slice(Math.floor((lossHistory.length * 3) / 4));
    const recent = tail.reduce((a, v) => a + v, 0) / tail.length;
    if (lossHistory.length >= 2 && start - recent < 0.01 * Math.abs(start)) {
      this.onEvent({
        type: 'hint',
        message:
          `the loss barely moved over the first ${lossHistory.length} iterations ` +
          `(${start.toFixed(6)} → ${recent.toFixed(6)}): the learning rate is probably too low ` +
          `or the regularisation too strong`,
      });
    }
  }
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

function copyInto(dst: Data, src: Data): Data {
  dst.set(src);
  return dst;
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
