import { strict as assert } from 'node:assert';
import type { Backend } from '../../../src/backend/backend';
import { checkRegularization, regularizationUnderTest } from '../../../src/check/regularization';
import { NO_REG } from '../../../src/model/regularizers';
import { netOf, referenceBackend, specOf, syntheticData } from './synthetic-data';

describe('check: regularisation raises the loss', () => {
  let backend: Backend;
  beforeEach(() => (backend = referenceBackend()));
  afterEach(async () => backend.close());
  const data = syntheticData(30, [16], 10);
  const spec = specOf({
    input: [16],
    layers: [{ affine: 20 }, 'relu', { affine: 10 }],
    init: { gaussian: 1e-3 },
  });

  it("uses the recipe's l2 1e3 when the spec has no L1/L2 (max-norm alone does not count)", async () => {
    const { net, params } = netOf(spec, backend);
    const r = await checkRegularization(backend, net, params, data, { ...NO_REG, maxNorm: 3 });
    assert.ok(r.pass, r.message);
    assert.match(r.message, /l2 1000, the recipe’s default; the spec has none/);
    assert.deepEqual(regularizationUnderTest({ ...NO_REG, maxNorm: 3 }, 1e3).reg, {
      l2: 1e3,
      l1: 0,
      maxNorm: 0,
    });
  });

  it("uses the spec's strengths, and the loss is strictly higher with them", async () => {
    const { net, params } = netOf(spec, backend);
    const r = await checkRegularization(backend, net, params, data, { l2: 0.5, l1: 1e-3, maxNorm: 0 });
    assert.ok(r.pass, r.message);
    assert.match(r.message, /\(l2 0\.5, l1 0\.001, the spec’s\)/);
    const plain = Number(/^> (\S+)$/.exec(r.expected)?.[1]);
    assert.ok(r.value > plain, `${r.value} vs ${plain}`);
  });

  it('fails when the term adds nothing (every weight zero)', async () => {
    const { net, params } = netOf(spec, backend);
    for (const p of params) p.fill(0);
    const r = await checkRegularization(backend, net, params, data, NO_REG);
    assert.equal(r.pass, false);
    assert.match(r.message, /did not rise/);
  });
});
