import { strict as assert } from 'node:assert';
import type { Backend } from '../../../src/backend/backend';
import { ReferenceRunner } from '../../../src/backend/reference';
import { CHECK_NAMES, type CheckResult } from '../../../src/check/check-result';
import { runChecks } from '../../../src/check/run-checks';
import { referenceBackend, specOf, syntheticData } from './synthetic-data';

describe('check: all five, on a spec', () => {
  let backend: Backend;
  const float64 = new ReferenceRunner();
  beforeEach(() => (backend = referenceBackend()));
  afterEach(async () => backend.close());
  const data = syntheticData(200, [16], 10);

  it('runs the checks in order, reports each as it finishes, and passes a sane spec', async () => {
    const spec = specOf(
      { input: [16], layers: [{ affine: 40 }, 'relu', { affine: 10 }], init: 'he' },
      { learningRate: 0.05, batchSize: 20, reg: 1e-4 },
    );
    const seen: CheckResult[] = [];
    const results = await runChecks(spec, data, { backend, float64 }, {}, (r) => seen.push(r));
    assert.deepEqual(
      results.map((r) => r.name),
      [...CHECK_NAMES],
    );
    assert.deepEqual(seen, results);
    for (const r of results) assert.ok(r.pass, r.message);
  });

  it('rejects a model that does not fit the data (E_BAD_SPEC)', async () => {
    const spec = specOf({ input: [15], layers: [{ affine: 10 }] });
    await assert.rejects(runChecks(spec, data, { backend, float64 }), { code: 'E_BAD_SPEC' });
  });
});
