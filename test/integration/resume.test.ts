/** A run resumed from a TrainState snapshot ends bit-identically to an uninterrupted run. */
import { strict as assert } from 'node:assert';
import { RunnerBackend } from '../../src/backend/backend';
import { GpuJsRunner } from '../../src/backend/gpujs';
import { initParams } from '../../src/model/init';
import { Sequential } from '../../src/model/sequential';
import { fingerprint } from '../../src/train/fingerprint';
import { parseJobSpec } from '../../src/train/job-spec';
import { LocalExecutor } from '../../src/train/local-executor';
import { loadJobData } from '../../src/train/run-job';
import { cloneTrainState, type TrainState } from '../../src/train/train-state';
import { Trainer, type TrainEvent } from '../../src/train/trainer';

describe('resuming training', function () {
  this.timeout(60_000);

  it('continues from a mid-epoch snapshot to the same fingerprint, events and histories', async () => {
    const spec = parseJobSpec({
      data: { subset: 300, split: { val: 0.05, test: 0.05 } },
      model: {
        input: [784],
        layers: [{ affine: 12 }, 'relu', { dropout: 0.6 }, { affine: 10 }],
        loss: 'softmax',
      },
      train: {
        epochs: 3,
        batchSize: 25,
        update: 'rmsprop',
        learningRate: 3e-3,
        reg: { l2: 1e-3, maxNorm: 2 },
        seed: 4,
        shards: 3,
      },
    });
    const backend = new RunnerBackend(new GpuJsRunner('cpu'));
    try {
      const net = Sequential.fromSpec(spec.model);
      const splits = loadJobData(spec.data, spec.train.seed);
      const executor = new LocalExecutor(backend, net, splits, spec);
      const counts = { train: splits.train.count, val: splits.val.count };
      const initial = initParams(net, spec.train.seed, (n) => backend.alloc(n));

      let snapshot: TrainState | undefined;
      const fullEvents: TrainEvent[] = [];
      const full = await new Trainer(executor).train(net, initial, counts, spec.train, {
        onEvent: (e) => fullEvents.push(e),
        afterIteration: (state) => {
          if (state.iteration === 17) snapshot = cloneTrainState(state); // mid-epoch 1 (12 iterations per epoch)
        },
      });
      assert.ok(snapshot, 'a snapshot was taken');
      const resumedEvents: TrainEvent[] = [];
      const resumed = await new Trainer(executor).train(net, initial, counts, spec.train, {
        resume: snapshot,
        onEvent: (e) => resumedEvents.push(e),
      });
      assert.equal(resumed.iterations, full.iterations);
      assert.equal(fingerprint(resumed.finalParams), fingerprint(full.finalParams));
      assert.equal(fingerprint(resumed.bestParams), fingerprint(full.bestParams));
      assert.deepEqual(resumed.lossHistory, full.lossHistory);
      assert.deepEqual(resumed.valAccHistory, full.valAccHistory);
      assert.deepEqual(resumedEvents, fullEvents.slice(fullEvents.length - resumedEvents.length));
      assert.equal(
        resumedEvents.filter((e) => e.type === 'epoch').length,
        2,
        'epochs 2 and 3 are reported after the resume',
      );
    } finally {
      await backend.close();
    }
  });
});
