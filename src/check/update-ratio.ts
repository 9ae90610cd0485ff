/**
 * Check (e): the ratio of the update magnitudes to the weight magnitudes over the first steps, per weight
 * tensor: r = ‖θ_{t+1} − θ_t‖₂ / ‖θ_t‖₂, averaged over the steps. The recipe's rule of thumb is r ≈ 1e-3;
 * far above it the learning rate is too high (the loss explodes), far below it too low. The steps are
 * the spec's own: its update rule, learning rate (schedule), regularisation, max-norm, batch size and
 * batches (drawn as the trainer draws them, seeded by train.seed), from the initial parameters.
 */
import type { Data } from '../../kernels/spec';
import type { Backend } from '../backend/backend';
import { gatherBatch, type Dataset } from '../data/dataset';
import { addRegularizationGradient, applyMaxNorm, regularizationLoss } from '../model/regularizers';
import type { Sequential } from '../model/sequential';
import { Optimizer } from '../optim/optimizer';
import { learningRateAt } from '../optim/schedule';
import { createUpdateRule } from '../optim/update-rule';
import type { TrainSpec } from '../train/job-spec';
import { sampleIndices } from '../train/trainer';
import { num, rate, sci, secondsSince, type CheckResult } from './check-result';

/** Options of the update-ratio check. */
export interface UpdateRatioOptions {
  /** Updates measured (default 5). */
  readonly steps: number;
  /** Healthy ratios lie in [low, high] (default [1e-5, 1e-1], two decades either side of ~1e-3). */
  readonly low: number;
  readonly high: number;
  /** Largest batch used; a larger spec batch (or full-batch descent) is sampled down to it (default 500). */
  readonly maxBatch: number;
}

/** Defaults: 5 steps, [1e-5, 1e-1], batches of at most 500. */
export const UPDATE_RATIO_DEFAULTS: UpdateRatioOptions = Object.freeze({
  steps: 5,
  low: 1e-5,
  high: 1e-1,
  maxBatch: 500,
});

/** A loss above this × the first is an explosion (the trainer's default stopIfLossAbove). */
const EXPLODED = 100;

/** What the steps measured. */
export interface UpdateRatios {
  /** Mean ratio over the steps, per weight tensor (name → ratio). */
  readonly ratios: ReadonlyMap<string, number>;
  /** Cost (data + regularisation) of every step's batch, before its update. */
  readonly losses: readonly number[];
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function diffNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return Math.sqrt(s);
}

/** Runs up to `steps` of the spec's updates from `initial`; stops early at a non-finite or exploded loss. */
export async function measureUpdateRatios(
  backend: Backend,
  net: Sequential,
  initial: readonly Data[],
  data: Dataset,
  train: TrainSpec,
  options: Partial<UpdateRatioOptions> = {},
): Promise<UpdateRatios> {
  const o = { ...UPDATE_RATIO_DEFAULTS, ...options };
  const params = initial.map((p) => p.slice());
  const alloc = (n: number) => backend.alloc(n);
  const optimizer = new Optimizer(
    createUpdateRule(train.update, train.updateOptions),
    net.params.map((p, i) => ({ name: p.name, size: params[i].length })),
    alloc,
  );
  const batchSize = Math.min(train.sampleBatches ? train.batchSize : data.count, o.maxBatch);
  const itersPerEpoch = train.sampleBatches ? Math.max(1, Math.floor(data.count / train.batchSize)) : 1;
  const weights = net.params.flatMap((p, i) => (p.kind === 'weight' ? [i] : []));
  const sums = new Map(weights.map((i) => [net.params[i].name, 0]));
  const losses: number[] = [];
  let steps = 0;
  for (let it = 0; it < o.steps; it++) {
    const indices = sampleIndices(train.seed, it, data.count, batchSize);
    const batch = gatherBatch(data, indices, alloc);
    const rows = Array.from({ length: batchSize }, (_, i) => i);
    const g = await backend.gradientSums(net, params, {
      x: batch.x,
      labels: batch.labels,
      count: batchSize,
      noise: { seed: train.seed, step: it, rows },
    });
    // As the trainer does: the mean gradient in the backend's dtype, plus the regulariser's.
    const grads = g.grads.map((a) => {
      const mean = alloc(a.length);
      for (let j = 0; j < a.length; j++) mean[j] = a[j] / batchSize;
      return mean;
    });
    addRegularizationGradient(net.params, params, grads, train.reg);
    const loss = g.lossSum / batchSize + regularizationLoss(net.params, params, train.reg);
    losses.push(loss);
    if (!Number.isFinite(loss) || loss > EXPLODED * losses[0]) break;
    const epoch = Math.floor(it / itersPerEpoch);
    const lr = learningRateAt(train.learningRate, train.schedule, {
      iteration: it,
      epoch,
      totalIterations: train.epochs * itersPerEpoch,
    });
    const before = weights.map((i) => params[i].slice());
    optimizer.step(params, grads, lr);
    if (train.reg.maxNorm > 0) applyMaxNorm(net.params, params, train.reg.maxNorm);
    weights.forEach((i, k) => {
      const name = net.params[i].name;
      sums.set(name, (sums.get(name) ?? 0) + diffNorm(params[i], before[k]) / norm(before[k]));
    });
    steps++;
  }
  const ratios = new Map([...sums].map(([name, s]) => [name, steps > 0 ? s / steps : NaN]));
  return { ratios, losses };
}

/** Runs check (e) from `initial` parameters with the spec's training settings. */
export async function checkUpdateRatio(
  backend: Backend,
  net: Sequential,
  initial: readonly Data[],
  data: Dataset,
  train: TrainSpec,
  options: Partial<UpdateRatioOptions> = {},
): Promise<CheckResult> {
  const started = process.hrtime.bigint();
  const o = { ...UPDATE_RATIO_DEFAULTS, ...options };
  const { ratios, losses } = await measureUpdateRatios(backend, net, initial, data, train, o);
  const expected = `in [${sci(o.low)}, ${sci(o.high)}]`;
  const lossTrend = `loss ${num(losses[0])} → ${num(losses[losses.length - 1])} over ${losses.length} steps`;
  const setting = `${train.update}, lr ${rate(train.learningRate)}`;
  const done = (pass: boolean, value: number, message: string): CheckResult => ({
    name: 'update-ratio',
    pass,
    value,
    expected,
    message,
    seconds: secondsSince(started),
  });
  const last = losses[losses.length - 1];
  if (!Number.isFinite(last) || last > EXPLODED * losses[0]) {
    const worst = Math.max(...[...ratios.values()].filter((r) => !Number.isNaN(r)), NaN);
    return done(
      false,
      Number.isFinite(worst) ? worst : Infinity,
      `learning rate too high (${setting}): the loss explodes, ${lossTrend}; try 10× lower`,
    );
  }
  // The tensor farthest (in decades) from the healthy 1e-3 decides the verdict.
  const entries = [...ratios];
  const distance = (r: number) => (Number.isFinite(r) && r > 0 ? Math.abs(Math.log10(r / 1e-3)) : Infinity);
  const [worstName, worst] = entries.reduce((a, b) => (distance(b[1]) > distance(a[1]) ? b : a));
  const list = entries.map(([name, r]) => `${name} ${sci(r)}`).join(', ');
  if (!(worst <= o.high))
    return done(
      false,
      worst,
      `update/weight ratio ${sci(worst)} of ${worstName} is far above ~1e-3: learning rate too high ` +
        `(${setting}; ${list}; ${lossTrend})`,
    );
  if (worst < o.low)
    return done(
      false,
      worst,
      `update/weight ratio ${sci(worst)} of ${worstName} is far below ~1e-3: learning rate too low ` +
        `(${setting}; ${list}; ${lossTrend})`,
    );
  return done(
    true,
    worst,
    `update/weight ratios ${list} ${expected}, ~1e-3 is healthy (${setting}; ${lossTrend})`,
  );
}
