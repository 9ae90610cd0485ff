import { strict as assert } from 'node:assert';
import { foldSummary, kFoldSplits } from '../../../src/data/kfold';
import { GradpoolError } from '../../../src/shared/errors';

describe('kfold', () => {
  it('makes disjoint folds that cover every index once, with sizes within 1', () => {
    for (const [count, k] of [
      [10, 3],
      [103, 5],
      [7, 7],
      [2, 2],
    ]) {
      const splits = kFoldSplits(count, k, 9);
      assert.equal(splits.length, k);
      const seen = new Uint32Array(count);
      for (const { train, val } of splits) {
        for (const i of val) seen[i]++;
        const all = [...train, ...val].sort((a, b) => a - b);
        assert.deepEqual(all, [...Array(count).keys()], `train ∪ val = all for ${count}/${k}`);
        assert.equal(new Set(all).size, count, 'train and val are disjoint');
      }
      assert.ok(
        seen.every((c) => c === 1),
        'each index validates exactly once',
      );
      const sizes = splits.map((s) => s.val.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
    }
  });

  it('depends only on the seed', () => {
    assert.deepEqual(kFoldSplits(50, 5, 1), kFoldSplits(50, 5, 1));
    assert.notDeepEqual(kFoldSplits(50, 5, 1), kFoldSplits(50, 5, 2));
  });

  it('is not simply contiguous blocks of indices', () => {
    const val = kFoldSplits(100, 4, 3)[0].val;
    assert.notDeepEqual([...val], [...Array(25).keys()]);
  });

  it('rejects k below 2 or above count', () => {
    const bad = (e: unknown) =>
      e instanceof GradpoolError && e.code === 'E_BAD_SPEC' && e.field === 'data.split.folds';
    assert.throws(() => kFoldSplits(10, 1, 0, 'data.split.folds'), bad);
    assert.throws(() => kFoldSplits(10, 11, 0, 'data.split.folds'), bad);
    assert.throws(() => kFoldSplits(10, 2.5, 0, 'data.split.folds'), bad);
    assert.throws(
      () => kFoldSplits(-1, 2, 0),
      (e: unknown) => e instanceof GradpoolError && e.code === 'E_BAD_ARGS',
    );
  });

  it('summarises accuracies with the sample standard deviation', () => {
    // mean 0.5; squared deviations 0.01, 0, 0.01, 0 → sum 0.02; / (4 − 1) → std √(0.02/3)
    const s = foldSummary([0.4, 0.5, 0.6, 0.5]);
    assert.ok(Math.abs(s.mean - 0.5) < 1e-12);
    assert.ok(Math.abs(s.std - Math.sqrt(0.02 / 3)) < 1e-12);
    assert.equal(s.min, 0.4);
    assert.equal(s.max, 0.6);
    assert.deepEqual(foldSummary([0.7]), { mean: 0.7, std: 0, min: 0.7, max: 0.7 });
    assert.throws(() => foldSummary([]), GradpoolError);
    assert.throws(() => foldSummary([0.5, NaN]), GradpoolError);
  });
});
