/**
 * Typed-array loops for the memory-bound kernels that dominate a CNN step once its convolutions run in
 * WebAssembly (measured on conv5×5×8-relu-pool2-conv5×5×16-relu-pool2-fc10, 32 rows: MaxPoolGrad 40% of the
 * step on gpu.js CPU mode, Relu/ReluGrad/BiasAdd/MaxPool another 25%). Each computes what its body in
 * kernels/defs computes, in the same float64 arithmetic rounded once to float32 on store, so results match
 * the body bit for bit where the order of additions is the body's (all but overlapping-window
 * MaxPoolGrad, which is within the parity tolerance); wasm-kernels.test.ts holds them to the reference.
 * Loops walk the output in memory order and hoist the index arithmetic the bodies redo per element.
 */
import type { KernelName } from '../../../kernels/names';

/** Constants as the kernel specs derive them (see kernels/defs). */
type Constants = Record<string, number>;

/** A loop: inputs in the spec's order, its constants, the output length. */
export type FastLoop = (inputs: readonly Float32Array[], c: Constants, length: number) => Float32Array;

/** y = x > 0 ? x : 0 (−0 and NaN give 0, as in the body). */
function relu([x]: readonly Float32Array[], _c: Constants, length: number): Float32Array {
  const y = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : 0;
  }
  return y;
}

/** dx = x > 0 ? dy : 0. */
function reluGrad([dy, x]: readonly Float32Array[], _c: Constants, length: number): Float32Array {
  const dx = new Float32Array(length);
  for (let i = 0; i < length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  return dx;
}

/** y[n,c,s] = x[n,c,s] + b[c]. */
function biasAdd([x, b]: readonly Float32Array[], c: Constants, length: number): Float32Array {
  const y = new Float32Array(length);
  let i = 0;
  for (let n = 0; n < c.N; n++) {
    for (let ch = 0; ch < c.C; ch++) {
      const bias = b[ch];
      for (let s = 0; s < c.S; s++, i++) y[i] = x[i] + bias;
    }
  }
  return y;
}

/** db[c] = Σ_n Σ_s dy[n,c,s], summed in float64 in the body's order. */
function biasGrad([dy]: readonly Float32Array[], c: Constants): Float32Array {
  const db = new Float32Array(c.C);
  for (let ch = 0; ch < c.C; ch++) {
    let sum = 0;
    for (let n = 0; n < c.N; n++) {
      const base = (n * c.C + ch) * c.S;
      for (let s = 0; s < c.S; s++) sum += dy[base + s];
    }
    db[ch] = sum;
  }
  return db;
}

/** The flat index in one [H, W] plane of the first maximum of window (oh, ow). */
function argMaxOf(x: Float32Array, base: number, oh: number, ow: number, c: Constants): number {
  const h0 = oh * c.S;
  const w0 = ow * c.S;
  let best = x[base + h0 * c.W + w0];
  let at = h0 * c.W + w0;
  for (let kh = 0; kh < c.K; kh++) {
    const row = (h0 + kh) * c.W + w0;
    for (let kw = 0; kw < c.K; kw++) {
      const v = x[base + row + kw];
      if (v > best) {
        best = v;
        at = row + kw;
      }
    }
  }
  return at;
}

/** y[n,c,oh,ow] = max of the window (first maximum in row-major order). */
function maxPool([x]: readonly Float32Array[], c: Constants, length: number): Float32Array {
  const y = new Float32Array(length);
  const plane = c.H * c.W;
  let i = 0;
  for (let nc = 0; nc < c.N * c.C; nc++) {
    const base = nc * plane;
    for (let oh = 0; oh < c.OH; oh++) {
      for (let ow = 0; ow < c.OW; ow++, i++) y[i] = x[base + argMaxOf(x, base, oh, ow, c)];
    }
  }
  return y;
}

/**
 * dx[n,c,h,w] = Σ dy over the windows whose first argmax is (h, w): each window routes its dy to its
 * argmax. Sums in float64, rounded once; with overlapping windows (stride < size) the order of the terms
 * is window order rather than the body's.
 */
function maxPoolGrad([x, dy]: readonly Float32Array[], c: Constants, length: number): Float32Array {
  const plane = c.H * c.W;
  const overlap = c.S < c.K;
  const acc = overlap ? new Float64Array(length) : null;
  const dx = new Float32Array(length);
  let o = 0;
  for (let nc = 0; nc < c.N * c.C; nc++) {
    const base = nc * plane;
    for (let oh = 0; oh < c.OH; oh++) {
      for (let ow = 0; ow < c.OW; ow++, o++) {
        const at = base + argMaxOf(x, base, oh, ow, c);
        if (acc) acc[at] += dy[o];
        else dx[at] += dy[o]; // 0 + dy, as the body's sum: −0 becomes +0
      }
    }
  }
  if (acc) dx.set(acc);
  return dx;
}

/** The loops by kernel name. */
export const FAST_LOOPS: Partial<Record<KernelName, FastLoop>> = {
  Relu: relu,
  ReluGrad: reluGrad,
  BiasAdd: biasAdd,
  BiasGrad: biasGrad,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
};
