/** The interface every backend offers the model: run one kernel by name on flat tensors. */
import type { AttrsByKernel, KernelName } from './names';
import type { Tensor } from './spec';

/** Element type a runner computes in. */
export type DType = 'float32' | 'float64';

/** Runs kernels synchronously; inputs are never modified, the output is a fresh tensor. */
export interface KernelRunner {
  /** Backend name for logs, e.g. `reference` or `gpujs-cpu`. */
  readonly name: string;
  /** Element type of every output (and of the arrays `alloc` returns). */
  readonly dtype: DType;
  /** Runs kernel `name` on `inputs` (in the spec's input order) with `attrs`. */
  run<K extends KernelName>(name: K, inputs: readonly Tensor[], attrs: AttrsByKernel[K]): Tensor;
  /** Allocates a zeroed array of this runner's dtype. */
  alloc(length: number): Float32Array | Float64Array;
  /** Releases compiled kernels and any other resources. */
  close(): void;
}
