import { strict as assert } from 'node:assert';
import type { Backend } from '../../../src/backend/backend';
import { firstRows } from '../../../src/check/check-batch';
import { checkOverfit, overfitRun } from '../../../src/check/overfit';
import { netOf, referenceBackend, specOf, syntheticData } from './synthetic-data';

describe('check: overfit a tiny subset', () => {
  let backend: Backend;
  beforeEach(() => (backend = referenceBackend()));
  afterEach(async () => backend.close());
  const data = syntheticData(40, [16], 10);
  const big = { input: [16], layers: [{ affine: 40 }, 'relu', { affine: 10 }], init: 'he' };

  it('passes when plain full-batch sgd reaches train accuracy 1.0 on 20 samples', async () => {
    const { net, params } = netOf(specOf(big), backend);
    const r = await checkOverfit(backend, net, params, data, 0.5);
    assert.equal(r.name, 'overfit');
    assert.ok(r.pass, r.message);
    assert.equal(r.value, 1);
    assert.match(
      r.message,
      /^overfit 20 samples: train accuracy 1\.000 after \d+ epochs \(sgd, full batch, lr 0\.5, reg 0/,
    );
  });

  it('fails a model too small to overfit, and says so', async () => {
    const { net, params } = netOf(
      specOf({ ...big, layers: [{ affine: 1 }, 'relu', { affine: 10 }] }),
      backend,
    );
    const r = await checkOverfit(backend, net, params, data, 0.05, { epochs: 100 });
    assert.equal(r.pass, false);
    assert.ok(r.value < 1);
    assert.match(r.message, /^could not overfit 20 samples: best train accuracy 0\.\d{3} after 100 epochs/);
    assert.match(r.message, /the model is probably too small/);
    assert.match(r.message, /0\.05: acc .*, 0\.5: acc .*, 0\.1: acc .*, 0\.02: acc /, 'every rate tried');
  });

  it("falls back to fixed rates when the spec's is too small for plain sgd, and says which worked", async () => {
    const { net, params } = netOf(specOf(big), backend);
    const r = await checkOverfit(backend, net, params, data, 1e-9, { epochs: 50 });
    assert.ok(r.pass, r.message);
    assert.match(r.message, /tried lr 1e-9: acc 0\.\d{3}, 0\.5: acc 1\.000/);
  });

  it('abandons a learning rate whose loss explodes', async () => {
    const { net, params } = netOf(specOf(big), backend);
    const batch = firstRows(data, 20, (n) => backend.alloc(n));
    const run = await overfitRun(backend, net, params, batch, 1e6, 200, 1);
    assert.equal(run.diverged, true);
    assert.ok(run.epochs < 200);
  });

  it('leaves the initial parameters untouched', async () => {
    const { net, params } = netOf(specOf(big), backend);
    const before = params.map((p) => Array.from(p));
    await checkOverfit(backend, net, params, data, 0.5);
    assert.deepEqual(
      params.map((p) => Array.from(p)),
      before,
    );
  });

  it('overfits a model with dropout (masks fixed per epoch, accuracy measured in test mode)', async () => {
    const spec = specOf({ ...big, layers: [{ affine: 60 }, 'relu', { dropout: 0.9 }, { affine: 10 }] });
    const { net, params } = netOf(spec, backend);
    const r = await checkOverfit(backend, net, params, data, 0.5, { samples: 10 });
    assert.ok(r.pass, r.message);
  });
});
