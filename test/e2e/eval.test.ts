/** `gradpool eval JOB --split test`: evaluated by the workers, every test look counted durably. */
import { strict as assert } from 'node:assert';
import { Cluster, clusterPerTest } from '../helpers/cluster';

const SPEC = {
  name: 'eval',
  data: { subset: 300, split: { val: 0.1, test: 0.1 } },
  model: { input: [1, 28, 28], layers: [{ affine: 10 }], loss: 'softmax' },
  train: { epochs: 1, batchSize: 50, learningRate: 0.02, seed: 5, shards: 1 },
};

describe('gradpool eval', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('evaluates the test split twice with the same accuracy, counting and warning on the second look', async () => {
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['w1']);
    const { jobId, done } = await cluster.submitAndWatch(SPEC);
    assert.equal(done.status, 'finished', JSON.stringify(done));
    const args = ['eval', jobId, '--split', 'test', '--coordinator', coordinator.address];
    const first = await cluster.cli([...args, '--json']);
    assert.equal(first.code, 0, first.tail());
    const a = first.events().find((e) => e.type === 'eval') as {
      accuracy: number;
      testLooks: number;
      count: number;
    };
    assert.equal(a.testLooks, 1);
    assert.equal(a.count, 1000, 'the held-out test split: 10 % of the 10 000 digits');
    const second = await cluster.cli(args);
    assert.equal(second.code, 0, second.tail());
    assert.match(second.stdout, new RegExp(`test accuracy ${a.accuracy.toFixed(6)} \\(1000 samples\\)`));
    assert.match(second.stdout, new RegExp(`the test split of ${jobId} has now been looked at 2 times`));
    assert.equal((await cluster.client().getJob(jobId)).testLooks, 2);

    const unknown = await cluster.cli(['eval', 'j-999999', '--coordinator', coordinator.address]);
    assert.equal(unknown.code, 2, unknown.tail());
    const bogus = await cluster.cli([
      'eval',
      jobId,
      '--split',
      'bogus',
      '--coordinator',
      coordinator.address,
    ]);
    assert.equal(bogus.code, 2, bogus.tail());
  });
});
