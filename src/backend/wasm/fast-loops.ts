/**
 * Typed-array loops for the kernels of WasmRunner that are not worth WebAssembly: the bias gradient, the
 * losses and their gradients, the row reductions and dropout's Mul and Scale. For small tensors (a 25-row
 * chunk of a 784-50-10 net: 25×10 scores) gpu.js CPU mode's per-call overhead was most of their cost.
 *
 * Each loop computes what its body in kernels/defs computes as gpu.js CPU mode runs it (the body compiled
 * to JavaScript: every value a double until it is stored into the Float32Array output): the same float64
 * arithmetic in the same order, the same Math functions, rounded once to float32 on store. The results are
 * bit for bit those of GpuJsRunner('cpu') (wasm-loops.test.ts). Only work that gives the same doubles is
 * shared: a row's maximum and Σ exp, the hinge gradient's count, which the bodies recompute per element,
 * are computed once per row; index arithmetic is hoisted; constants are read once per call; BiasGrad sums
 * four channels side by side, each in the body's order.
 */
import type { KernelName } from '../../../kernels/names';

/** Constants as the kernel specs derive them (see kernels/defs). */
type Constants = Record<string, number>;

/** A loop: inputs in the spec's order, its constants, the output length. */
export type FastLoop = (inputs: readonly Float32Array[], c: Constants, length: number) => Float32Array;

/**
 * db[c] = Σ_n Σ_s dy[n,c,s], each channel's terms added in the body's order (n, then s) into its own
 * double. Four channels are summed side by side: four independent add chains instead of one, so the
 * loop is not bound by the latency of a float64 add (measured 3–4× faster than one channel at a time
 * on [25, 50] and [100, 50], 2× on a CNN's [32, 8, 14, 14]).
 */
function biasGrad([dy]: readonly Float32Array[], c: Constants): Float32Array {
  const C = c.C;
  const S = c.S;
  const db = new Float32Array(C);
  const step = C * S;
  const end = c.N * step;
  let ch = 0;
  if (S === 1) {
    for (; ch + 4 <= C; ch += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = ch; i < end; i += C) {
        s0 += dy[i];
        s1 += dy[i + 1];
        s2 += dy[i + 2];
        s3 += dy[i + 3];
      }
      db[ch] = s0;
      db[ch + 1] = s1;
      db[ch + 2] = s2;
      db[ch + 3] = s3;
    }
  } else {
    for (; ch + 4 <= C; ch += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let b = ch * S; b < end; b += step) {
        for (let i = b, e = b + S; i < e; i++) {
          s0 += dy[i];
          s1 += dy[i + S];
          s2 += dy[i + 2 * S];
          s3 += dy[i + 3 * S];
        }
      }
      db[ch] = s0;
      db[ch + 1] = s1;
      db[ch + 2] = s2;
      db[ch + 3] = s3;
    }
  }
  for (; ch < C; ch++) {
    let sum = 0;
    for (let b = ch * S; b < end; b += step) {
      for (let i = b, e = b + S; i < e; i++) sum += dy[i];
    }
    db[ch] = sum;
  }
  return db;
}

/** Row maximum as the softmax bodies take it: Math.max from s[row] over the row, left to right. */
function rowMax(s: Float32Array, row: number, C: number): number {
  let m = s[row];
  for (let j = 1; j < C; j++) m = Math.max(m, s[row + j]);
  return m;
}

/** Per-sample softmax cross-entropy: log Σ exp(s − m) − (s_y − m). */
function softmaxCrossEntropy([s, labels]: readonly Float32Array[], c: Constants): Float32Array {
  const N = c.N;
  const C = c.C;
  const out = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const m = rowMax(s, row, C);
    let z = 0;
    for (let j = 0; j < C; j++) z += Math.exp(s[row + j] - m);
    const y = Math.floor(labels[n]);
    out[n] = Math.log(z) - (s[row + y] - m);
  }
  return out;
}

/** softmax(s_n)_j − [j = y_n]; exp(s_j − m) is kept from the Σ (the same double the body recomputes). */
function softmaxCrossEntropyGrad([s, labels]: readonly Float32Array[], c: Constants): Float32Array {
  const N = c.N;
  const C = c.C;
  const out = new Float32Array(N * C);
  const e = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const m = rowMax(s, row, C);
    let z = 0;
    for (let k = 0; k < C; k++) {
      const v = Math.exp(s[row + k] - m);
      e[k] = v;
      z += v;
    }
    const y = Math.floor(labels[n]);
    for (let j = 0; j < C; j++) {
      const p = e[j] / z;
      out[row + j] = y === j ? p - 1 : p;
    }
  }
  return out;
}

/** Σ_{j≠y} max(0, s_j − s_y + Δ), added in j order. */
function hingeLoss([s, labels]: readonly Float32Array[], c: Constants): Float32Array {
  const N = c.N;
  const C = c.C;
  const delta = c.delta;
  const out = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const y = Math.floor(labels[n]);
    const sy = s[row + y];
    let sum = 0;
    for (let j = 0; j < C; j++) {
      if (j !== y) sum += Math.max(0, s[row + j] - sy + delta);
    }
    out[n] = sum;
  }
  return out;
}

/** [margin_j > 0] for j ≠ y; −#{k ≠ y : margin_k > 0} at y (counted once per row). */
function hingeLossGrad([s, labels]: readonly Float32Array[], c: Constants): Float32Array {
  const N = c.N;
  const C = c.C;
  const delta = c.delta;
  const out = new Float32Array(N * C);
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const y = Math.floor(labels[n]);
    const sy = s[row + y];
    let atY = 0;
    for (let k = 0; k < C; k++) {
      if (k !== y && s[row + k] - sy + delta > 0) atY -= 1;
    }
    for (let j = 0; j < C; j++) {
      out[row + j] = j === y ? atY : s[row + j] - sy + delta > 0 ? 1 : 0;
    }
  }
  return out;
}

/** out[r] = Σ_k x[r, k], left to right. */
function reduceSum([x]: readonly Float32Array[], c: Constants): Float32Array {
  const R = c.R;
  const K = c.K;
  const out = new Float32Array(R);
  for (let r = 0, i = 0; r < R; r++) {
    let sum = 0;
    for (const end = i + K; i < end; i++) sum += x[i];
    out[r] = sum;
  }
  return out;
}

/** out[r] = the first k with the row's maximum (strict >, as the body: NaN never wins, ties keep the first). */
function argMax([x]: readonly Float32Array[], c: Constants): Float32Array {
  const R = c.R;
  const K = c.K;
  const out = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    const row = r * K;
    let best = x[row];
    let index = 0;
    for (let k = 1; k < K; k++) {
      if (x[row + k] > best) {
        best = x[row + k];
        index = k;
      }
    }
    out[r] = index;
  }
  return out;
}

/** y = a · b (a double product of two floats, rounded once: the float32 product). */
function mul([a, b]: readonly Float32Array[], _c: Constants, length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = a[i] * b[i];
  return out;
}

/** y = x · factor, factor a double as the spec passes it (not rounded to float32 first). */
function scale([x]: readonly Float32Array[], c: Constants, length: number): Float32Array {
  const factor = c.factor;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = x[i] * factor;
  return out;
}

/** The loops by kernel name. */
export const FAST_LOOPS: Partial<Record<KernelName, FastLoop>> = {
  BiasGrad: biasGrad,
  SoftmaxCrossEntropy: softmaxCrossEntropy,
  SoftmaxCrossEntropyGrad: softmaxCrossEntropyGrad,
  HingeLoss: hingeLoss,
  HingeLossGrad: hingeLossGrad,
  ReduceSum: reduceSum,
  ArgMax: argMax,
  Mul: mul,
  Scale: scale,
};
