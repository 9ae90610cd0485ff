/**
 * `data.augment` and `data.preprocess` across real processes: every worker fits the same preprocessing
 * stats and draws the same crops and flips, so 1 and 3 workers give the in-process fingerprint.
 */
import { strict as assert } from 'node:assert';
import { Cluster, clusterPerTest, referenceFingerprint } from '../helpers/cluster';

/** A small CNN on 24×24 random crops of mean-subtracted MNIST (2 epochs, 3 shards per batch). */
const SPEC = {
  name: 'e2e-augment',
  data: {
    subset: 300,
    split: { val: 0.05, test: 0.05 },
    preprocess: { mean: 'per-pixel' },
    augment: { crop: 24, flip: true },
  },
  model: {
    input: [1, 24, 24],
    layers: [{ conv: { filters: 4, size: 3, pad: 1 } }, 'relu', { pool: 2 }, { affine: 10 }],
    loss: 'softmax',
    init: 'he',
  },
  train: { epochs: 2, batchSize: 50, shards: 3, seed: 21, learningRate: 0.01, update: 'momentum' },
};

describe('augmentation and preprocessing with real processes', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('gives the in-process fingerprint with 1 and 3 worker processes', async () => {
    const reference = referenceFingerprint(SPEC, 100_000);
    await cluster.startCoordinator();
    const fingerprints: string[] = [];
    await cluster.startWorkers(['a1']);
    for (const ids of [[], ['a2', 'a3']]) {
      if (ids.length > 0) await cluster.startWorkers(ids);
      const { done } = await cluster.submitAndWatch(SPEC);
      assert.equal(done.status, 'finished', JSON.stringify(done));
      fingerprints.push(String(done.fingerprint));
    }
    const ref = await reference;
    assert.match(ref, /^[0-9a-f]{64}$/);
    assert.deepEqual(fingerprints, [ref, ref]);
  });
});
