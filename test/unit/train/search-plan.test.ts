import { strict as assert } from 'node:assert';
import { parseJobSpec } from '../../../src/train/job-spec';
import {
  NARROW_WIDEN,
  narrowRanges,
  sampleTrial,
  specWithValues,
  trialSpecOf,
  type ScoredTrial,
} from '../../../src/train/search-plan';
import { parseSearchSpec, type SearchRange } from '../../../src/train/search-spec';

const RANGES: SearchRange[] = [
  { field: 'learningRate', lo: 1e-6, hi: 1e2 },
  { field: 'reg', lo: 1e-5, hi: 1e1 },
];

describe('search plan', () => {
  it('samples every value inside its range, log-uniformly: each decade gets its share', () => {
    const n = 4000;
    const decades = new Array(8).fill(0);
    const regs: number[] = [];
    for (let t = 0; t < n; t++) {
      const v = sampleTrial(RANGES, 7, 0, t);
      const lr = v.learningRate!;
      assert.ok(lr >= 1e-6 && lr <= 1e2, `lr ${lr}`);
      assert.ok(v.reg! >= 1e-5 && v.reg! <= 1e1, `reg ${v.reg}`);
      decades[Math.floor(Math.log10(lr) + 6)]++;
      regs.push(v.reg!);
    }
    // Uniform in log space: 1/8 of the samples per decade (±3.5σ of a binomial, n = 4000, p = 1/8).
    for (const [i, count] of decades.entries()) {
      assert.ok(Math.abs(count / n - 1 / 8) < 0.019, `decade 1e${i - 6}: ${count} of ${n}`);
    }
    // Linear-uniform sampling would put ~90 % of reg in the top decade; log-uniform puts 1/6 there.
    const top = regs.filter((r) => r >= 1).length / n;
    assert.ok(Math.abs(top - 1 / 6) < 0.03, `top decade of reg: ${top}`);
  });

  it('derives a trial from (seed, stage, trial) alone', () => {
    assert.deepEqual(sampleTrial(RANGES, 7, 1, 3), sampleTrial(RANGES, 7, 1, 3));
    const others = [sampleTrial(RANGES, 7, 1, 4), sampleTrial(RANGES, 7, 0, 3), sampleTrial(RANGES, 8, 1, 3)];
    for (const o of others) assert.notDeepEqual(o, sampleTrial(RANGES, 7, 1, 3));
  });

  it('narrows each range to [min / √10, max · √10] of the best `keep` finished trials, clipped', () => {
    const trials: ScoredTrial[] = [
      { trial: 0, values: { learningRate: 1e-3, reg: 1e-2 }, valAcc: 0.5, finished: true },
      { trial: 1, values: { learningRate: 1e-1, reg: 1e-4 }, valAcc: 0.6, finished: true },
      { trial: 2, values: { learningRate: 10, reg: 5 }, valAcc: 0.9, finished: false }, // diverged: ignored
      { trial: 3, values: { learningRate: 1e-5, reg: 1e-5 }, valAcc: 0.2, finished: true }, // not in the top 2
    ];
    const [lr, reg] = narrowRanges(RANGES, trials, 2);
    assert.equal(lr.field, 'learningRate');
    assert.ok(Math.abs(lr.lo - 1e-3 / NARROW_WIDEN) < 1e-15);
    assert.ok(Math.abs(lr.hi - 1e-1 * NARROW_WIDEN) < 1e-12);
    assert.ok(Math.abs(reg.lo - 1e-4 / NARROW_WIDEN) < 1e-15);
    assert.ok(Math.abs(reg.hi - 1e-2 * NARROW_WIDEN) < 1e-12);
    // Clipped to the previous range; one trial still leaves a range of positive width.
    const edge: ScoredTrial[] = [
      { trial: 0, values: { learningRate: 1e2, reg: 1e-5 }, valAcc: 0.3, finished: true },
    ];
    const [lr2, reg2] = narrowRanges(RANGES, edge, 3);
    assert.deepEqual([lr2.lo, lr2.hi], [1e2 / NARROW_WIDEN, 1e2]);
    assert.deepEqual([reg2.lo, reg2.hi], [1e-5, 1e-5 * NARROW_WIDEN]);
  });

  it('breaks ties by trial index and keeps the ranges when nothing finished', () => {
    const tied: ScoredTrial[] = [
      { trial: 5, values: { learningRate: 1e-1, reg: 1 }, valAcc: 0.1, finished: true },
      { trial: 2, values: { learningRate: 1e-4, reg: 1e-3 }, valAcc: 0.1, finished: true },
    ];
    const [lr] = narrowRanges(RANGES, tied, 1);
    assert.ok(Math.abs(lr.hi - 1e-4 * NARROW_WIDEN) < 1e-15);
    const diverged = tied.map((t) => ({ ...t, finished: false }));
    assert.deepEqual(narrowRanges(RANGES, diverged, 3), RANGES);
  });

  it("builds a trial's spec: values in train, the stage's epochs, the search's stopIfLossAbove, no search block", () => {
    const raw = {
      name: 'sweep',
      data: { subset: 200 },
      model: { input: [784], layers: [{ affine: 20 }, 'relu', { affine: 10 }], loss: 'softmax' },
      train: { epochs: 30, learningRate: 1e-3, reg: { l2: 1e-4, maxNorm: 3 }, stopIfLossAbove: 50 },
      search: { learningRate: [1e-6, 1], reg: [1e-5, 1], stages: [{ epochs: 1 }, { epochs: 4, keep: 2 }] },
    };
    const search = parseSearchSpec(raw.search);
    const values = { learningRate: 2e-3, reg: 3e-2 };
    const t = trialSpecOf(raw, values, search, 1, 7) as any;
    assert.equal(t.search, undefined);
    assert.equal(t.name, 'sweep-s2-t7');
    assert.deepEqual(t.train, {
      epochs: 4,
      learningRate: 2e-3,
      reg: { l2: 3e-2, maxNorm: 3 },
      stopIfLossAbove: 3,
    });
    const parsed = parseJobSpec(t);
    assert.equal(parsed.search, undefined);
    assert.equal(parsed.train.reg.l2, 3e-2);
    // The winner's spec keeps the user's epochs and stopIfLossAbove.
    const best = specWithValues(raw, values) as any;
    assert.equal(best.search, undefined);
    assert.equal(best.name, 'sweep');
    assert.equal(best.train.epochs, 30);
    assert.equal(best.train.stopIfLossAbove, 50);
    assert.equal(raw.train.learningRate, 1e-3, 'the input spec is not modified');
    // reg as a number or as elasticNet.
    assert.equal((specWithValues({ train: { reg: 1e-4 } }, { reg: 2 }) as any).train.reg, 2);
    assert.deepEqual((specWithValues({ train: {} }, { reg: 2 }) as any).train.reg, 2);
    assert.deepEqual(
      (specWithValues({ train: { reg: { elasticNet: { l1: 1e-5, l2: 1e-4 } } } }, { reg: 2 }) as any).train
        .reg,
      { elasticNet: { l1: 1e-5, l2: 2 } },
    );
  });
});
