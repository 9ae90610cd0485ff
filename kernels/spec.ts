/**
 * The kernel contract: every kernel is one gpu.js-compatible body that computes one element of a flat
 * output, plus the shape arithmetic that tells a runner how large that output is and which constants the
 * body reads. Runners (reference loops, gpu.js modes, thread pools) execute bodies; they never reimplement them.
 */
import type { KernelName } from './names';

/** Flat tensor storage: float64 on the reference backend, float32 everywhere else. */
export type Data = Float32Array | Float64Array;

/** A flat, row-major (NCHW for images) tensor with an explicit shape. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Data;
}

/** What `this` holds inside a kernel body: the output index and the integer constants. */
export interface KernelThis<C> {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: C;
}

/** A kernel body: computes output element `this.thread.x` from flat inputs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KernelBody = (this: KernelThis<any>, ...inputs: any[]) => number;

/** Shapes of a kernel's inputs, in the order of `KernelSpec.inputs`. */
export type Shapes = readonly (readonly number[])[];

/** Everything a runner needs to execute one kernel family. */
export interface KernelSpec<A> {
  /** Stable kernel name (see names.ts). */
  readonly name: KernelName;
  /** The one body; the specification of the kernel. */
  readonly body: KernelBody;
  /** Input names, in argument order of `body`. */
  readonly inputs: readonly string[];
  /** Output shape from the input shapes and attributes; throws GradpoolError-free plain Errors on misuse. */
  readonly outputShape: (shapes: Shapes, attrs: A) => number[];
  /** Integer constants the body reads through `this.constants` (loop bounds, strides, sizes). */
  readonly constants: (shapes: Shapes, attrs: A) => Record<string, number>;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws when a condition on kernel inputs does not hold: a programming error, not user input. */
export function expectShape(ok: boolean, kernel: string, what: string): void {
  if (!ok) throw new Error(`${kernel}: ${what}`);
}
