/**
 * gpu.js runner: compiles each kernel body with gpu.js and runs it in float32. Modes: `cpu` and `webasm`
 * everywhere; `webgpu` where a WebGPU adapter exists (see select.ts). Compiled kernels are cached per
 * (kernel, constants, output size), so a training loop compiles each shape once.
 */
import { GPU, type IKernelRunShortcut } from 'gpu.js';
import { kernelSpec } from '../../kernels/all';
import type { AttrsByKernel, KernelName } from '../../kernels/names';
import type { KernelRunner } from '../../kernels/runner';
import { sizeOf, type Data, type Tensor } from '../../kernels/spec';

/** gpu.js modes this runner supports. */
export type GpuJsMode = 'cpu' | 'webasm' | 'webgpu';

function asFloat32(d: Data): Float32Array {
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

/** Runs kernel bodies through gpu.js in one mode. */
export class GpuJsRunner implements KernelRunner {
  readonly name: string;
  readonly dtype = 'float32' as const;
  private readonly gpu: GPU;
  private readonly cache = new Map<string, IKernelRunShortcut>();

  constructor(readonly mode: GpuJsMode) {
    this.name = `gpujs-${mode}`;
    this.gpu = new GPU({ mode });
  }

  run<K extends KernelName>(name: K, inputs: readonly Tensor[], attrs: AttrsByKernel[K]): Tensor {
    const spec = kernelSpec(name);
    const shapes = inputs.map((t) => t.shape);
    const shape = spec.outputShape(shapes, attrs);
    const n = sizeOf(shape);
    if (n === 0) return { shape, data: new Float32Array(0) };
    const constants = spec.constants(shapes, attrs);
    const key = `${name}|${n}|${JSON.stringify(constants)}|${inputs.map((t) => t.data.length).join(',')}`;
    let kernel = this.cache.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(
        spec.body as never,
        {
          output: [n],
          constants,
          tactic: 'precision',
          precision: 'single',
          argumentTypes: Object.fromEntries(spec.inputs.map((i) => [i, 'Array'])),
        } as never,
      ) as IKernelRunShortcut;
      this.cache.set(key, kernel);
    }
    const out = kernel(...inputs.map((t) => asFloat32(t.data))) as unknown as Float32Array;
    // gpu.js may reuse its output buffer between calls: copy so every result is the caller's own.
    return { shape, data: Float32Array.from(out) };
  }

  alloc(length: number): Float32Array {
    return new Float32Array(length);
  }

  close(): void {
    for (const k of this.cache.values()) k.destroy();
    this.cache.clear();
    this.gpu.destroy();
  }
}
