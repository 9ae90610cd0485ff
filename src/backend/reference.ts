/**
 * The reference backend: runs each kernel body in a plain loop over output indices, in float64. It is the
 * specification every other backend is held to.
 */
import { kernelSpec } from '../../kernels/all';
import type { AttrsByKernel, KernelName } from '../../kernels/names';
import type { KernelRunner } from '../../kernels/runner';
import { sizeOf, type Data, type KernelBody, type Tensor } from '../../kernels/spec';

/** Calls `body` once per output index, with `this` = { thread, constants }, into `out`. */
export function runBody(
  body: KernelBody,
  constants: Record<string, number>,
  inputs: readonly Data[],
  out: Data,
): void {
  const self = { thread: { x: 0, y: 0, z: 0 }, constants, output: { x: out.length, y: 1, z: 1 } };
  const n = out.length;
  const [a, b, c] = inputs;
  switch (inputs.length) {
    case 1:
      for (let i = 0; i < n; i++) {
        self.thread.x = i;
        out[i] = body.call(self, a);
      }
      break;
    case 2:
      for (let i = 0; i < n; i++) {
        self.thread.x = i;
        out[i] = body.call(self, a, b);
      }
      break;
    case 3:
      for (let i = 0; i < n; i++) {
        self.thread.x = i;
        out[i] = body.call(self, a, b, c);
      }
      break;
    default:
      for (let i = 0; i < n; i++) {
        self.thread.x = i;
        out[i] = body.apply(self, inputs as Data[]);
      }
  }
}

/** Float64 loop runner over the kernel bodies. */
export class ReferenceRunner implements KernelRunner {
  readonly name = 'reference';
  readonly dtype = 'float64' as const;

  run<K extends KernelName>(name: K, inputs: readonly Tensor[], attrs: AttrsByKernel[K]): Tensor {
    const spec = kernelSpec(name);
    if (inputs.length !== spec.inputs.length) {
      throw new Error(`${name} takes ${spec.inputs.length} inputs (${spec.inputs}), got ${inputs.length}`);
    }
    const shapes = inputs.map((t) => t.shape);
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i].data.length !== sizeOf(inputs[i].shape)) {
        throw new Error(
          `${name}: input ${spec.inputs[i]} has ${inputs[i].data.length} values for shape [${inputs[i].shape}]`,
        );
      }
    }
    const shape = spec.outputShape(shapes, attrs);
    const out = new Float64Array(sizeOf(shape));
    runBody(
      spec.body,
      spec.constants(shapes, attrs),
      inputs.map((t) => t.data),
      out,
    );
    return { shape, data: out };
  }

  alloc(length: number): Float64Array {
    return new Float64Array(length);
  }

  close(): void {}
}
