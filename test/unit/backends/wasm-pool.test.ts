/**
 * The cpu-pool backend on its default runner, the WebAssembly SIMD one: bit-identical results with 1, 2
 * and 3 threads, equal to RunnerBackend(WasmRunner) sums of 32-row chunks added in chunk order, and within
 * the float32 parity tolerance of the float64 reference on the two-conv CNN and the MLP of the issue.
 */
import * as assert from 'node:assert/strict';
import type { Data } from '../../../kernels/spec';
import { RunnerBackend, type ShardInput } from '../../../src/backend/backend';
import { CHUNK_ROWS, CpuPoolBackend } from '../../../src/backend/cpu-pool';
import { ReferenceRunner } from '../../../src/backend/reference';
import { WasmRunner } from '../../../src/backend/wasm/wasm-runner';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';
import type { GradientSums } from '../../../src/model/types';
import { Rng } from '../../../src/shared/rng';
import { assertBitIdentical, closeAfterEach, sumsAndEvaluations } from '../../helpers/backend-checks';

/** Same measure and bound as parity.test.ts (see wasm-sgemm.test.ts for the measured errors). */
const FLOAT32_TOLERANCE = 1e-4;

/** conv5×5×4-relu-pool2-conv3×3×6 (stride 2)-relu-affine-dropout-affine on 2×12×12 images. */
function cnn(): Sequential {
  return Sequential.fromSpec(
    parseModelSpec({
      input: [2, 12, 12],
      layers: [
        { conv: { filters: 4, size: 5, pad: 2 } },
        'relu',
        { pool: 2 },
        { conv: { filters: 6, size: 3, pad: 1, stride: 2 } },
        'relu',
        { affine: 12 },
        { dropout: 0.6 },
        { affine: 5 },
      ],
      loss: 'softmax',
      init: 'he',
      biasInit: 0.05,
    }),
  );
}

/** The two-layer net, 784-50-10. */
function mlp(): Sequential {
  return Sequential.fromSpec(
    parseModelSpec({
      input: [784],
      layers: [{ affine: 50 }, 'relu', { affine: 10 }],
      loss: 'softmax',
      init: 'he',
    }),
  );
}

function shardOf(net: Sequential, count: number, alloc: (n: number) => Data, seed = 3): ShardInput {
  const rng = new Rng(seed);
  const x = alloc(count * net.inputSize);
  for (let i = 0; i < x.length; i++) x[i] = Math.fround(rng.uniform() * 2 - 1);
  const labels = alloc(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(net.numClasses);
  const rows = Array.from({ length: count }, (_, i) => 7 + i);
  return { x, labels, count, noise: { seed: 13, step: 2, rows } };
}

function parityError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = d;
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe('cpu-pool on the wasm SIMD runner', function () {
  this.timeout(120_000);
  const backends = closeAfterEach();
  const pool = (threads: number) => backends.keep(new CpuPoolBackend({ threads }));

  it('is the default runner: float32, named cpu-pool', () => {
    const b = pool(1);
    assert.equal(b.name, 'cpu-pool');
    assert.equal(b.dtype, 'float32');
  });

  it('rejects an unknown runner, naming the ones it knows', () => {
    assert.throws(
      () => new CpuPoolBackend({ threads: 1, runner: 'simd' as never }),
      (e: Error & { code?: string }) =>
        e.code === 'E_BAD_ARGS' &&
        e.message === 'cpu-pool runner must be wasm, gpujs-cpu or reference, got simd',
    );
  });

  for (const [label, make] of [
    ['CNN (two convolutions, dropout)', cnn],
    ['MLP 784-50-10', mlp],
  ] as const) {
    it(`gives bit-identical sums and evaluations with 1, 2 and 3 threads on the ${label}`, async () => {
      const net = make();
      const params = initParams(net, 7, (n) => new Float32Array(n));
      const shard = shardOf(net, 100, (n) => new Float32Array(n));
      const pools = [1, 2, 3].map((threads) => pool(threads));
      const runs = await sumsAndEvaluations(net, params, shard, pools);
      for (const [i, r] of runs.entries()) {
        assertBitIdentical(r.sums, runs[0].sums, `${i + 1} threads vs 1`);
        assert.ok(Object.is(r.evals.lossSum, runs[0].evals.lossSum));
        assert.equal(r.evals.correct, runs[0].evals.correct);
      }
      assert.equal(runs[0].sums.count, 100);
      assert.ok(
        runs[0].sums.grads.every((g) => g.some((v) => v !== 0)),
        'every gradient is non-zero',
      );
    });

    it(`matches the float64 reference within ${FLOAT32_TOLERANCE} on the ${label}`, async () => {
      const net = make();
      const params = initParams(net, 9, (n) => new Float32Array(n));
      const shard = shardOf(net, 70, (n) => new Float32Array(n), 5);
      const got = await pool(2).gradientSums(net, params, shard);
      const ref = new RunnerBackend(new ReferenceRunner());
      const want = await ref.gradientSums(
        net,
        params.map((p) => Float64Array.from(p)),
        { ...shard, x: Float64Array.from(shard.x), labels: Float64Array.from(shard.labels) },
      );
      got.grads.forEach((g, k) => {
        const error = parityError(g, want.grads[k]);
        assert.ok(error < FLOAT32_TOLERANCE, `${net.params[k].name}: parity error ${error}`);
      });
      assert.ok(parityError([got.lossSum], [want.lossSum]) < FLOAT32_TOLERANCE);
      assert.equal(got.correct, want.correct);
    });
  }

  it('equals RunnerBackend(WasmRunner) sums of 32-row chunks added in chunk order, on 70 rows', async () => {
    assert.equal(CHUNK_ROWS, 32);
    const net = cnn();
    const params = initParams(net, 8, (n) => new Float32Array(n));
    const shard = shardOf(net, 70, (n) => new Float32Array(n), 4);
    const got = await pool(2).gradientSums(net, params, shard);
    const runner = backends.keep(new RunnerBackend(new WasmRunner()));
    const chunks: GradientSums[] = [];
    for (let lo = 0; lo < 70; lo += CHUNK_ROWS) {
      const hi = Math.min(70, lo + CHUNK_ROWS);
      chunks.push(
        await runner.gradientSums(net, params, {
          x: shard.x.subarray(lo * net.inputSize, hi * net.inputSize),
          labels: shard.labels.subarray(lo, hi),
          count: hi - lo,
          noise: { ...shard.noise, rows: shard.noise.rows.slice(lo, hi) },
        }),
      );
    }
    const grads = chunks[0].grads.map((g, k) => {
      const sum = Float32Array.from(g);
      for (const c of chunks.slice(1)) for (let i = 0; i < sum.length; i++) sum[i] += c.grads[k][i];
      return sum;
    });
    const lossSum = chunks.slice(1).reduce((s, c) => s + c.lossSum, chunks[0].lossSum);
    const correct = chunks.reduce((s, c) => s + c.correct, 0);
    assertBitIdentical(got, { grads, lossSum, correct, count: 70 }, 'cpu-pool vs chunk-wise RunnerBackend');
  });
});
