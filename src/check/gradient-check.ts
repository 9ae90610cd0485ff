/**
 * Check (d): the analytic gradient of the actual model (data loss + the spec's regularisation, as the
 * trainer computes it) against central differences g ≈ (f(θ + ε) − f(θ − ε)) / 2ε, in float64, on a few
 * training samples and a random subset of every parameter tensor.
 *
 * ReLU, max-pool and the hinge loss have kinks, and a perturbation that crosses one makes the numeric
 * gradient wrong, not the analytic one; and float64 central differences of a loss near ln C resolve
 * gradients down to about 1e-12 only. Hence:
 * 1. The check runs at a well-scaled point whatever the spec's init: weights drawn as He init draws them
 *    (seeded), every bias at ±U[0.01, 0.1]. A tiny init such as {gaussian: 1e-4} gives gradients near 1e-8
 *    and max-pool windows within ε of a tie, and on MNIST an all-zero image patch makes a conv unit's input
 *    exactly its bias, which at biasInit 0 sits on ReLU's kink. Whether the gradient is right does not
 *    depend on the point (check (a) judges the init).
 * 2. An entry whose error is at least a tenth of the threshold is measured again at smaller steps (a kink
 *    within ε of θ falls outside a smaller interval) and larger ones (float64 rounding of the loss dominates
 *    tiny gradients), and keeps its smallest error. A wrong backward pass is wrong at every step.
 * Dropout masks come from fixed noise keys (seed, step 0, rows 0 … n−1): the loss is a function of θ.
 */
import type { KernelRunner } from '../../kernels/runner';
import type { Dataset } from '../data/dataset';
import { addRegularizationGradient, regularizationLoss, type RegSpec } from '../model/regularizers';
import { initParams } from '../model/init';
import { Sequential } from '../model/sequential';
import type { ForwardContext, ParamInfo } from '../model/types';
import { Rng } from '../shared/rng';
import { firstRows } from './check-batch';
import { sci, secondsSince, type CheckResult } from './check-result';

/** Options of the gradient check. */
export interface GradientCheckOptions {
  /** Training samples in the loss (default 4: fewer samples, fewer kinks). */
  readonly samples: number;
  /** Entries checked per parameter tensor, drawn without replacement (default 10; all if fewer). */
  readonly perTensor: number;
  /** Central-difference steps: the first for every entry, the next ones while its error is ≥ threshold / 10. */
  readonly steps: readonly number[];
  /** Pass iff the largest relative error is below this (default 1e-5). */
  readonly threshold: number;
  /** Seeds the check point, the choice of entries and the dropout masks (default 1). */
  readonly seed: number;
}

/** Defaults: 4 samples, 10 entries per tensor, ε = 1e-5 (then 1e-6, 1e-7, 1e-4, 1e-3), pass below 1e-5. */
export const GRADIENT_CHECK_DEFAULTS: GradientCheckOptions = Object.freeze({
  samples: 4,
  perTensor: 10,
  steps: Object.freeze([1e-5, 1e-6, 1e-7, 1e-4, 1e-3]),
  threshold: 1e-5,
  seed: 1,
});

/**
 * Denominator floor of the relative error: below it the error is absolute (× 1/FLOOR). Central differences
 * of a loss near ln 10 resolve about 1e-12 at best in float64, so tinier gradients cannot be held to 1e-5
 * relative; 1e-7 × 1e-5 = 1e-12.
 */
const REL_ERROR_FLOOR = 1e-7;

/** Rng stream tags of the entry choice and the bias offsets (distinct from the tags in shared/rng.ts). */
const ENTRY_STREAM = 101;
const BIAS_STREAM = 102;

/** One checked entry. */
export interface GradientEntry {
  /** `<param>[index]`, e.g. `fc1.weight[1234]`. */
  readonly where: string;
  readonly analytic: number;
  /** The numeric gradient at the step that agreed best. */
  readonly numeric: number;
  /** The step ε of `numeric`. */
  readonly step: number;
  readonly relError: number;
}

/** |a − n| / max(|a| + |n|, 1e-7); NaN if either is NaN. */
export function relError(a: number, n: number): number {
  return Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), REL_ERROR_FLOOR);
}

/**
 * Compares `grads` (the analytic gradient of `cost` at `theta`) with central differences on up to
 * `perTensor` entries per tensor; perturbs `theta` in place and restores it bit for bit. Worst entry first.
 */
export function compareGradients(
  cost: () => number,
  theta: readonly Float64Array[],
  grads: readonly ArrayLike<number>[],
  infos: readonly ParamInfo[],
  options: Partial<GradientCheckOptions> = {},
): GradientEntry[] {
  const o = { ...GRADIENT_CHECK_DEFAULTS, ...options };
  const entries: GradientEntry[] = [];
  infos.forEach((info, t) => {
    const p = theta[t];
    const count = Math.min(o.perTensor, p.length);
    const chosen = Array.from(new Rng(o.seed, ENTRY_STREAM, t).permutation(p.length).subarray(0, count));
    for (const j of chosen.sort((a, b) => a - b)) {
      const analytic = grads[t][j];
      let best: GradientEntry | null = null;
      for (const step of o.steps) {
        const saved = p[j];
        p[j] = saved + step;
        const plus = cost();
        p[j] = saved - step;
        const minus = cost();
        p[j] = saved;
        const numeric = (plus - minus) / (2 * step);
        const e = relError(analytic, numeric);
        if (best === null || e < best.relError || Number.isNaN(best.relError))
          best = { where: `${info.name}[${j}]`, analytic, numeric, step, relError: e };
        if (e < o.threshold / 10) break;
      }
      if (best) entries.push(best);
    }
  });
  const key = (e: GradientEntry) => (Number.isNaN(e.relError) ? Infinity : e.relError);
  return entries.sort((a, b) => key(b) - key(a));
}

/**
 * The point the gradient is checked at: float64 weights drawn as He init draws them (N(0, 2/fanIn), seeded
 * by `seed`), and every bias at ±U[0.01, 0.1] (seeded), off ReLU's kink.
 */
export function checkPoint(net: Sequential, seed: number): Float64Array[] {
  const he = Sequential.fromSpec({ ...net.spec, init: { type: 'he' } });
  return initParams(he, seed, (n) => new Float64Array(n)).map((p, t) => {
    const out = p as Float64Array;
    if (net.params[t].kind !== 'bias') return out;
    const rng = new Rng(seed, BIAS_STREAM, t);
    for (let j = 0; j < out.length; j++) {
      const magnitude = 0.01 + 0.09 * rng.uniform();
      out[j] = rng.uniform() < 0.5 ? -magnitude : magnitude;
    }
    return out;
  });
}

/** Every checked entry of the model's gradient (data loss + `reg`), worst first; `runner` must be float64. */
export function gradientEntries(
  runner: KernelRunner,
  net: Sequential,
  data: Dataset,
  reg: RegSpec,
  options: Partial<GradientCheckOptions> = {},
): GradientEntry[] {
  if (runner.dtype !== 'float64')
    throw new Error(`the gradient check needs a float64 runner, got ${runner.dtype}`);
  const o = { ...GRADIENT_CHECK_DEFAULTS, ...options };
  const theta = checkPoint(net, o.seed);
  const batch = firstRows(data, o.samples, (n) => runner.alloc(n));
  const ctx: ForwardContext = { runner, training: true, noise: { seed: o.seed, step: 0, rows: batch.rows } };
  const x = { shape: [batch.count, ...net.inputShape], data: batch.x };
  const cost = (): number =>
    net.lossSum(ctx, theta, x, batch.labels).lossSum / batch.count +
    regularizationLoss(net.params, theta, reg);
  const sums = net.gradientSums(ctx, theta, x, batch.labels);
  const grads = sums.grads.map((g) => Float64Array.from(g, (v) => v / batch.count));
  addRegularizationGradient(net.params, theta, grads, reg);
  return compareGradients(cost, theta, grads, net.params, o);
}

/** The verdict on `entries` (worst first). */
export function gradientVerdict(
  entries: readonly GradientEntry[],
  threshold: number,
  context: string,
  seconds: number,
): CheckResult {
  const worst = entries[0];
  const pass = worst !== undefined && worst.relError < threshold;
  const detail = worst
    ? `worst ${worst.where}: analytic ${worst.analytic.toExponential(6)}, numeric ` +
      `${worst.numeric.toExponential(6)} at ε ${sci(worst.step)}; ${entries.length} entries, ${context}`
    : `no entries checked; ${context}`;
  const message = pass
    ? `gradient check: max relative error ${sci(worst.relError)} < ${sci(threshold)} (${detail})`
    : `gradient check: max relative error ${sci(worst?.relError ?? NaN)} ≥ ${sci(threshold)}: the backward ` +
      `pass disagrees with the loss (${detail})`;
  return {
    name: 'gradient',
    pass,
    value: worst?.relError ?? NaN,
    expected: `< ${sci(threshold)}`,
    message,
    seconds,
  };
}

/** Runs check (d) on `net` with the spec's `reg` (see checkPoint); `runner` must compute in float64. */
export function checkGradient(
  runner: KernelRunner,
  net: Sequential,
  data: Dataset,
  reg: RegSpec,
  options: Partial<GradientCheckOptions> = {},
): CheckResult {
  const started = process.hrtime.bigint();
  const o = { ...GRADIENT_CHECK_DEFAULTS, ...options };
  const entries = gradientEntries(runner, net, data, reg, o);
  const context = `${net.params.length} tensors, ${Math.min(o.samples, data.count)} samples, float64`;
  return gradientVerdict(entries, o.threshold, context, secondsSince(started));
}
