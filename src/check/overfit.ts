/**
 * Check (c): the model can overfit a tiny subset. Plain SGD, full batch, constant learning rate, no
 * regularisation, on the first `samples` training samples; after every update the training accuracy is
 * measured in test mode. It passes as soon as it reaches 1.0. The spec's learning rate is meant for its
 * own update rule and batch size, so when it does not get there, a few fixed rates are tried as well
 * (each from the same initial parameters; a run whose loss becomes NaN, infinite or 100× its first value
 * is abandoned). A model that overfits at none of them is too small, or its labels do not match its inputs.
 */
import type { Data } from '../../kernels/spec';
import type { Backend } from '../backend/backend';
import type { Dataset } from '../data/dataset';
import type { Sequential } from '../model/sequential';
import { firstRows, type CheckBatch } from './check-batch';
import { num, rate, secondsSince, type CheckResult } from './check-result';

/** Options of the overfit check. */
export interface OverfitOptions {
  /** Training samples to overfit (default 20). */
  readonly samples: number;
  /** Full-batch updates per learning rate at most (default 200). */
  readonly epochs: number;
  /** Rates tried after the spec's, in order, until one reaches accuracy 1.0 (default 0.5, 0.1, 0.02). */
  readonly fallbackLearningRates: readonly number[];
  /** Seeds the dropout masks (default 1). */
  readonly seed: number;
}

/** Defaults: 20 samples, 200 epochs, then learning rates 0.5, 0.1, 0.02. */
export const OVERFIT_DEFAULTS: OverfitOptions = Object.freeze({
  samples: 20,
  epochs: 200,
  fallbackLearningRates: Object.freeze([0.5, 0.1, 0.02]),
  seed: 1,
});

/** A run is abandoned when its loss exceeds this × its first loss. */
const EXPLODED = 100;

/** The outcome of one learning rate. */
export interface OverfitRun {
  readonly learningRate: number;
  /** Training accuracy after the last update (test mode). */
  readonly trainAcc: number;
  /** Updates made. */
  readonly epochs: number;
  /** Loss before the last update (data loss, training mode). */
  readonly loss: number;
  /** Why the run stopped before reaching 1.0, if it did: 'diverged'. */
  readonly diverged: boolean;
}

/** Overfits `batch` by plain full-batch SGD at `learningRate` for up to `epochs` updates. */
export async function overfitRun(
  backend: Backend,
  net: Sequential,
  initial: readonly Data[],
  batch: CheckBatch,
  learningRate: number,
  epochs: number,
  seed: number,
): Promise<OverfitRun> {
  const params = initial.map((p) => p.slice());
  let first = NaN;
  let loss = NaN;
  let trainAcc = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const sums = await backend.gradientSums(net, params, {
      x: batch.x,
      labels: batch.labels,
      count: batch.count,
      noise: { seed, step: epoch, rows: batch.rows },
    });
    loss = sums.lossSum / batch.count;
    if (epoch === 0) first = loss;
    if (!Number.isFinite(loss) || loss > EXPLODED * first)
      return { learningRate, trainAcc, epochs: epoch, loss, diverged: true };
    const step = learningRate / batch.count;
    params.forEach((p, i) => {
      const g = sums.grads[i];
      for (let j = 0; j < p.length; j++) p[j] -= step * g[j];
    });
    const { correct } = await backend.evaluate(net, params, batch.x, batch.labels, batch.count);
    trainAcc = correct / batch.count;
    if (trainAcc === 1) return { learningRate, trainAcc, epochs: epoch + 1, loss, diverged: false };
  }
  return { learningRate, trainAcc, epochs, loss, diverged: false };
}

/** Runs check (c) from `initial` parameters, trying `specLearningRate` first. */
export async function checkOverfit(
  backend: Backend,
  net: Sequential,
  initial: readonly Data[],
  data: Dataset,
  specLearningRate: number,
  options: Partial<OverfitOptions> = {},
): Promise<CheckResult> {
  const started = process.hrtime.bigint();
  const o = { ...OVERFIT_DEFAULTS, ...options };
  const batch = firstRows(data, o.samples, (n) => backend.alloc(n));
  const rates = [specLearningRate, ...o.fallbackLearningRates.filter((r) => r !== specLearningRate)];
  const runs: OverfitRun[] = [];
  for (const rate of rates) {
    const run = await overfitRun(backend, net, initial, batch, rate, o.epochs, o.seed);
    runs.push(run);
    if (run.trainAcc === 1) break;
  }
  const last = runs[runs.length - 1];
  const best = runs.reduce((a, b) => (b.trainAcc > a.trainAcc ? b : a));
  const pass = last.trainAcc === 1;
  const tried = runs
    .map((r) => `${rate(r.learningRate)}: ${r.diverged ? 'diverged' : `acc ${r.trainAcc.toFixed(3)}`}`)
    .join(', ');
  const message = pass
    ? `overfit ${batch.count} samples: train accuracy 1.000 after ${last.epochs} epochs ` +
      `(sgd, full batch, lr ${rate(last.learningRate)}, reg 0, loss ${num(last.loss)})` +
      (runs.length > 1 ? `; tried lr ${tried}` : '')
    : `could not overfit ${batch.count} samples: best train accuracy ${best.trainAcc.toFixed(3)} after ` +
      `${o.epochs} epochs of sgd at each lr (${tried}); the model is probably too small ` +
      `(or its init so small that no gradient reaches the first layers, or the labels do not match the inputs)`;
  return {
    name: 'overfit',
    pass,
    value: pass ? 1 : best.trainAcc,
    expected: '1.0',
    message,
    seconds: secondsSince(started),
  };
}
