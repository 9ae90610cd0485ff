/**
 * The memory-bound kernels of WasmRunner (ReLU and max-pool in f32x4, memory-bound-module.ts; bias as typed-array
 * loops, fast-loops.ts) give exactly the float32 rounding of the float64 reference on float32 inputs
 * (they do the body's arithmetic in the body's order), except max-pool gradients with overlapping
 * windows, whose sums are added in another order and are held to 1e-6.
 *
 * The typed-array loops of fast-loops.ts (BiasGrad, losses, reductions, Mul, Scale) are held bit for bit
 * to GpuJsRunner('cpu'), the runner they replace, and to the float32 rounding of the reference; and a
 * training step of each model kind sends no kernel to gpu.js.
 */
import * as assert from 'node:assert/strict';
import * as K from '../../../kernels/names';
import type { AttrsByKernel, KernelName } from '../../../kernels/names';
import type { Tensor } from '../../../kernels/spec';
import { GpuJsRunner } from '../../../src/backend/gpujs';
import { ReferenceRunner } from '../../../src/backend/reference';
import { FAST_LOOPS } from '../../../src/backend/wasm/fast-loops';
import { WASM_KERNELS, WasmRunner } from '../../../src/backend/wasm/wasm-runner';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';
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

/** The bytes of a float32 result (so that −0, NaN and every bit of rounding count). */
const bytes = (d: Tensor['data']): Buffer => {
  assert.ok(d instanceof Float32Array, 'not a Float32Array');
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
};

/** Labels [N] in 0..C−1 (stored as floats), the first 0 and the last C − 1. */
function labelsFor(rng: Rng, n: number, c: number): Tensor {
  const data = Float64Array.from({ length: n }, () => rng.int(c));
  data[0] = 0;
  data[n - 1] = c - 1;
  return { shape: [n], data };
}

/** Labels plus 0.75 (the bodies floor them). */
function fractional(labels: Tensor): Tensor {
  return { shape: labels.shape, data: Float64Array.from(labels.data, (v) => v + 0.75) };
}

/** x scaled by factor, still float32 values. */
function scaled(x: Tensor, factor: number): Tensor {
  return { shape: x.shape, data: Float64Array.from(x.data, (v) => Math.fround(v * factor)) };
}

describe('wasm runner typed-array loops: bit for bit gpu.js CPU mode', () => {
  const reference = new ReferenceRunner();
  const gpujs = new GpuJsRunner('cpu');
  const runner = new WasmRunner();
  after(() => {
    runner.close();
    gpujs.close();
  });

  function exact<N extends KernelName>(kernel: N, inputs: Tensor[], attrs: AttrsByKernel[N]): void {
    assert.ok(FAST_LOOPS[kernel], `${kernel} has no loop`);
    const f = inputs.map(f32);
    const got = runner.run(kernel, f, attrs);
    const want = gpujs.run(kernel, f, attrs);
    const what = `${kernel} on [${inputs.map((t) => `[${t.shape}]`).join(', ')}]`;
    assert.deepEqual(got.shape, want.shape, what);
    assert.deepEqual(bytes(got.data), bytes(want.data), `${what}: not gpu.js CPU mode's result`);
    const ref = Float32Array.from(reference.run(kernel, inputs, attrs).data);
    assert.deepEqual(bytes(got.data), bytes(ref), `${what}: not the float32 rounding of the reference`);
  }

  const rng = new Rng(113);
  const SCORE_SHAPES = [
    [1, 10],
    [25, 10],
    [7, 3],
    [4, 1],
    [100, 10],
    [3, 50],
  ] as const;

  it('SoftmaxCrossEntropy and its gradient: random, tied, large and huge logits, labels 0 and C − 1', () => {
    for (const [n, c] of SCORE_SHAPES) {
      const labels = labelsFor(rng, n, c);
      const cases = [
        rand(rng, [n, c]),
        rand(rng, [n, c], 3), // ties, including the row maximum
        scaled(rand(rng, [n, c]), 1000), // exp(s) alone would overflow; exp(s − m) does not
        scaled(rand(rng, [n, c]), 3e38), // s − m beyond float32 range (−Infinity after exp: 0)
      ];
      for (const s of cases) {
        exact(K.SoftmaxCrossEntropy, [s, labels], {});
        exact(K.SoftmaxCrossEntropyGrad, [s, labels], {});
      }
      // Labels with a fraction are floored, as the body does.
      exact(K.SoftmaxCrossEntropyGrad, [cases[0], fractional(labels)], {});
      exact(K.SoftmaxCrossEntropy, [cases[0], fractional(labels)], {});
    }
  });

  it('HingeLoss and its gradient: random and tied scores (margins of exactly 0), Δ = 1 and 0.3', () => {
    for (const [n, c] of SCORE_SHAPES) {
      const labels = labelsFor(rng, n, c);
      for (const s of [rand(rng, [n, c]), rand(rng, [n, c], 5), scaled(rand(rng, [n, c]), 1e30)]) {
        for (const delta of [1, 0.3]) {
          exact(K.HingeLoss, [s, labels], { delta });
          exact(K.HingeLossGrad, [s, labels], { delta });
        }
      }
      const s = rand(rng, [n, c]);
      exact(K.HingeLoss, [s, fractional(labels)], { delta: 1 });
      exact(K.HingeLossGrad, [s, fractional(labels)], { delta: 1 });
    }
  });

  it('ReduceSum and ArgMax: rank 1 to 3, one value, ties, NaN and infinities', () => {
    for (const shape of [[1], [5], [1, 1], [25, 10], [2, 3, 7], [100, 1]]) {
      for (const levels of [0, 3]) {
        const x = rand(rng, shape, levels);
        exact(K.ReduceSum, [x], {});
        exact(K.ArgMax, [x], {});
      }
    }
    // Row 0: ties at the maximum (the first wins); row 1: NaN first, then numbers (the body never moves
    // off a NaN); row 2: a NaN later (skipped); row 3: −Infinity then +Infinity; row 4: large values whose sum
    // rounds.
    const special = {
      shape: [5, 4],
      data: Float64Array.from([
        ...[2, 5, 5, 1],
        ...[Number.NaN, 1, 2, 3],
        ...[1, Number.NaN, 3, 2],
        ...[-Infinity, -1, Infinity, 0],
        ...[Math.fround(1e30), 1, Math.fround(-1e30), 1],
      ]),
    };
    exact(K.ReduceSum, [special], {});
    exact(K.ArgMax, [special], {});
  });

  it('BiasGrad: [N, C] and [N, C, H, W], one row, one channel, no rows', () => {
    for (const shape of [
      [25, 50],
      [25, 10],
      [1, 1],
      [1, 7],
      [9, 1],
      [0, 4],
      [3, 5, 4, 7],
      [2, 8, 14, 14],
    ]) {
      exact(K.BiasGrad, [rand(rng, shape)], {});
    }
  });

  it("Mul and Scale: dropout masks of 0/1 and 0/(1/p); Scale's factor a double, not rounded to float32", () => {
    for (const shape of [[1], [25, 50], [3, 8, 5, 5]]) {
      const x = rand(rng, shape);
      const mask01 = { shape, data: Float64Array.from(rand(rng, shape).data, (v) => (v > 0 ? 1 : 0)) };
      const inv = { shape, data: Float64Array.from(mask01.data, (v) => Math.fround(v / 0.3)) };
      exact(K.Mul, [x, mask01], {});
      exact(K.Mul, [x, inv], {});
      exact(K.Mul, [x, rand(rng, shape)], {});
      for (const factor of [0.5, 0.3, 1 / 0.7, 0.1]) exact(K.Scale, [x], { factor });
    }
  });

  it('a training and an evaluation step of the MLP (softmax, SVM, dropout) and the CNN send nothing to gpu.js', () => {
    const specs = [
      { input: [784], layers: [{ affine: 50 }, 'relu', { affine: 10 }], loss: 'softmax' },
      { input: [784], layers: [{ affine: 50 }, 'relu', { dropout: 0.5 }, { affine: 10 }], loss: 'svm' },
      {
        input: [20],
        layers: [{ affine: 12 }, 'relu', { dropout: { p: 0.7, inverted: true } }, { affine: 4 }],
        loss: 'softmax',
      },
      {
        input: [1, 12, 12],
        layers: [{ conv: { filters: 4, size: 3, stride: 1, pad: 1 } }, 'relu', { pool: 2 }, { affine: 10 }],
        loss: 'softmax',
      },
    ];
    const used = new Set<string>();
    const counting = {
      name: runner.name,
      dtype: runner.dtype,
      alloc: (n: number) => runner.alloc(n),
      close: () => {},
      run<N extends KernelName>(kernel: N, inputs: readonly Tensor[], attrs: AttrsByKernel[N]): Tensor {
        used.add(kernel);
        return runner.run(kernel, inputs, attrs);
      },
    };
    const before = runner.fallbackCalls;
    for (const raw of specs) {
      const net = Sequential.fromSpec(parseModelSpec(raw));
      const rows = 6;
      const params = net.params.map((p) => f32(rand(rng, [...p.shape])).data);
      const x = f32(rand(rng, [rows, ...net.spec.input]));
      const labels = Float32Array.from({ length: rows }, (_, i) => i % 4);
      const noise = { seed: 1, step: 0, rows: Array.from({ length: rows }, (_, i) => i) };
      const sums = net.gradientSums({ runner: counting, training: true, noise }, params, x, labels);
      assert.equal(sums.count, rows);
      assert.ok(Number.isFinite(sums.lossSum));
      net.lossSum({ runner: counting, training: false }, params, x, labels);
    }
    assert.equal(runner.fallbackCalls - before, 0, 'some kernel ran on gpu.js');
    // Every kernel the models use is covered, and the step used the loss, reduction and dropout kernels.
    for (const k of used) assert.ok(FAST_LOOPS[k as KernelName] || WASM_KERNELS.includes(k as KernelName), k);
    for (const k of [K.SoftmaxCrossEntropyGrad, K.HingeLossGrad, K.ReduceSum, K.ArgMax, K.Mul, K.Scale]) {
      assert.ok(used.has(k), `${k} not used by the steps`);
    }
  });
});
