/**
 * The recipe's own checks on the real embedded MNIST digits, through the in-process trainer:
 * sanity of the initial loss, overfitting a tiny subset, and real accuracy of the two-layer net and a CNN.
 */
import { strict as assert } from 'node:assert';
import { RunnerBackend, type Backend } from '../../src/backend/backend';
import { GpuJsRunner } from '../../src/backend/gpujs';
import { ReferenceRunner } from '../../src/backend/reference';
import { gatherBatch } from '../../src/data/dataset';
import { initParams } from '../../src/model/init';
import { regularizationLoss } from '../../src/model/regularizers';
import { Sequential } from '../../src/model/sequential';
import { parseJobSpec } from '../../src/train/job-spec';
import { loadJobData, runJob } from '../../src/train/run-job';
import type { TrainEvent } from '../../src/train/trainer';

const TWO_LAYER = {
  input: [784],
  layers: [{ affine: 50 }, 'relu', { affine: 10 }],
  loss: 'softmax',
  init: { gaussian: 1e-4 },
};

function spec(model: object, train: object, data: object = {}) {
  return parseJobSpec({ data, model, train });
}

describe('the recipe on real MNIST digits', function () {
  this.timeout(180_000);
  let backend: Backend;
  afterEach(async () => backend?.close());

  it('starts the 784-50-10 net at a loss of ln(10), and higher with regularisation', async () => {
    backend = new RunnerBackend(new ReferenceRunner());
    const job = spec(TWO_LAYER, { learningRate: 1e-3, seed: 11 });
    const net = Sequential.fromSpec(job.model);
    const { train } = loadJobData(job.data, job.train.seed);
    const params = initParams(net, job.train.seed, (n) => backend.alloc(n));
    const idx = Uint32Array.from({ length: 1000 }, (_, i) => i);
    const batch = gatherBatch(train, idx, (n) => backend.alloc(n));
    const { lossSum } = await backend.evaluate(net, params, batch.x, batch.labels, idx.length);
    const dataLoss = lossSum / idx.length;
    const withReg = dataLoss + regularizationLoss(net.params, params, { l2: 1e3, l1: 0, maxNorm: 0 });
    assert.ok(
      Math.abs(dataLoss - Math.log(10)) < 0.02,
      `initial loss ${dataLoss} vs ln(10) = ${Math.log(10)}`,
    );
    assert.ok(withReg > dataLoss, `reg 1e3 loss ${withReg} should exceed ${dataLoss}`);
  });

  it('overfits 20 examples with plain full-batch sgd to train accuracy 1.0 and a cost under 0.1', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(
      TWO_LAYER,
      { epochs: 200, sampleBatches: false, update: 'sgd', learningRate: 0.5, learningRateDecay: 1, seed: 7 },
      { subset: 20, split: { val: 0.02, test: 0.1 } },
    );
    const epochs: TrainEvent[] = [];
    const { result } = await runJob(job, backend, (e) => epochs.push(e));
    const last = epochs[epochs.length - 1];
    assert.equal(result.status, 'finished');
    assert.equal(result.iterations, 200, 'full-batch descent makes one update per epoch');
    assert.ok(last.type === 'epoch' && last.trainAcc === 1, `train accuracy ${JSON.stringify(last)}`);
    assert.ok(last.type === 'epoch' && last.cost < 0.1, `final cost ${JSON.stringify(last)}`);
    assert.ok(last.type === 'epoch' && last.lr === 0.5, 'a decay of 1 keeps the learning rate constant');
  });

  it('trains the two-layer net with momentum for 5 epochs to validation accuracy ≥ 0.90', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(
      { ...TWO_LAYER },
      {
        epochs: 5,
        batchSize: 100,
        update: 'momentum',
        learningRate: 0.05,
        learningRateDecay: 0.95,
        reg: 1e-4,
        seed: 7,
      },
    );
    const events: TrainEvent[] = [];
    const { result, splits } = await runJob(job, backend, (e) => events.push(e));
    assert.equal(splits.train.count, 8000);
    assert.equal(splits.val.count, 1000);
    assert.equal(result.iterations, 5 * 80);
    assert.equal(events.filter((e) => e.type === 'epoch').length, 6, 'epoch 0 plus one line per epoch');
    assert.ok(result.bestValAcc >= 0.9, `best validation accuracy ${result.bestValAcc}`);
    assert.equal(result.valAccHistory.length, 6);
    assert.ok(
      result.lossHistory[result.lossHistory.length - 1] < result.lossHistory[0] / 4,
      'the loss falls',
    );
  });

  it('trains a small CNN (conv-relu-pool-affine) to validation accuracy ≥ 0.90', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(
      {
        input: [1, 28, 28],
        layers: [{ conv: { filters: 8, size: 5, pad: 2 } }, 'relu', { pool: 2 }, { affine: 10 }],
        loss: 'softmax',
        init: 'he',
      },
      { epochs: 2, batchSize: 50, update: 'momentum', learningRate: 0.02, seed: 7 },
    );
    const { result } = await runJob(job, backend, () => {});
    assert.equal(result.status, 'finished');
    assert.ok(result.bestValAcc >= 0.9, `best validation accuracy ${result.bestValAcc}`);
  });

  it('stops a run whose loss explodes and says the learning rate is too high', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(
      { ...TWO_LAYER, init: 'he' },
      { epochs: 1, learningRate: 1e6, seed: 3 },
      { subset: 500 },
    );
    const { result } = await runJob(job, backend, () => {});
    assert.equal(result.status, 'diverged');
    assert.match(
      result.diagnosis ?? '',
      /loss exploded .* at iteration 1 .*learning rate is probably too high \(1000000\)/,
    );
    assert.equal(result.iterations, 2, 'stopped at the first exploded batch, before its update');
  });

  it('stops a run whose loss becomes NaN', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    // float32 scores overflow to ±inf with a learning rate this large; inf − inf in the loss is NaN.
    const job = spec(
      { ...TWO_LAYER, init: { gaussian: 1 } },
      { epochs: 1, learningRate: 1e30, stopIfLossAbove: 1e300, seed: 3 },
      { subset: 500 },
    );
    const { result } = await runJob(job, backend, () => {});
    assert.equal(result.status, 'diverged');
    assert.match(
      result.diagnosis ?? '',
      /loss became (NaN|infinite) at iteration \d+ \(epoch 0\): the learning rate is probably too high/,
    );
  });

  it('hints that the learning rate is too low when the loss barely moves over the first epoch', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(TWO_LAYER, { epochs: 1, learningRate: 1e-9, seed: 3 }, { subset: 1000 });
    const hints: string[] = [];
    await runJob(job, backend, (e) => e.type === 'hint' && hints.push(e.message));
    assert.equal(hints.length, 1);
    assert.match(hints[0], /learning rate is probably too low or the regularisation too strong/);
  });

  it('gives no such hint when the loss falls', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(TWO_LAYER, { epochs: 1, learningRate: 0.05, seed: 3 });
    const hints: string[] = [];
    await runJob(job, backend, (e) => e.type === 'hint' && hints.push(e.message));
    assert.deepEqual(hints, []);
  });
});
