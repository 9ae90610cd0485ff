/** The test split is sacred: disjoint from training and validation, and never read while training. */
import { strict as assert } from 'node:assert';
import { RunnerBackend } from '../../../src/backend/backend';
import { GpuJsRunner } from '../../../src/backend/gpujs';
import type { Dataset } from '../../../src/data/dataset';
import { splitDataset } from '../../../src/data/split';
import { initParams } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { parseJobSpec } from '../../../src/train/job-spec';
import { LocalExecutor } from '../../../src/train/local-executor';
import { loadJobData } from '../../../src/train/run-job';
import type { EvalSplitName, StepExecutor } from '../../../src/train/step-executor';
import { Trainer } from '../../../src/train/trainer';

describe('the test split', () => {
  it('is disjoint from the training and validation splits, and together they are the whole dataset', () => {
    const count = 1000;
    // Pixel 0 of sample i holds i, so every split says which samples it took.
    const x = new Float32Array(count * 4);
    for (let i = 0; i < count; i++) x[i * 4] = i;
    const d: Dataset = {
      source: 'test',
      x,
      labels: new Uint8Array(count),
      count,
      sampleShape: [4],
      numClasses: 2,
    };
    const s = splitDataset(d, { val: 0.1, test: 0.15 }, 3);
    const ids = (part: Dataset) => Array.from({ length: part.count }, (_, i) => part.x[i * 4]);
    const [train, val, test] = [ids(s.train), ids(s.val), ids(s.test)];
    assert.equal(test.length, 150);
    assert.equal(val.length, 100);
    const all = new Set([...train, ...val, ...test]);
    assert.equal(all.size, count, 'no sample is in two splits, none is missing');
  });

  it('is never evaluated while training: the trainer only asks for train and val', async () => {
    const spec = parseJobSpec({
      data: { subset: 200, split: { val: 0.05, test: 0.05 } },
      model: { input: [784], layers: [{ affine: 8 }, 'relu', { affine: 10 }], loss: 'softmax' },
      train: { epochs: 2, batchSize: 50, learningRate: 0.05, seed: 4 },
    });
    const backend = new RunnerBackend(new GpuJsRunner('cpu'));
    try {
      const net = Sequential.fromSpec(spec.model);
      const splits = loadJobData(spec.data, spec.train.seed);
      const local = new LocalExecutor(backend, net, splits, spec);
      const asked: EvalSplitName[] = [];
      const spy: StepExecutor = {
        alloc: (n) => local.alloc(n),
        shardSums: (...a) => local.shardSums(...a),
        evaluate: (version, params, split, indices) => {
          asked.push(split);
          return local.evaluate(version, params, split, indices);
        },
      };
      const counts = { train: splits.train.count, val: splits.val.count };
      await new Trainer(spy).train(
        net,
        initParams(net, 4, (n) => backend.alloc(n)),
        counts,
        spec.train,
      );
      assert.ok(asked.length > 0);
      assert.deepEqual([...new Set(asked)].sort(), ['train', 'val']);
    } finally {
      await backend.close();
    }
  });
});
