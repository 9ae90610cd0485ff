import { strict as assert } from 'node:assert';
import type { Backend } from '../../../src/backend/backend';
import { chanceLoss, checkInitialLoss } from '../../../src/check/initial-loss';
import { netOf, referenceBackend, specOf, syntheticData } from './synthetic-data';

describe('check: initial loss', () => {
  let backend: Backend;
  beforeEach(() => (backend = referenceBackend()));
  afterEach(async () => backend.close());
  const data = syntheticData(40, [16], 10);
  const model = { input: [16], layers: [{ affine: 20 }, 'relu', { affine: 10 }] };

  it('passes at a small init, with a loss of ln(C) for softmax', async () => {
    const { net, params } = netOf(specOf({ ...model, init: { gaussian: 1e-4 } }), backend);
    const r = await checkInitialLoss(backend, net, params, data);
    assert.equal(r.name, 'initial-loss');
    assert.ok(r.pass, r.message);
    assert.ok(Math.abs(r.value - Math.log(10)) < 1e-3, `${r.value}`);
    assert.match(r.message, /^initial loss 2\.30\d{4} ≈ ln\(10\) = 2\.302585 /);
    assert.equal(r.expected, '2.302585 ± 0.575646');
  });

  it('expects C − 1 for the SVM loss (Δ = 1, all scores near 0)', async () => {
    const { net, params } = netOf(specOf({ ...model, loss: 'svm', init: { gaussian: 1e-4 } }), backend);
    const r = await checkInitialLoss(backend, net, params, data);
    assert.ok(r.pass, r.message);
    assert.ok(Math.abs(r.value - 9) < 1e-2, `${r.value}`);
    assert.match(r.message, /≈ 10 − 1 = 9\.000000 /);
    assert.deepEqual(chanceLoss('svm', 3), { value: 2, formula: '3 − 1' });
  });

  it('passes with He init, whose initial scores are small enough', async () => {
    const { net, params } = netOf(specOf({ ...model, init: 'he' }), backend);
    assert.ok((await checkInitialLoss(backend, net, params, data)).pass);
  });

  it('fails a broken init scale and says the init is too large', async () => {
    const { net, params } = netOf(specOf({ ...model, init: { gaussian: 10 } }), backend);
    const r = await checkInitialLoss(backend, net, params, data);
    assert.equal(r.pass, false);
    assert.ok(r.value > 10 * Math.log(10), `${r.value}`);
    assert.match(
      r.message,
      /is far above ln\(10\) = 2\.302585: the init is too large \(init \{gaussian: 10\}/,
    );
  });

  it('fails a loss far below chance and says the scores already favour the right class', async () => {
    // One affine layer on one-hot inputs with W = 20·I: the right class wins by 20 at "initialisation".
    const oneHot = syntheticData(9, [3], 3);
    oneHot.x.fill(0);
    for (let i = 0; i < 9; i++) oneHot.x[i * 3 + oneHot.labels[i]] = 1;
    const { net, params } = netOf(specOf({ input: [3], layers: [{ affine: 3 }] }), backend);
    params[0].fill(0);
    for (let k = 0; k < 3; k++) params[0][k * 3 + k] = 20;
    const r = await checkInitialLoss(backend, net, params, oneHot);
    assert.equal(r.pass, false);
    assert.match(r.message, /is far below ln\(3\)/);
  });

  it('averages over at most `samples` samples and says how many', async () => {
    const { net, params } = netOf(specOf({ ...model, init: 'he' }), backend);
    const r = await checkInitialLoss(backend, net, params, data, { samples: 7 });
    assert.match(r.message, /7 samples/);
  });
});
