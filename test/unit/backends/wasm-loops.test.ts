/**
 * The memory-bound kernels of WasmRunner (ReLU and max-pool in f32x4, memory-bound-module.ts; bias as typed-array
 * loops, fast-loops.ts) give exactly the float32 rounding of the float64 reference on float32 inputs
 * (they do the body's arithmetic in the body's order), except max-pool gradients with overlapping
 * windows, whose sums are added in another order and are held to 1e-6.
 */
import * as assert from 'node:assert/strict';
import * as K from '../../../kernels/names';
import type { AttrsByKernel, KernelName } from '../../../kernels/names';
import type { Tensor } from '../../../kernels/spec';
import { ReferenceRunner } from '../../../src/backend/reference';
import { WasmRunner } from '../../../src/backend/wasm/wasm-runner';
import { Rng } from '../../../src/shared/rng';

function rand(rng: Rng, shape: number[], levels = 0): Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  // levels > 0 draws from few values, so that max-pool windows have ties and ReLU sees exact zeros.
  const draw = () => (levels > 0 ? rng.int(levels) - Math.floor(levels / 2) : 2 * rng.uniform() - 1);
  return { shape, data: Float64Array.from({ length: n }, () => Math.fround(draw())) };
}

const f32 = (t: Tensor): Tensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

describe('wasm runner loops for ReLU, bias and max-pool kernels', () => {
  const reference = new ReferenceRunner();
  const runner = new WasmRunner();
  after(() => runner.close());

  function same<N extends KernelName>(
    kernel: N,
    inputs: Tensor[],
    attrs: AttrsByKernel[N],
    exact = true,
  ): void {
    const want = reference.run(kernel, inputs, attrs);
    const got = runner.run(kernel, inputs.map(f32), attrs);
    assert.deepEqual(got.shape, want.shape);
    assert.ok(got.data instanceof Float32Array);
    const rounded = Float32Array.from(want.data);
    if (exact) {
      assert.deepEqual(
        Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength),
        Buffer.from(rounded.buffer),
        `${kernel}: not the float32 rounding of the reference`,
      );
    } else {
      let worst = 0;
      let scale = 1;
      rounded.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - got.data[i]));
        scale = Math.max(scale, Math.abs(v));
      });
      assert.ok(worst / scale < 1e-6, `${kernel}: error ${worst / scale}`);
    }
  }

  const rng = new Rng(71);

  it('Relu and ReluGrad: exact, including zeros, −0, NaN and lengths not a multiple of 4', () => {
    const x = rand(rng, [3, 5, 7], 5);
    (x.data as Float64Array)[0] = -0;
    (x.data as Float64Array)[1] = Number.NaN; // the body gives 0 (NaN > 0 is false)
    same(K.Relu, [x], {});
    same(K.Relu, [rand(rng, [2, 33])], {});
    same(K.ReluGrad, [rand(rng, [3, 5, 7]), x], {});
  });

  it('BiasAdd and BiasGrad: exact on [N, C] and [N, C, H, W]', () => {
    same(K.BiasAdd, [rand(rng, [4, 6]), rand(rng, [6])], {});
    same(K.BiasAdd, [rand(rng, [3, 5, 4, 7]), rand(rng, [5])], {});
    same(K.BiasGrad, [rand(rng, [4, 6])], {});
    same(K.BiasGrad, [rand(rng, [3, 5, 4, 7])], {});
  });

  for (const [shape, size, stride] of [
    [[2, 3, 8, 8], 2, 2],
    [[2, 3, 9, 7], 2, 2],
    [[1, 2, 9, 9], 3, 3],
    [[2, 2, 10, 7], 2, 3],
    [[1, 1, 5, 5], 5, 1],
  ] as const) {
    it(`MaxPool and MaxPoolGrad: exact on [${shape}], size ${size}, stride ${stride}, with ties`, () => {
      for (const levels of [0, 3]) {
        const x = rand(rng, [...shape], levels);
        const y = reference.run(K.MaxPool, [x], { size, stride });
        same(K.MaxPool, [x], { size, stride });
        same(K.MaxPoolGrad, [x, rand(rng, [...y.shape])], { size, stride });
      }
    });
  }

  it('MaxPoolGrad with overlapping windows (size 3, stride 2): within 1e-6, ties routed to the first maximum', () => {
    for (const levels of [0, 3]) {
      const x = rand(rng, [2, 2, 9, 8], levels);
      const y = reference.run(K.MaxPool, [x], { size: 3, stride: 2 });
      same(K.MaxPool, [x], { size: 3, stride: 2 });
      same(K.MaxPoolGrad, [x, rand(rng, [...y.shape])], { size: 3, stride: 2 }, false);
    }
  });

  it('rejects a bias of the wrong size, as the kernel spec does', () => {
    assert.throws(
      () => runner.run(K.BiasAdd, [f32(rand(rng, [2, 3])), f32(rand(rng, [4]))], {}),
      /bias must be \[3\]/,
    );
  });
});
