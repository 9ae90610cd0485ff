/**
 * The cpu-pool backend: results independent of the thread count (bit for bit), equal to RunnerBackend sums
 * of CHUNK_ROWS-row chunks added in chunk order, thread errors reported per chunk, and close() releasing the
 * threads.
 */
import * as assert from 'node:assert/strict';
import type { Data } from '../../../kernels/spec';
import { RunnerBackend, type ShardInput } from '../../../src/backend/backend';
import { CHUNK_ROWS, CpuPoolBackend } from '../../../src/backend/cpu-pool';
import { GpuJsRunner } from '../../../src/backend/gpujs';
import { ReferenceRunner } from '../../../src/backend/reference';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';
import type { GradientSums } from '../../../src/model/types';
import { Rng } from '../../../src/shared/rng';
import { assertBitIdentical, closeAfterEach, sumsAndEvaluations } from '../../helpers/backend-checks';
import { relativeError } from '../../helpers/gradcheck';

/** conv-relu-pool-affine-relu-dropout-affine on 2×6×6 images, 4 classes. */
function smallCnn(): Sequential {
  return Sequential.fromSpec(
    parseModelSpec({
      input: [2, 6, 6],
      layers: [
        { conv: { filters: 3, size: 3, pad: 1 } },
        'relu',
        { pool: 2 },
        { affine: 8 },
        'relu',
        { dropout: 0.7 },
        { affine: 4 },
      ],
      loss: 'softmax',
      init: { gaussian: 0.5 },
      biasInit: 0.1,
    }),
  );
}

/** A shard of `count` rows in the given dtype, its rows at positions 5.. of the mini-batch. */
function shardOf(net: Sequential, count: number, alloc: (n: number) => Data, seed = 3): ShardInput {
  const rng = new Rng(seed);
  const x = alloc(count * net.inputSize);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 2 - 1;
  const labels = alloc(count);
  for (let i = 0; i < count; i++) labels[i] = rng.int(net.numClasses);
  const rows = Array.from({ length: count }, (_, i) => 5 + i);
  return { x, labels, count, noise: { seed: 11, step: 4, rows } };
}

/** Rows [lo, hi) of a shard. */
function rowsOf(net: Sequential, shard: ShardInput, lo: number, hi: number): ShardInput {
  return {
    x: shard.x.subarray(lo * net.inputSize, hi * net.inputSize),
    labels: shard.labels.subarray(lo, hi),
    count: hi - lo,
    noise: { ...shard.noise, rows: shard.noise.rows.slice(lo, hi) },
  };
}

describe('cpu-pool backend', function () {
  this.timeout(120_000);
  const net = smallCnn();
  const backends = closeAfterEach<CpuPoolBackend>();
  const pool = (threads: number, runner: 'gpujs-cpu' | 'reference' = 'gpujs-cpu') =>
    backends.keep(new CpuPoolBackend({ threads, runner }));

  it('starts with the requested threads and names its runner and dtype', () => {
    const a = pool(2);
    assert.equal(a.threads, 2);
    assert.equal(a.name, 'cpu-pool');
    assert.equal(a.dtype, 'float32');
    assert.ok(a.alloc(3) instanceof Float32Array);
    const b = pool(1, 'reference');
    assert.equal(b.name, 'cpu-pool-reference');
    assert.equal(b.dtype, 'float64');
    assert.ok(b.alloc(3) instanceof Float64Array);
  });

  it('rejects a thread count that is not a positive integer', () => {
    for (const threads of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => new CpuPoolBackend({ threads }),
        (e: Error & { code?: string }) =>
          e.code === 'E_BAD_ARGS' &&
          e.message === `cpu-pool threads must be a positive integer, got ${threads}`,
      );
    }
  });

  it('gives bit-identical gradient sums and evaluations with 1, 2 and 3 threads (gpujs-cpu, dropout)', async () => {
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const shard = shardOf(net, 100, (n) => new Float32Array(n));
    const pools = [1, 2, 3].map((threads) => pool(threads));
    const runs = await sumsAndEvaluations(net, params, shard, pools);
    assert.equal(runs[0].sums.count, 100);
    for (const [i, r] of runs.entries()) {
      assertBitIdentical(r.sums, runs[0].sums, `${i + 1} threads vs 1`);
      assert.ok(Object.is(r.evals.lossSum, runs[0].evals.lossSum), `evaluate lossSum with ${i + 1} threads`);
      assert.equal(r.evals.correct, runs[0].evals.correct);
      assert.equal(r.evals.count, 100);
    }
    assert.ok(Number.isFinite(runs[0].sums.lossSum) && runs[0].sums.lossSum > 0);
  });

  it('equals RunnerBackend(gpujs-cpu) sums of 32-row chunks added in chunk order, on 70 rows (32 + 32 + 6)', async () => {
    assert.equal(CHUNK_ROWS, 32);
    const params = initParams(net, 8, (n) => new Float32Array(n));
    const shard = shardOf(net, 70, (n) => new Float32Array(n), 4);
    const got = await pool(2).gradientSums(net, params, shard);
    const gotEval = await backends.open[0].evaluate(net, params, shard.x, shard.labels, shard.count);

    const runner = new RunnerBackend(new GpuJsRunner('cpu'));
    try {
      const chunks: GradientSums[] = [];
      let evalLoss = 0;
      let evalCorrect = 0;
      for (const [lo, hi] of [
        [0, 32],
        [32, 64],
        [64, 70],
      ]) {
        const part = rowsOf(net, shard, lo, hi);
        chunks.push(await runner.gradientSums(net, params, part));
        const e = await runner.evaluate(net, params, part.x, part.labels, part.count);
        evalLoss = lo === 0 ? e.lossSum : evalLoss + e.lossSum;
        evalCorrect += e.correct;
      }
      const grads = chunks[0].grads.map((g) => Float32Array.from(g));
      let lossSum = chunks[0].lossSum;
      for (const c of chunks.slice(1)) {
        c.grads.forEach((g, k) => {
          for (let i = 0; i < g.length; i++) grads[k][i] += g[i];
        });
        lossSum += c.lossSum;
      }
      const correct = chunks.reduce((s, c) => s + c.correct, 0);
      assertBitIdentical(got, { grads, lossSum, correct, count: 70 }, 'cpu-pool vs chunk-wise RunnerBackend');
      assert.ok(Object.is(gotEval.lossSum, evalLoss), `evaluate lossSum ${gotEval.lossSum} vs ${evalLoss}`);
      assert.equal(gotEval.correct, evalCorrect);
      assert.equal(gotEval.count, 70);
    } finally {
      await runner.close();
    }
  });

  it('equals RunnerBackend bit for bit on a shard of at most CHUNK_ROWS rows (one chunk)', async () => {
    const params = initParams(net, 9, (n) => new Float32Array(n));
    const shard = shardOf(net, CHUNK_ROWS, (n) => new Float32Array(n), 5);
    const runner = new RunnerBackend(new GpuJsRunner('cpu'));
    try {
      const want = await runner.gradientSums(net, params, shard);
      assertBitIdentical(await pool(2).gradientSums(net, params, shard), want, 'one chunk');
    } finally {
      await runner.close();
    }
  });

  it('cpu-pool(reference) with 2 threads matches the single-thread reference within 1e-12 relative', async () => {
    const params = initParams(net, 10, (n) => new Float64Array(n));
    const shard = shardOf(net, 70, (n) => new Float64Array(n), 6);
    const b = pool(2, 'reference');
    const got = await b.gradientSums(net, params, shard);
    const gotEval = await b.evaluate(net, params, shard.x, shard.labels, shard.count);
    const ref = new RunnerBackend(new ReferenceRunner());
    const want = await ref.gradientSums(net, params, shard);
    const wantEval = await ref.evaluate(net, params, shard.x, shard.labels, shard.count);
    got.grads.forEach((g, k) => {
      assert.ok(g instanceof Float64Array);
      const err = relativeError(g, want.grads[k]);
      assert.ok(err < 1e-12, `${net.params[k].name}: relative error ${err}`);
    });
    assert.ok(
      relativeError([got.lossSum], [want.lossSum]) < 1e-12,
      `lossSum ${got.lossSum} vs ${want.lossSum}`,
    );
    assert.equal(got.correct, want.correct);
    assert.equal(got.count, 70);
    assert.ok(relativeError([gotEval.lossSum], [wantEval.lossSum]) < 1e-12);
    assert.equal(gotEval.correct, wantEval.correct);
  });

  it('gradientSumsOfShards: each shard bit for bit its own gradientSums, with 1, 2 and 3 threads', async () => {
    const params = initParams(net, 7, (n) => new Float32Array(n));
    // Shards of 0, 1, 32, 33 and 70 rows (0, 1, 1, 2 and 3 chunks), each with its own rows and positions.
    const shards = [25, 0, 1, 32, 33, 70].map((count, k) => {
      const s = shardOf(net, count, (n) => new Float32Array(n), 20 + k);
      return { ...s, noise: { ...s.noise, rows: s.noise.rows.map((r) => r + 100 * k) } };
    });
    const one = pool(1);
    const want: GradientSums[] = [];
    for (const s of shards) want.push(await one.gradientSums(net, params, s));
    for (const threads of [1, 2, 3]) {
      const got = await pool(threads).gradientSumsOfShards(net, params, shards);
      assert.equal(got.length, shards.length);
      got.forEach((g, k) => assertBitIdentical(g, want[k], `${threads} threads, shard ${k}`));
    }
    assert.deepEqual(await one.gradientSumsOfShards(net, params, []), []);
  });

  it('gradientSumsOfShards names the shard rows of a failing chunk and keeps working', async () => {
    const b = pool(2);
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const shards = [
      shardOf(net, 40, (n) => new Float32Array(n), 1),
      shardOf(net, 70, (n) => new Float32Array(n), 2),
    ];
    const want = await b.gradientSumsOfShards(net, params, shards);
    const bad = { ...shards[1], labels: Float32Array.from(shards[1].labels) };
    bad.labels[65] = 12;
    await assert.rejects(
      b.gradientSumsOfShards(net, params, [shards[0], bad]),
      /cpu-pool: the chunk of rows 64\.\.69 \(of 70\) failed; in it, label 1 is 12; labels must be integers in \[0, 4\)/,
    );
    const again = await b.gradientSumsOfShards(net, params, shards);
    again.forEach((g, k) => assertBitIdentical(g, want[k], `after a failed call, shard ${k}`));
  });

  it('returns zero sums for an empty shard without asking a thread', async () => {
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const sums = await pool(1).gradientSums(
      net,
      params,
      shardOf(net, 0, (n) => new Float32Array(n)),
    );
    assert.equal(sums.count, 0);
    assert.equal(sums.lossSum, 0);
    assert.deepEqual(
      sums.grads.map((g) => g.length),
      net.params.map((p) => p.shape.reduce((a, b) => a * b, 1)),
    );
    assert.ok(sums.grads.every((g) => g.every((v) => v === 0)));
  });

  it('rejects a call whose x, labels or noise rows do not match the row count', async () => {
    const b = pool(1);
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const shard = shardOf(net, 10, (n) => new Float32Array(n));
    await assert.rejects(b.gradientSums(net, params, { ...shard, count: 9 }), /x must hold 9·72 values/);
    await assert.rejects(
      b.gradientSums(net, params, { ...shard, noise: { ...shard.noise, rows: [1, 2] } }),
      /noise.rows has 2 entries for a shard of 10 rows/,
    );
    await assert.rejects(
      b.evaluate(net, params, shard.x, shard.labels.subarray(1), 10),
      /expected 10 labels/,
    );
  });

  it('rejects an error inside a thread with the chunk and the cause, and keeps working', async () => {
    const b = pool(2);
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const shard = shardOf(net, 70, (n) => new Float32Array(n));
    const want = await b.gradientSums(net, params, shard);
    const bad = { ...shard, labels: Float32Array.from(shard.labels) };
    bad.labels[40] = 12;
    await assert.rejects(
      b.gradientSums(net, params, bad),
      /cpu-pool: the chunk of rows 32\.\.63 \(of 70\) failed; in it, label 8 is 12; labels must be integers in \[0, 4\)/,
    );
    await assert.rejects(b.evaluate(net, params, bad.x, bad.labels, 70), /rows 32\.\.63 .* label 8 is 12/);
    assertBitIdentical(await b.gradientSums(net, params, shard), want, 'after a failed call');
  });

  it('keeps the calling thread free while a large shard computes (timers keep firing)', async () => {
    const mlp = Sequential.fromSpec(
      parseModelSpec({
        input: [784],
        layers: [{ affine: 50 }, 'relu', { affine: 10 }],
        loss: 'softmax',
        init: 'he',
      }),
    );
    const params = initParams(mlp, 7, (n) => new Float32Array(n));
    const shard = shardOf(mlp, 1024, (n) => new Float32Array(n));
    const b = pool(1);
    await b.gradientSums(
      mlp,
      params,
      shardOf(mlp, 40, (n) => new Float32Array(n)),
    ); // compile outside the timing
    let last = performance.now();
    let maxGapMs = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      ticks++;
    }, 5);
    const start = performance.now();
    try {
      const sums = await b.gradientSums(mlp, params, shard);
      assert.equal(sums.count, 1024);
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = performance.now() - start;
    // On the calling thread the whole shard would be one gap; here gaps are the per-chunk bookkeeping.
    assert.ok(
      maxGapMs * 4 < elapsedMs,
      `largest timer gap ${maxGapMs.toFixed(0)} ms during a ${elapsedMs.toFixed(0)} ms shard (${ticks} ticks)`,
    );
  });

  it('close() stops every thread, and later calls reject', async () => {
    const b = pool(3);
    const params = initParams(net, 7, (n) => new Float32Array(n));
    const shard = shardOf(net, 70, (n) => new Float32Array(n));
    await b.gradientSums(net, params, shard);
    assert.equal(b.liveThreads, 3);
    await b.close();
    assert.equal(b.liveThreads, 0);
    await b.close(); // idempotent
    await assert.rejects(b.gradientSums(net, params, shard), /cpu-pool backend is closed/);
  });
});
