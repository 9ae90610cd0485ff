/**
 * The cpu-pool threads' default kernel runner: MatMul and the three convolutions on the WebAssembly SIMD
 * GEMM (sgemm.ts), ReLU, max-pool and BiasAdd in f32x4 (memory-bound-module.ts), BiasGrad, the losses,
 * ReduceSum, ArgMax, Mul and Scale as typed-array loops (fast-loops.ts); a kernel in neither list runs on
 * its gpu.js body in gpu.js CPU mode. Float32 throughout. The fast kernels compute what their bodies in
 * kernels/defs compute (held to them by the parity tests; the loops bit for bit gpu.js CPU mode); the
 * GEMM adds in a different but fixed order: the result depends only on the shapes.
 */
import { kernelSpec } from '../../../kernels/all';
import type { AttrsByKernel, KernelName } from '../../../kernels/names';
import type { KernelRunner } from '../../../kernels/runner';
import { sizeOf, type Data, type Tensor } from '../../../kernels/spec';
import { GpuJsRunner } from '../gpujs';
import { FAST_LOOPS } from './fast-loops';
import { WasmSgemm, type ConvDims, type PoolDims } from './sgemm';

/** Kernels this runner computes in WebAssembly (FAST_LOOPS has the loops; the rest run on gpu.js). */
export const WASM_KERNELS: readonly KernelName[] = [
  'MatMul',
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'Relu',
  'ReluGrad',
  'MaxPool',
  'MaxPoolGrad',
  'BiasAdd',
];

function asFloat32(d: Data): Float32Array {
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

/** Runs the hot kernels in WebAssembly SIMD and the others through gpu.js CPU mode. */
export class WasmRunner implements KernelRunner {
  readonly name = 'wasm-simd';
  readonly dtype = 'float32' as const;
  private readonly sgemm = new WasmSgemm();
  private fallback: GpuJsRunner | null = null;
  private gpuJsCalls = 0;

  /** How many calls went to gpu.js CPU mode (kernels in neither WASM_KERNELS nor FAST_LOOPS). */
  get fallbackCalls(): number {
    return this.gpuJsCalls;
  }

  run<K extends KernelName>(name: K, inputs: readonly Tensor[], attrs: AttrsByKernel[K]): Tensor {
    const loop = FAST_LOOPS[name];
    if (!loop && !WASM_KERNELS.includes(name)) {
      this.gpuJsCalls++;
      this.fallback ??= new GpuJsRunner('cpu');
      return this.fallback.run(name, inputs, attrs);
    }
    const spec = kernelSpec(name);
    if (inputs.length !== spec.inputs.length) {
      throw new Error(`${name} takes ${spec.inputs.length} inputs (${spec.inputs}), got ${inputs.length}`);
    }
    inputs.forEach((t, i) => {
      if (t.data.length !== sizeOf(t.shape)) {
        throw new Error(
          `${name}: input ${spec.inputs[i]} has ${t.data.length} values for shape [${t.shape}]`,
        );
      }
    });
    const shapes = inputs.map((t) => t.shape);
    // outputShape and constants validate the shapes and derive the sizes, exactly as for the body.
    const shape = spec.outputShape(shapes, attrs);
    const c = spec.constants(shapes, attrs);
    const data = inputs.map((t) => asFloat32(t.data));
    if (loop) return { shape, data: loop(data, c, sizeOf(shape)) };
    const [a, b] = data;
    return { shape, data: this.wasm(name, a, b, c) };
  }

  private wasm(name: KernelName, a: Float32Array, b: Float32Array, c: Record<string, number>): Float32Array {
    switch (name) {
      case 'MatMul':
        return this.sgemm.matMul(a, b, c.M, c.N, c.K, c.ta > 0, c.tb > 0);
      case 'Conv2D':
        return this.sgemm.conv2d(a, b, c as unknown as ConvDims);
      case 'Conv2DBackpropInput':
        return this.sgemm.conv2dBackpropInput(a, b, c as unknown as ConvDims);
      case 'Conv2DBackpropFilter':
        return this.sgemm.conv2dBackpropFilter(a, b, c as unknown as ConvDims);
      case 'Relu':
        return this.sgemm.relu(a);
      case 'ReluGrad':
        return this.sgemm.reluGrad(a, b);
      case 'BiasAdd':
        return this.sgemm.biasAdd(a, b, c.N, c.C, c.S);
      case 'MaxPool':
        return this.sgemm.poolArgMax(a, c as unknown as PoolDims).y;
      default:
        return maxPoolGrad(
          this.sgemm.poolArgMax(a, c as unknown as PoolDims).arg,
          b,
          c as unknown as PoolDims,
        );
    }
  }

  alloc(length: number): Float32Array {
    return new Float32Array(length);
  }

  close(): void {
    this.fallback?.close();
    this.fallback = null;
  }
}

/**
 * dx of max pooling: each window's dy goes to its first argmax (arg: in-plane indices from poolArgMax).
 * Without overlapping windows each dx gets at most one term, 0 + dy as in the body (−0 becomes +0); with
 * overlap the terms are summed in float64 in window order and rounded once.
 */
function maxPoolGrad(arg: Int32Array, dy: Float32Array, d: PoolDims): Float32Array {
  const plane = d.H * d.W;
  const windows = d.OH * d.OW;
  const length = d.N * d.C * plane;
  const acc = d.S < d.K ? new Float64Array(length) : null;
  const dx = new Float32Array(length);
  const out = acc ?? dx;
  for (let base = 0, o = 0; base < length; base += plane) {
    for (let w = 0; w < windows; w++, o++) out[base + arg[o]] += dy[o];
  }
  if (acc) dx.set(acc);
  return dx;
}
