/**
 * Typed-array loops for the bias kernels, which with ReLU and max-pool (pool-module.ts) dominate a CNN
 * step once its convolutions run in WebAssembly (measured on conv5×5×8-relu-pool2-conv5×5×16-relu-pool2-
 * fc10, 32 rows, gpu.js CPU mode: MaxPoolGrad 40% of the step, Relu/ReluGrad/BiasAdd/MaxPool another 25%).
 * Each computes what its body in kernels/defs computes, in the same float64 arithmetic and order, rounded
 * once to float32 on store: bit for bit the body's result (wasm-loops.test.ts). The loops walk the output
 * in memory order and hoist the index arithmetic the bodies redo per element.
 */
import type { KernelName } from '../../../kernels/names';

/** Constants as the kernel specs derive them (see kernels/defs). */
type Constants = Record<string, number>;

/** A loop: inputs in the spec's order, its constants, the output length. */
export type FastLoop = (inputs: readonly Float32Array[], c: Constants, length: number) => Float32Array;

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

/** The loops by kernel name. */
export const FAST_LOOPS: Partial<Record<KernelName, FastLoop>> = {
  BiasAdd: biasAdd,
  BiasGrad: biasGrad,
};
