/**
 * Every kernel in ALL_KERNELS on every gpu.js mode that starts here, against the float64 reference, on
 * realistic layer sizes. Inputs are float32-exact (rounded with Math.fround), so both runners see the same
 * numbers and any difference is float32 arithmetic in the runner under test.
 */
import * as assert from 'node:assert/strict';
import { ALL_KERNELS } from '../../../kernels/all';
import * as K from '../../../kernels/names';
import type { AttrsByKernel, KernelName } from '../../../kernels/names';
import type { Tensor } from '../../../kernels/spec';
import { RunnerBackend, type ShardInput } from '../../../src/backend/backend';
import { CpuPoolBackend } from '../../../src/backend/cpu-pool';
import { GpuJsRunner, type GpuJsMode } from '../../../src/backend/gpujs';
import { ReferenceRunner } from '../../../src/backend/reference';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';
import { Rng } from '../../../src/shared/rng';
import { awayFromZeroArray, distinctArray, hingeScores, randomArray, tensor } from '../../helpers/gradcheck';

/**
 * Parity tolerance for float32 runners: max_i |out_i − ref_i| / max(1, max_i |ref_i|) < 1e-4.
 * Measured on these cases: gpujs-webasm at most 9.3e-7 (MatMul with K = 784, which accumulates in float32;
 * the convolution gradients reach 7.3e-7), gpujs-cpu at most 5.7e-8 (it only rounds the output to
 * float32). 1e-4 leaves a 100× margin over webasm for other accumulation orders (a GPU's fused
 * multiply-adds) while staying far tighter than 1e-2, which would hide indexing bugs on small values.
 */
const FLOAT32_TOLERANCE = 1e-4;

/** max_i |a_i − b_i| / max(1, max_i |b_i|): the parity error of `a` against the reference `b`. */
function parityError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, `output length ${a.length}, reference ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d; // NaN counts as the worst difference
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** A tensor whose values are exactly representable in float32. */
function f32(shape: number[], values: ArrayLike<number>): Tensor {
  return tensor(shape, Array.from(values, Math.fround));
}

interface ParityCase {
  readonly label: string;
  readonly kernel: KernelName;
  readonly inputs: readonly Tensor[];
  readonly attrs: AttrsByKernel[KernelName];
}

function parityCase<N extends KernelName>(
  kernel: N,
  label: string,
  inputs: Tensor[],
  attrs: AttrsByKernel[N],
): ParityCase {
  return { label: `${kernel} ${label}`, kernel, inputs, attrs };
}

/** The cases: the shapes of an MNIST MLP (784-50-10, batch 64) and a small CNN on [4, 3, 12, 12]. */
function parityCases(): ParityCase[] {
  const rng = new Rng(801);
  const rand = (shape: number[], scale = 1): Tensor =>
    f32(
      shape,
      randomArray(
        rng,
        shape.reduce((p, d) => p * d, 1),
        scale,
      ),
    );
  const labels = f32(
    [64],
    Array.from({ length: 64 }, () => rng.int(10)),
  );
  const x = rand([4, 3, 12, 12]);
  const maps = f32([4, 8, 12, 12], distinctArray(rng, 4 * 8 * 12 * 12, 4)); // no ties in pool windows
  const plain = { transposeA: false, transposeB: false };
  return [
    parityCase(K.MatMul, '[64,784]·[784,50]', [rand([64, 784]), rand([784, 50], 0.1)], plain),
    parityCase(K.MatMul, '[784,64]ᵀ·[64,50] (weight gradient)', [rand([64, 784]), rand([64, 50])], {
      transposeA: true,
      transposeB: false,
    }),
    parityCase(K.MatMul, '[64,50]·[784,50]ᵀ (input gradient)', [rand([64, 50]), rand([784, 50], 0.1)], {
      transposeA: false,
      transposeB: true,
    }),
    parityCase(K.MatMul, '[50,64]ᵀ·[10,50]ᵀ', [rand([50, 64]), rand([10, 50])], {
      transposeA: true,
      transposeB: true,
    }),
    parityCase(K.BiasAdd, '[64,50] + [50]', [rand([64, 50]), rand([50])], {}),
    parityCase(K.BiasAdd, '[4,8,12,12] + [8]', [rand([4, 8, 12, 12]), rand([8])], {}),
    parityCase(K.BiasGrad, 'of [64,50]', [rand([64, 50])], {}),
    parityCase(K.BiasGrad, 'of [4,8,12,12]', [rand([4, 8, 12, 12])], {}),
    parityCase(K.Conv2D, '[4,3,12,12] * [8,3,5,5], pad 2', [x, rand([8, 3, 5, 5])], { stride: 1, pad: 2 }),
    parityCase(K.Conv2D, '[4,8,12,12] * [16,8,3,3], stride 2, pad 1', [maps, rand([16, 8, 3, 3])], {
      stride: 2,
      pad: 1,
    }),
    parityCase(K.Conv2DBackpropInput, 'to [4,3,12,12] from [8,3,5,5], pad 2', [maps, rand([8, 3, 5, 5])], {
      stride: 1,
      pad: 2,
      inputShape: [4, 3, 12, 12],
    }),
    parityCase(
      K.Conv2DBackpropInput,
      'to [4,8,12,12] from [16,8,3,3], stride 2, pad 1',
      [rand([4, 16, 6, 6]), rand([16, 8, 3, 3])],
      { stride: 2, pad: 1, inputShape: [4, 8, 12, 12] },
    ),
    parityCase(K.Conv2DBackpropFilter, '[8,3,5,5] from [4,3,12,12], pad 2', [x, maps], {
      stride: 1,
      pad: 2,
      filterShape: [8, 3, 5, 5],
    }),
    parityCase(K.Conv2DBackpropFilter, '[16,8,3,3], stride 2, pad 1', [maps, rand([4, 16, 6, 6])], {
      stride: 2,
      pad: 1,
      filterShape: [16, 8, 3, 3],
    }),
    parityCase(K.MaxPool, '2×2 stride 2 on [4,8,12,12]', [maps], { size: 2, stride: 2 }),
    parityCase(K.MaxPool, '3×3 stride 2 (overlapping) on [4,8,12,12]', [maps], { size: 3, stride: 2 }),
    parityCase(K.MaxPoolGrad, '2×2 stride 2', [maps, rand([4, 8, 6, 6])], { size: 2, stride: 2 }),
    parityCase(K.MaxPoolGrad, '3×3 stride 2 (overlapping)', [maps, rand([4, 8, 5, 5])], {
      size: 3,
      stride: 2,
    }),
    parityCase(K.Relu, 'on [4,8,12,12]', [f32([4, 8, 12, 12], awayFromZeroArray(rng, 4608))], {}),
    parityCase(K.ReluGrad, 'on [4,8,12,12]', [rand([4, 8, 12, 12]), rand([4, 8, 12, 12])], {}),
    parityCase(K.Mul, 'on [64,784]', [rand([64, 784]), rand([64, 784])], {}),
    parityCase(K.Scale, 'by 1/64 on [784,50]', [rand([784, 50])], { factor: 1 / 64 }),
    parityCase(K.SoftmaxCrossEntropy, 'of [64,10]', [rand([64, 10], 5), labels], {}),
    parityCase(K.SoftmaxCrossEntropyGrad, 'of [64,10]', [rand([64, 10], 5), labels], {}),
    parityCase(
      K.HingeLoss,
      'of [64,10], Δ = 1',
      [f32([64, 10], hingeScores(rng, labels.data, 10, 1)), labels],
      {
        delta: 1,
      },
    ),
    parityCase(
      K.HingeLossGrad,
      'of [64,10], Δ = 1',
      [f32([64, 10], hingeScores(rng, labels.data, 10, 1)), labels],
      { delta: 1 },
    ),
    parityCase(K.ReduceSum, 'of [64,784]', [rand([64, 784])], {}),
    parityCase(K.ArgMax, 'of [64,10]', [f32([64, 10], distinctArray(rng, 640))], {}),
  ];
}

/** A runner for `mode` that ran a tiny kernel correctly, or why there is none. */
function probe(mode: GpuJsMode): { runner: GpuJsRunner } | { reason: string } {
  let runner: GpuJsRunner | undefined;
  try {
    runner = new GpuJsRunner(mode);
    const y = runner.run(K.Scale, [{ shape: [3], data: new Float32Array([1, 2, 3]) }], { factor: 2 });
    const got = Array.from(y.data).join(',');
    if (got !== '2,4,6') throw new Error(`a tiny Scale kernel returned [${got}], expected [2,4,6]`);
    return { runner };
  } catch (e) {
    runner?.close();
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}

describe('backend parity with the reference', () => {
  const cases = parityCases();
  const ref = new ReferenceRunner();
  const expected = new Map<ParityCase, Tensor>();

  before(() => {
    for (const c of cases) expected.set(c, ref.run(c.kernel, c.inputs, c.attrs));
  });

  it('has a parity case for every kernel in ALL_KERNELS', () => {
    const covered = new Set(cases.map((c) => c.kernel));
    assert.deepEqual(
      ALL_KERNELS.map((k) => k.name).filter((name) => !covered.has(name)),
      [],
    );
  });

  for (const mode of ['cpu', 'webasm', 'webgpu'] as const) {
    describe(`gpujs-${mode}`, () => {
      // One runner per mode for the whole block, so that each kernel shape compiles once.
      let runner: GpuJsRunner | undefined;
      let reason = '';

      before(() => {
        const result = probe(mode);
        if ('runner' in result) runner = result.runner;
        else reason = result.reason;
      });

      after(() => {
        runner?.close();
        runner = undefined;
      });

      it('starts and runs a tiny kernel', function () {
        if (!runner) {
          this.test!.title += ` — skipped: gpu.js mode ${mode} is unavailable here (${reason})`;
          this.skip();
        }
      });

      for (const c of cases) {
        it(`matches the reference within ${FLOAT32_TOLERANCE} on ${c.label}`, function () {
          if (!runner) this.skip();
          const y = runner.run(c.kernel, c.inputs, c.attrs);
          const want = expected.get(c)!;
          assert.deepEqual(y.shape, want.shape);
          assert.ok(y.data instanceof Float32Array, 'a gpu.js runner returns float32');
          const error = parityError(y.data, want.data);
          assert.ok(error < FLOAT32_TOLERANCE, `parity error ${error} ≥ ${FLOAT32_TOLERANCE}`);
        });
      }

      it('gives bit-identical, independent results when called twice on the same input', function () {
        if (!runner) this.skip();
        const c = cases.find((k) => k.kernel === K.Conv2D)!;
        const inputsBefore = c.inputs.map((t) => Float64Array.from(t.data));
        const first = runner.run(c.kernel, c.inputs, c.attrs);
        const firstCopy = Float32Array.from(first.data);
        first.data.fill(Number.NaN); // mutating a result must not reach a later one
        const second = runner.run(c.kernel, c.inputs, c.attrs);
        assert.notEqual(second.data, first.data);
        assert.deepEqual(second.data, firstCopy);
        assert.ok(first.data.every(Number.isNaN), 'a later call must not overwrite an earlier result');
        c.inputs.forEach((t, i) => assert.deepEqual(t.data, inputsBefore[i], 'inputs are left unchanged'));
      });
    });
  }
});

/** A network and a 70-row shard (three pool chunks: 32 + 32 + 6) whose values are exact in float32. */
interface NetCase {
  readonly label: string;
  readonly net: Sequential;
  /** Float32-exact parameters and shard, held in float64 (cast for each backend). */
  readonly params: readonly Float64Array[];
  readonly shard: ShardInput;
}

function netCases(): NetCase[] {
  const rng = new Rng(802);
  const make = (label: string, model: object): NetCase => {
    const net = Sequential.fromSpec(parseModelSpec(model));
    const params = initParams(net, 5, (n) => new Float64Array(n)).map((p) =>
      Float64Array.from(p, Math.fround),
    );
    const count = 70;
    const x = Float64Array.from(randomArray(rng, count * net.inputSize), Math.fround);
    const labels = Float64Array.from({ length: count }, () => rng.int(net.numClasses));
    const rows = Array.from({ length: count }, (_, i) => i);
    return { label, net, params, shard: { x, labels, count, noise: { seed: 3, step: 1, rows } } };
  };
  return [
    make('MLP 784-50-dropout-10', {
      input: [784],
      layers: [{ affine: 50 }, 'relu', { dropout: 0.5 }, { affine: 10 }],
      loss: 'softmax',
      init: 'he',
    }),
    make('CNN [3,12,12] conv5×5×8-relu-pool2-affine10 (SVM)', {
      input: [3, 12, 12],
      layers: [{ conv: { filters: 8, size: 5, pad: 2 } }, 'relu', { pool: 2 }, { affine: 10 }],
      loss: 'svm',
      init: 'he',
    }),
  ];
}

/** In `dtype`'s element type: the arrays each backend takes. */
function cast(d: ArrayLike<number>, dtype: 'float32' | 'float64'): Float32Array | Float64Array {
  return dtype === 'float32' ? Float32Array.from(d) : Float64Array.from(d);
}

// cpu-pool runs whole shards, not single kernels: its parity is that of a network's gradient sums and
// evaluation. It runs with 2 threads so that a gpu.js regression in worker threads shows (STYLE.md).
describe('cpu-pool parity with the reference (2 threads)', function () {
  this.timeout(120_000);
  const cases = netCases();
  const reference = new RunnerBackend(new ReferenceRunner());

  for (const [runner, tolerance] of [
    ['wasm', FLOAT32_TOLERANCE],
    ['gpujs-cpu', FLOAT32_TOLERANCE],
    ['reference', 1e-12],
  ] as const) {
    describe(`cpu-pool on ${runner}`, () => {
      let pool: CpuPoolBackend;
      before(() => {
        pool = new CpuPoolBackend({ threads: 2, runner });
      });
      after(async () => {
        await pool.close();
      });

      for (const c of cases) {
        it(`matches the reference within ${tolerance} on the gradient sums and evaluation of ${c.label}`, async () => {
          const params = c.params.map((p) => cast(p, pool.dtype));
          const shard: ShardInput = {
            ...c.shard,
            x: cast(c.shard.x, pool.dtype),
            labels: cast(c.shard.labels, pool.dtype),
          };
          const got = await pool.gradientSums(c.net, params, shard);
          const want = await reference.gradientSums(c.net, c.params, c.shard);
          got.grads.forEach((g, k) => {
            assert.equal(g.length, want.grads[k].length);
            const error = parityError(g, want.grads[k]);
            assert.ok(error < tolerance, `${c.net.params[k].name}: parity error ${error} ≥ ${tolerance}`);
          });
          const lossError = parityError([got.lossSum], [want.lossSum]);
          assert.ok(lossError < tolerance, `lossSum ${got.lossSum} vs ${want.lossSum}`);
          assert.equal(got.correct, want.correct);
          assert.equal(got.count, c.shard.count);

          const ev = await pool.evaluate(c.net, params, shard.x, shard.labels, shard.count);
          const evWant = await reference.evaluate(c.net, c.params, c.shard.x, c.shard.labels, c.shard.count);
          assert.ok(
            parityError([ev.lossSum], [evWant.lossSum]) < tolerance,
            `evaluate lossSum ${ev.lossSum}`,
          );
          assert.equal(ev.correct, evWant.correct);
        });
      }
    });
  }
});
