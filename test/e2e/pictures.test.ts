/**
 * Pictures of distributed jobs: `gradpool train --workers N --pictures DIR` writes them at the end, and
 * `gradpool export JOB -o model.json` writes them beside the model; GetJobHistory gives the curves.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { weightGridPng } from '../../src/report/weight-grid';
import { Cluster, clusterPerTest } from '../helpers/cluster';

const SPEC = {
  name: 'pictures',
  data: { subset: 300, split: { val: 0.05, test: 0.05 } },
  model: {
    input: [1, 28, 28],
    layers: [{ conv: { filters: 6, size: 5, stride: 3 } }, 'relu', { affine: 10 }],
    loss: 'softmax',
  },
  train: { epochs: 2, batchSize: 50, learningRate: 0.02, seed: 21, shards: 2 },
};

function png(path: string): PNG {
  return PNG.sync.read(readFileSync(path));
}

describe('pictures of distributed jobs', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('train --workers 1 --pictures DIR writes the loss, accuracy and weight pictures at the end', async () => {
    const dir = join(cluster.scratch, 'pics');
    const run = await cluster.cli([
      'train',
      cluster.specFile(SPEC),
      '--workers',
      '1',
      '--pictures',
      dir,
      '--json',
    ]);
    assert.equal(run.code, 0, run.tail());
    const pictures = run.events().find((e) => e.type === 'pictures');
    assert.deepEqual(pictures, {
      type: 'pictures',
      loss: join(dir, 'loss.png'),
      accuracy: join(dir, 'accuracy.png'),
      weights: join(dir, 'weights.png'),
    });
    const loss = png(join(dir, 'loss.png'));
    assert.deepEqual([loss.width, loss.height], [640, 400]);
    const acc = png(join(dir, 'accuracy.png'));
    assert.deepEqual([acc.width, acc.height], [640, 400]);
    assert.ok(png(join(dir, 'weights.png')).width > 0);
  });

  it('export writes the model and, beside it, pictures of its curves and its first-layer weights', async () => {
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['w1']);
    const { jobId, done } = await cluster.submitAndWatch(SPEC);
    assert.equal(done.status, 'finished', JSON.stringify(done));

    const history = await cluster.client().jobHistory(jobId);
    assert.equal(
      history.loss.length,
      2 * (300 / 50),
      'one cost per update: 2 epochs of 300 samples in batches of 50',
    );
    assert.ok(history.loss.every((v) => Number.isFinite(v) && v > 0));
    assert.equal(history.trainAcc.length, 3, 'epoch 0 and the two epoch ends');
    assert.equal(history.valAcc.length, 3);

    const file = join(cluster.scratch, 'model.json');
    const run = await cluster.cli(['export', jobId, '-o', file, '--coordinator', coordinator.address]);
    assert.equal(run.code, 0, run.tail());
    const model = JSON.parse(readFileSync(file, 'utf8')) as {
      params: { name: string; shape: number[]; data: string }[];
    };
    assert.equal(model.params[0].name, 'conv1.weight');
    // The weight picture is exactly the grid of the exported first-layer weights: 6 tiles of 5×5.
    const bytes = Buffer.from(model.params[0].data, 'base64');
    const weight = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const expected = PNG.sync.read(weightGridPng(weight, model.params[0].shape, [1, 28, 28]));
    const weights = png(join(cluster.scratch, 'model.weights.png'));
    assert.deepEqual([weights.width, weights.height], [expected.width, expected.height]);
    assert.ok(weights.data.equals(expected.data), 'weights.png shows the exported weights');
    for (const name of ['model.loss.png', 'model.accuracy.png']) {
      const p = png(join(cluster.scratch, name));
      assert.deepEqual([p.width, p.height], [640, 400], name);
    }
    assert.match(run.stderr, /pictures: .*model\.loss\.png .*model\.accuracy\.png .*model\.weights\.png/);
  });

  it('GetJobHistory of an unknown job is NOT_FOUND', async () => {
    await cluster.startCoordinator();
    await assert.rejects(cluster.client().jobHistory('j-999999'), /NOT_FOUND/);
  });
});
