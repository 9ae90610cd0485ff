import { strict as assert } from 'node:assert';
import { selectBackend } from '../../../src/backend/select';
import type { Backend } from '../../../src/backend/backend';
import { DEFAULT_MAX_JOBS, ShardRunner } from '../../../src/worker/shard-runner';

function spec(seed: number): string {
  return JSON.stringify({
    data: { subset: 50, split: { val: 0.1, test: 0.1 } },
    model: { input: [784], layers: [{ affine: 4 }, { affine: 10 }], loss: 'softmax' },
    train: { learningRate: 0.1, seed },
  });
}

describe('worker job cache', () => {
  let backend: Backend;
  before(() => (backend = selectBackend('reference', () => {})));
  after(() => backend.close());

  it('keeps the contexts and parameters of the jobs a coordinator trains at once (default 4) however they interleave', async () => {
    assert.ok(DEFAULT_MAX_JOBS >= 8);
    const runner = new ShardRunner(backend);
    const ids = ['j-1', 'j-2', 'j-3', 'j-4', 'j-5', 'j-6'];
    const contexts = ids.map((id, i) => runner.job(id, spec(i)));
    for (const [i, id] of ids.entries()) {
      runner.putParams(
        id,
        0,
        contexts[i].net.params.map((p) => backend.alloc(p.shape.reduce((a, b) => a * b, 1))),
      );
    }
    // Interleaved rounds of tasks: every job keeps its context (not rebuilt) and its parameters.
    for (let round = 0; round < 3; round++) {
      for (const [i, id] of ids.entries()) {
        assert.equal(runner.job(id, spec(i)), contexts[i], `${id} was rebuilt`);
        const sums = await runner.shardSums(id, 0, 0, { indices: Uint32Array.of(0, 1), firstRow: 0 });
        assert.ok(sums, `${id} lost its parameters`);
      }
    }
    // Beyond the cap, the least recently used job goes first.
    const small = new ShardRunner(backend, { maxJobs: 2 });
    small.job('a', spec(1));
    small.job('b', spec(2));
    small.job('a', spec(1));
    small.job('c', spec(3));
    assert.deepEqual(small.jobIds(), ['a', 'c']);
  });
});
