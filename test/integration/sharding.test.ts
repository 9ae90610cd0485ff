/** The trainer sums fixed shards in shard order: sharding changes nothing but float rounding. */
import { strict as assert } from 'node:assert';
import { RunnerBackend } from '../../src/backend/backend';
import { ReferenceRunner } from '../../src/backend/reference';
import { parseJobSpec } from '../../src/train/job-spec';
import { runJob } from '../../src/train/run-job';

function cnnSpec(shards: number, seed = 5) {
  return parseJobSpec({
    data: { subset: 60, split: { val: 0.02, test: 0.02 } },
    model: {
      input: [1, 28, 28],
      layers: [
        { conv: { filters: 2, size: 3, stride: 2 } },
        'relu',
        { pool: 2 },
        { affine: 8 },
        'relu',
        { dropout: 0.7 },
        { affine: 10 },
      ],
      loss: 'softmax',
    },
    train: {
      epochs: 2,
      batchSize: 12,
      learningRate: 0.01,
      update: 'momentum',
      reg: { l2: 1e-3, l1: 1e-4 },
      seed,
      shards,
    },
  });
}

describe('sharded mini-batches', function () {
  this.timeout(60_000);

  it('give the same parameters as one shard, up to float64 summation order, dropout included', async () => {
    const backend = new RunnerBackend(new ReferenceRunner());
    try {
      const one = await runJob(cnnSpec(1), backend, () => {});
      const three = await runJob(cnnSpec(3), backend, () => {});
      const a = one.result.finalParams;
      const b = three.result.finalParams;
      let worst = 0;
      for (let i = 0; i < a.length; i++) {
        for (let j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]));
      }
      assert.ok(worst < 1e-12, `largest parameter difference ${worst}`);
      assert.ok(one.result.lossHistory.length === 10);
      const moved = a.some((p, i) => p.some((v, j) => v !== (one.result.bestParams[i][j] ?? v) || v !== 0));
      assert.ok(moved, 'parameters are non-trivial');
    } finally {
      await backend.close();
    }
  });

  it('reproduce the same fingerprint for the same seed and a different one for another seed', async () => {
    const backend = new RunnerBackend(new ReferenceRunner());
    try {
      const a = await runJob(cnnSpec(2), backend, () => {});
      const b = await runJob(cnnSpec(2), backend, () => {});
      const c = await runJob(cnnSpec(2, 6), backend, () => {});
      assert.equal(a.fingerprint, b.fingerprint);
      assert.notEqual(a.fingerprint, c.fingerprint);
    } finally {
      await backend.close();
    }
  });
});
