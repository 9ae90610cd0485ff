import { strict as assert } from 'node:assert';
import type { Dataset } from '../../../src/data/dataset';
import { splitDataset } from '../../../src/data/split';
import { GradpoolError } from '../../../src/shared/errors';
import { parseJobSpec } from '../../../src/train/job-spec';
import { foldOf } from '../../../src/train/run-job';

/** A dataset whose sample i has the single feature i, so subsets reveal their original indices. */
function indexed(count: number): Dataset {
  return {
    x: Float32Array.from({ length: count }, (_, i) => i),
    source: 'test',
    labels: Uint8Array.from({ length: count }, (_, i) => i % 3),
    count,
    sampleShape: [1],
    numClasses: 3,
  };
}

const ids = (d: Dataset) => [...d.x].map((v) => Math.round(v));

function spec(split: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'kf',
    data: { train: 'builtin:mnist', split },
    model: { input: [784], layers: [{ affine: 10 }], loss: 'softmax', init: { gaussian: 0.0001 } },
    train: { epochs: 1, learningRate: 1e-3 },
    ...extra,
  };
}

function badSpec(raw: unknown, field: string): void {
  assert.throws(
    () => parseJobSpec(raw),
    (e: unknown) =>
      e instanceof GradpoolError && e.code === 'E_BAD_SPEC' && e.message.includes(field) ? true : false,
  );
}

describe('k-fold job splits', () => {
  it('holds test out as without folds, then cuts the rest into disjoint folds covering it', () => {
    const all = indexed(103);
    const seed = 5;
    const held = splitDataset(all, { val: 0, test: 0.1 }, seed);
    const k = 4;
    const seen = new Set<number>();
    for (let i = 0; i < k; i++) {
      const s = foldOf(held, k, i, seed);
      assert.deepEqual(ids(s.test), ids(held.test), 'test untouched');
      const train = ids(s.train);
      const val = ids(s.val);
      assert.ok(
        val.every((v) => !train.includes(v)),
        'train and val disjoint',
      );
      assert.deepEqual(
        [...train, ...val].sort((a, b) => a - b),
        ids(held.train).sort((a, b) => a - b),
      );
      for (const v of val) {
        assert.ok(!seen.has(v), 'folds disjoint');
        seen.add(v);
      }
      assert.ok(val.every((v) => !ids(held.test).includes(v)));
    }
    assert.equal(seen.size, held.train.count, 'the folds cover the non-test data');
    assert.deepEqual(ids(foldOf(held, k, 2, seed).val), ids(foldOf(held, k, 2, seed).val), 'deterministic');
  });

  it('parses folds and fold, with val 0', () => {
    const p = parseJobSpec(spec({ folds: 5, test: 0.1 }));
    assert.deepEqual(p.data.split, { val: 0, test: 0.1, folds: 5 });
    assert.deepEqual(parseJobSpec(spec({ folds: 3, fold: 2, val: 0 })).data.split, {
      val: 0,
      test: 0.1,
      folds: 3,
      fold: 2,
    });
    assert.equal(parseJobSpec(spec({})).data.split.folds, undefined);
  });

  it('rejects bad k-fold specs', () => {
    badSpec(spec({ folds: 5, val: 0.1 }), 'data.split');
    badSpec(spec({ folds: 1 }), 'data.split.folds');
    badSpec(spec({ folds: 2.5 }), 'data.split.folds');
    badSpec(spec({ fold: 0 }), 'data.split.fold');
    badSpec(spec({ folds: 3, fold: 3 }), 'data.split.fold');
    badSpec(spec({ folds: 3, fold: -1 }), 'data.split.fold');
    badSpec(spec({ folds: 3 }, { search: {} }), 'data.split.folds');
  });
});
