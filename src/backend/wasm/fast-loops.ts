/**
 * A typed-array loop for the bias gradient. With ReLU, max-pool and BiasAdd (memory-bound-module.ts) it
 * is among the kernels that dominate a CNN step once the convolutions run in WebAssembly (measured on
 * conv5×5×8-relu-pool2-conv5×5×16-relu-pool2-fc10, 32 rows, gpu.js CPU mode: MaxPoolGrad 40% of the step,
 * Relu/ReluGrad/BiasAdd/MaxPool another 25%). It computes what its body in kernels/defs computes, in the
 * same float64 arithmetic and order, rounded once to float32 on store: bit for bit the body's result
 * (wasm-loops.test.ts), with the index arithmetic the body redoes per element hoisted.
 */
import type { KernelName } from '../../../kernels/names';

/** Constants as the kernel specs derive them (see kernels/defs). */
type Constants = Record<string, number>;

/** A loop: inputs in the spec's order, its constants, the output length. */
export type FastLoop = (inputs: readonly Float32Array[], c: Constants, length: number) => Float32Array;

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
  BiasGrad: biasGrad,
};
