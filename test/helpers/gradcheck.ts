/**
 * Helpers for kernel and layer tests: seeded random inputs that stay away from kinks, central-difference
 * gradients, a relative-error measure, and a one-call gradient check of a forward kernel against its
 * backward kernel(s) on the float64 reference runner.
 */
import * as assert from 'node:assert/strict';
import { kernelSpec } from '../../kernels/all';
import type { AttrsByKernel, KernelName } from '../../kernels/names';
import { sizeOf, type Tensor } from '../../kernels/spec';
import { ReferenceRunner } from '../../src/backend/reference';
import type { Rng } from '../../src/shared/rng';

/** A float64 tensor of `shape` holding `values` (whose count must match the shape). */
export function tensor(shape: readonly number[], values: ArrayLike<number>): Tensor {
  assert.equal(values.length, sizeOf(shape), `${values.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(values) };
}

/** `n` values drawn uniformly from [−scale, scale). */
export function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * scale;
  return out;
}

/**
 * `n` distinct values in [−scale, scale] at least 2·scale/(n−1) apart, in random order: no two can tie,
 * so a max-pool window's argmax does not move under a perturbation smaller than half that gap.
 */
export function distinctArray(rng: Rng, n: number, scale = 1): Float64Array {
  const order = rng.permutation(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? 0 : -scale + (2 * scale * order[i]) / (n - 1);
  return out;
}

/** `n` values uniform in ±[gap, scale): never within `gap` of 0 (the kink of ReLU). */
export function awayFromZeroArray(rng: Rng, n: number, scale = 1, gap = 0.05): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const magnitude = gap + (scale - gap) * rng.uniform();
    out[i] = rng.uniform() < 0.5 ? -magnitude : magnitude;
  }
  return out;
}

/**
 * Scores [N, C] (uniform in ±scale) for `labels`, redrawn row by row until every hinge margin
 * s_j − s_y + delta (j ≠ y) is at least `gap` away from 0, the kink of the multiclass SVM loss.
 */
export function hingeScores(
  rng: Rng,
  labels: ArrayLike<number>,
  classes: number,
  delta: number,
  scale = 2,
  gap = 0.05,
): Float64Array {
  const out = new Float64Array(labels.length * classes);
  for (let n = 0; n < labels.length; n++) {
    const y = labels[n];
    let row: Float64Array;
    do {
      row = randomArray(rng, classes, scale);
    } while (row.some((s, j) => j !== y && Math.abs(s - row[y] + delta) < gap));
    out.set(row, n * classes);
  }
  return out;
}

/**
 * Central differences g_i = (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps). Perturbs `x` in place and
 * restores each entry bit for bit, so `f` may close over `x`.
 */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + eps;
    const plus = f(x);
    x[i] = saved - eps;
    const minus = f(x);
    x[i] = saved;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

/**
 * Elementwise relative error max_i |a_i − b_i| / max(1e-8, |a_i| + |b_i|); 0 for empty arrays. The
 * 1e-8 floor keeps entries that are zero in both from dividing by zero (they contribute 0).
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `relativeError: lengths differ (${a.length} vs ${b.length})`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / Math.max(1e-8, Math.abs(a[i]) + Math.abs(b[i]));
    if (!(e <= worst)) worst = e; // NaN propagates as the worst error
  }
  return worst;
}

/** Asserts |actual_i − expected_i| ≤ tol for every i (tol = 1e-12 by default), naming the first bad index. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  assert.equal(actual.length, expected.length, `length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      assert.fail(
        `index ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol})\n` +
          `actual:   [${Array.from(actual).join(', ')}]\nexpected: [${Array.from(expected).join(', ')}]`,
      );
    }
  }
}

/** dL/d(one input) from the upstream gradient dy = ∂L/∂y and the forward inputs, via backward kernel(s). */
export type BackwardFn = (dy: Tensor, inputs: readonly Tensor[]) => Tensor;

/** A forward kernel call and the backward computations to check against it. */
export interface KernelGradientCase<K extends KernelName> {
  /** The forward kernel. */
  readonly forward: K;
  /** Its attributes. */
  readonly attrs: AttrsByKernel[K];
  /** Its float64 inputs, in spec order; keep them away from kinks. */
  readonly inputs: readonly Tensor[];
  /** Analytic gradient per spec input name (e.g. `x`, `w`); inputs not named here are not checked. */
  readonly backward: Readonly<Record<string, BackwardFn>>;
}

const reference = new ReferenceRunner();

/**
 * Draws r ~ U(−1, 1) shaped like the forward output, and for each input named in `c.backward` returns
 * relativeError(backward(r, inputs), central-difference gradient of L(x) = Σ_i forward(x)_i · r_i),
 * all on the float64 reference runner.
 */
export function checkKernelGradient<K extends KernelName>(
  c: KernelGradientCase<K>,
  rng: Rng,
  eps = 1e-5,
): Record<string, number> {
  const y = reference.run(c.forward, c.inputs, c.attrs);
  const r = tensor(y.shape, randomArray(rng, y.data.length));
  const names = inputNames(c.forward, c.inputs.length);
  const errors: Record<string, number> = {};
  for (const [name, backward] of Object.entries(c.backward)) {
    const index = names.indexOf(name);
    assert.ok(index >= 0, `${c.forward} has no input named ${name} (inputs: ${names})`);
    const analytic = backward(r, c.inputs);
    assert.deepEqual(analytic.shape, c.inputs[index].shape, `shape of d${name}`);
    const x = Float64Array.from(c.inputs[index].data);
    const perturbed = c.inputs.map((t, i) => (i === index ? { shape: t.shape, data: x } : t));
    const loss = (): number => dot(reference.run(c.forward, perturbed, c.attrs).data, r.data);
    errors[name] = relativeError(analytic.data, numericGradient(loss, x, eps));
  }
  return errors;
}

/**
 * Σ_i a_i · b_i with Neumaier-compensated summation, so that the terms two nearby evaluations share
 * cancel in their difference (it sharpens central differences of L = Σ y·r).
 */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `dot: lengths differ (${a.length} vs ${b.length})`);
  let sum = 0;
  let carry = 0;
  for (let i = 0; i < a.length; i++) {
    const term = a[i] * b[i];
    const t = sum + term;
    carry += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum; // what t lost
    sum = t;
  }
  return sum + carry;
}

function inputNames(kernel: KernelName, count: number): readonly string[] {
  const names = kernelSpec(kernel).inputs;
  assert.equal(count, names.length, `${kernel} takes ${names.length} inputs (${names}), got ${count}`);
  return names;
}
