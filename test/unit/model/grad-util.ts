/**
 * Small helpers for the model tests: seeded random arrays, central differences and the relative error
 * they are judged by. (Kept local to the model tests; test/helpers/gradcheck.ts serves the kernel tests.)
 */
import type { Data, Tensor } from '../../../kernels/spec';
import type { Rng } from '../../../src/shared/rng';

/** `n` values uniform in [−scale, scale). */
export function uniformArray(rng: Rng, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * scale;
  return out;
}

/** `n` values uniform in ±[gap, scale): never within `gap` of 0 (the kink of ReLU and of |w|). */
export function awayFromZero(rng: Rng, n: number, scale = 1, gap = 0.05): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const magnitude = gap + (scale - gap) * rng.uniform();
    out[i] = rng.uniform() < 0.5 ? -magnitude : magnitude;
  }
  return out;
}

/** `n` distinct values spread evenly over [−scale, scale] in random order: no max-pool window ties. */
export function distinctArray(rng: Rng, n: number, scale = 1): Float64Array {
  const order = rng.permutation(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -scale + (2 * scale * order[i]) / Math.max(1, n - 1);
  return out;
}

/** A float64 tensor. */
export function tensor(shape: readonly number[], data: ArrayLike<number>): Tensor {
  return { shape: [...shape], data: Float64Array.from(data) };
}

/**
 * Central differences g_i = (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps). `x` is perturbed in place and
 * each entry restored bit for bit, so `f` reads it through whatever closes over it.
 */
export function numericGradient(f: () => number, x: Data, eps = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = f();
    x[i] = saved - eps;
    const minus = f();
    x[i] = saved;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

/**
 * The relative error every gradient check in test/unit/model reports:
 *   max_i |a_i − n_i| / max(|a_i| + |n_i|, 1e-8)
 * where a is the analytic and n the numeric gradient. The 1e-8 floor only keeps entries that are zero in
 * both from dividing by zero. NaN anywhere counts as the worst error.
 */
export function relativeError(a: ArrayLike<number>, n: ArrayLike<number>): number {
  if (a.length !== n.length) throw new Error(`relativeError: lengths differ (${a.length} vs ${n.length})`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - n[i]) / Math.max(Math.abs(a[i]) + Math.abs(n[i]), 1e-8);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

/** Σ_i a_i · b_i. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Records a measured error under `label` so the suite can print a summary (GRADPOOL_TRACE=gradcheck). */
export function report(label: string, error: number): number {
  if ((process.env.GRADPOOL_TRACE ?? '').split(',').includes('gradcheck')) {
    process.stderr.write(`${JSON.stringify({ gradcheck: label, relativeError: error })}\n`);
  }
  return error;
}
