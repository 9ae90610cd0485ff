/**
 * `data.preprocess` and `data.augment` as job-spec features, in process: preprocessing fitted on the
 * training split only, and a random crop that trains a model whose input is the crop.
 */
import { strict as assert } from 'node:assert';
import { RunnerBackend, type Backend } from '../../src/backend/backend';
import { GpuJsRunner } from '../../src/backend/gpujs';
import { fitPreprocess, preprocessDataset } from '../../src/data/preprocess';
import { GradpoolError } from '../../src/shared/errors';
import { parseJobSpec } from '../../src/train/job-spec';
import { loadJobData, runJob } from '../../src/train/run-job';

const CNN = (input: number[]) => ({
  input,
  layers: [{ conv: { filters: 4, size: 5, pad: 2 } }, 'relu', { pool: 2 }, { affine: 10 }],
  loss: 'softmax',
  init: 'he',
});

function spec(data: object, model: object = CNN([1, 28, 28])) {
  return parseJobSpec({ data, model, train: { epochs: 1, batchSize: 50, learningRate: 0.01, seed: 5 } });
}

describe('data.preprocess and data.augment in a job', function () {
  this.timeout(120_000);
  let backend: Backend | undefined;
  afterEach(async () => backend?.close());

  it('gives the training split a per-pixel mean of ~0 with mean: per-pixel', () => {
    const { train } = loadJobData(spec({ subset: 500, preprocess: { mean: 'per-pixel' } }).data, 5);
    const d = 784;
    let worst = 0;
    for (let p = 0; p < d; p++) {
      let sum = 0;
      for (let i = 0; i < train.count; i++) sum += train.x[i * d + p];
      worst = Math.max(worst, Math.abs(sum / train.count));
    }
    assert.ok(worst < 1e-5, `largest per-pixel mean ${worst}`);
  });

  it('fits the stats on the training split only and applies them to val and test', () => {
    const data = { subset: 500, split: { val: 0.1, test: 0.1 } };
    const raw = loadJobData(spec(data).data, 5);
    const done = loadJobData(spec({ ...data, preprocess: { mean: 'per-pixel', std: true } }).data, 5);
    const stats = fitPreprocess(raw.train, {
      mean: 'per-pixel',
      std: true,
      pca: 0,
      whiten: false,
      eps: 1e-5,
    });
    assert.deepEqual(done.train.x, preprocessDataset(stats, raw.train).x);
    assert.deepEqual(done.val.x, preprocessDataset(stats, raw.val).x);
    assert.deepEqual(done.test.x, preprocessDataset(stats, raw.test).x);
    // Stats fitted on val would differ: val's own mean is not what was subtracted.
    const valStats = fitPreprocess(raw.val, stats.spec);
    assert.notDeepEqual(done.val.x, preprocessDataset(valStats, raw.val).x);
  });

  it('trains a [1, 24, 24] model on MNIST with crop 24 and flip', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec(
      { subset: 200, augment: { crop: 24, flip: true }, preprocess: { mean: 'per-pixel' } },
      CNN([1, 24, 24]),
    );
    const out = await runJob(job, backend, () => {});
    assert.equal(out.result.status, 'finished');
    assert.ok(out.result.lossHistory.every((c) => Number.isFinite(c)));
    assert.match(out.fingerprint, /^[0-9a-f]{64}$/);
  });

  it('rejects a [1, 28, 28] model with crop 24, naming model.input and the crop', async () => {
    backend = new RunnerBackend(new GpuJsRunner('cpu'));
    const job = spec({ subset: 200, augment: { crop: 24 } }, CNN([1, 28, 28]));
    await assert.rejects(
      runJob(job, backend, () => {}),
      (e: unknown) => {
        assert.ok(e instanceof GradpoolError);
        assert.equal(e.code, 'E_BAD_SPEC');
        assert.equal(e.field, 'model.input');
        assert.match(e.message, /crop 24/);
        assert.match(e.message, /\[1,24,24\]/);
        return true;
      },
    );
  });

  it('rejects a crop larger than the preprocessed samples, naming data.augment.crop', () => {
    assert.throws(
      () => loadJobData(spec({ subset: 100, augment: { crop: 30 } }).data, 5),
      (e: unknown) =>
        e instanceof GradpoolError && e.code === 'E_BAD_SPEC' && e.field === 'data.augment.crop',
    );
  });
});
