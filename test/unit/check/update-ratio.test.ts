import { strict as assert } from 'node:assert';
import type { Backend } from '../../../src/backend/backend';
import { checkUpdateRatio, measureUpdateRatios } from '../../../src/check/update-ratio';
import { netOf, referenceBackend, specOf, syntheticData } from './synthetic-data';

describe('check: update/weight ratio', () => {
  let backend: Backend;
  beforeEach(() => (backend = referenceBackend()));
  afterEach(async () => backend.close());
  const data = syntheticData(200, [16], 10);
  const model = { input: [16], layers: [{ affine: 20 }, 'relu', { affine: 10 }], init: 'he' };

  it('passes a sane learning rate and lists the ratio of every weight tensor', async () => {
    const spec = specOf(model, { learningRate: 1e-2, update: 'momentum', batchSize: 20 });
    const { net, params } = netOf(spec, backend);
    const r = await checkUpdateRatio(backend, net, params, data, spec.train);
    assert.equal(r.name, 'update-ratio');
    assert.ok(r.pass, r.message);
    assert.ok(r.value >= 1e-5 && r.value <= 1e-1, `${r.value}`);
    assert.match(r.message, /^update\/weight ratios fc1\.weight \S+, fc2\.weight \S+ in \[1e-5, 1e-1\]/);
    assert.match(r.message, /over 5 steps/);
  });

  it('fails a learning rate of 1e6: the loss explodes and the rate is too high', async () => {
    const spec = specOf(model, { learningRate: 1e6, batchSize: 20 });
    const { net, params } = netOf(spec, backend);
    const r = await checkUpdateRatio(backend, net, params, data, spec.train);
    assert.equal(r.pass, false);
    assert.match(r.message, /^learning rate too high \(momentum, lr 1e6\): the loss explodes/);
    assert.ok(r.value > 1e-1, `${r.value}`);
  });

  it('fails a tiny learning rate as too low', async () => {
    const spec = specOf(model, { learningRate: 1e-9, update: 'sgd', batchSize: 20 });
    const { net, params } = netOf(spec, backend);
    const r = await checkUpdateRatio(backend, net, params, data, spec.train);
    assert.equal(r.pass, false);
    assert.ok(r.value < 1e-5);
    assert.match(r.message, /far below ~1e-3: learning rate too low/);
  });

  it('measures ‖Δw‖ / ‖w‖: one plain sgd step at twice the rate gives twice the ratio', async () => {
    const spec = specOf(
      { input: [16], layers: [{ affine: 10 }], init: 'he' },
      { learningRate: 0.1, update: 'sgd', sampleBatches: false },
    );
    const { net, params } = netOf(spec, backend);
    const few = syntheticData(30, [16], 10);
    const once = await measureUpdateRatios(backend, net, params, few, spec.train, { steps: 1 });
    assert.equal(once.losses.length, 1);
    const ratio = once.ratios.get('fc1.weight') ?? NaN;
    assert.ok(ratio > 0 && Number.isFinite(ratio));
    const train2 = { ...spec.train, learningRate: 0.2 };
    const twice = await measureUpdateRatios(backend, net, params, few, train2, { steps: 1 });
    const ratio2 = twice.ratios.get('fc1.weight') ?? NaN;
    assert.ok(Math.abs(ratio2 / ratio - 2) < 1e-9, `${ratio2} / ${ratio}`);
  });
});
