import { strict as assert } from 'node:assert';
import { GradpoolError } from '../../../src/shared/errors';
import { parseJobSpec } from '../../../src/train/job-spec';
import { parseSearchSpec, SEARCH_DEFAULTS } from '../../../src/train/search-spec';

/** A valid search spec, deep-copied so each test can break one field. */
function valid(): Record<string, any> {
  return {
    name: 'search',
    data: { subset: 200, split: { val: 0.1, test: 0.1 } },
    model: { input: [784], layers: [{ affine: 20 }, 'relu', { affine: 10 }], loss: 'softmax' },
    train: { epochs: 10, batchSize: 50, learningRate: 1e-3, update: 'momentum', reg: 1e-4, seed: 3 },
    search: {
      trials: 20,
      learningRate: [1e-6, 1e-1],
      reg: [1e-5, 1e1],
      epochs: 1,
      stopIfLossAbove: 3,
      concurrency: 4,
      stages: [
        { trials: 20, epochs: 1 },
        { trials: 10, epochs: 2, keep: 3 },
      ],
    },
  };
}

function rejects(mutate: (s: Record<string, any>) => void, field: string, fix: RegExp): void {
  const spec = valid();
  mutate(spec);
  assert.throws(
    () => parseJobSpec(spec),
    (e: unknown) => {
      assert.ok(e instanceof GradpoolError, `expected a GradpoolError, got ${String(e)}`);
      assert.equal(e.code, 'E_BAD_SPEC');
      assert.equal(e.field, field, e.message);
      assert.ok(e.message.startsWith(`${field}: `), `message "${e.message}" should name ${field}`);
      assert.match(e.message, fix);
      return true;
    },
  );
}

describe('search spec validation', () => {
  it('parses ranges in a fixed field order, the stages and the settings', () => {
    const s = parseJobSpec(valid()).search!;
    assert.deepEqual(s.ranges, [
      { field: 'learningRate', lo: 1e-6, hi: 1e-1 },
      { field: 'reg', lo: 1e-5, hi: 1e1 },
    ]);
    assert.deepEqual(s.stages, [
      { trials: 20, epochs: 1, keep: 3 },
      { trials: 10, epochs: 2, keep: 3 },
    ]);
    assert.equal(s.stopIfLossAbove, 3);
    assert.equal(s.concurrency, 4);
  });

  it('is one stage of `trials` without stages, with the documented defaults', () => {
    const s = parseSearchSpec({ momentum: [0.5, 0.99], learningRate: [1e-4, 1e-2] });
    assert.deepEqual(
      s.ranges.map((r) => r.field),
      ['learningRate', 'momentum'],
    );
    assert.deepEqual(s.stages, [{ trials: SEARCH_DEFAULTS.trials, epochs: 1, keep: 3 }]);
    assert.equal(s.stopIfLossAbove, 3);
    assert.equal(s.concurrency, 4);
    const t = parseSearchSpec({
      learningRate: [1e-4, 1e-2],
      trials: 7,
      epochs: 2,
      stages: [{}, { keep: 2 }],
    });
    assert.deepEqual(t.stages, [
      { trials: 7, epochs: 2, keep: 3 },
      { trials: 7, epochs: 2, keep: 2 },
    ]);
  });

  it('lets a search job leave out the learning rate it searches, and only then', () => {
    const spec = valid();
    delete spec.train.learningRate;
    const parsed = parseJobSpec(spec);
    assert.ok(Math.abs(parsed.train.learningRate - Math.sqrt(1e-6 * 1e-1)) < 1e-12);
    rejects(
      (s) => {
        delete s.train.learningRate;
        delete s.search.learningRate;
      },
      'train.learningRate',
      /missing/,
    );
  });

  it('names the field of each bad range', () => {
    rejects((s) => (s.search.learningRate = [1e-1, 1e-6]), 'search.learningRate', /lo < hi/);
    rejects((s) => (s.search.learningRate = [1e-3, 1e-3]), 'search.learningRate', /lo < hi/);
    rejects((s) => (s.search.reg = [0, 1]), 'search.reg', /greater than 0.*log space/);
    rejects((s) => (s.search.reg = [-1, 1]), 'search.reg', /greater than 0/);
    rejects((s) => (s.search.reg = 1e-3), 'search.reg', /range \[lo, hi\]/);
    rejects((s) => (s.search.reg = [1e-3, 1, 2]), 'search.reg', /range \[lo, hi\]/);
    rejects((s) => (s.search.learningRate = [1e-6, Infinity]), 'search.learningRate', /finite/);
    rejects((s) => (s.search.momentum = [0.5, 1]), 'search.momentum', /below 1/);
    rejects((s) => (s.search.learningRateDecay = [0.5, 1.5]), 'search.learningRateDecay', /at most 1/);
  });

  it('rejects fields it cannot search, and a search without ranges', () => {
    rejects((s) => (s.search.batchSize = [10, 100]), 'search.batchSize', /unknown field.*learningRate/);
    rejects((s) => (s.search.learingRate = [1e-6, 1]), 'search.learingRate', /unknown field/);
    rejects(
      (s) => {
        delete s.search.learningRate;
        delete s.search.reg;
      },
      'search',
      /no range.*learningRate: \[1e-6, 1e-1\]/,
    );
    rejects((s) => (s.search = 3), 'search', /mapping/);
  });

  it('checks the settings and every stage', () => {
    rejects((s) => (s.search.trials = 0), 'search.trials', /positive integer/);
    rejects((s) => (s.search.epochs = 1.5), 'search.epochs', /positive integer/);
    rejects((s) => (s.search.concurrency = -1), 'search.concurrency', /positive integer/);
    rejects((s) => (s.search.stopIfLossAbove = 0), 'search.stopIfLossAbove', /greater than 0/);
    rejects((s) => (s.search.stages = []), 'search.stages', /non-empty list/);
    rejects((s) => (s.search.stages[1].epochs = 0), 'search.stages[1].epochs', /positive integer/);
    rejects((s) => (s.search.stages[1].keep = 21), 'search.stages[1].keep', /previous stage's 20 trials/);
    rejects((s) => (s.search.stages[0].keep = 2), 'search.stages[0].keep', /first stage/);
    rejects((s) => (s.search.stages[1].lr = 2), 'search.stages[1].lr', /unknown field/);
  });

  it('refuses a learningRateDecay range next to a schedule', () => {
    rejects(
      (s) => {
        s.search.learningRateDecay = [0.5, 1];
        s.train.schedule = 'constant';
      },
      'search.learningRateDecay',
      /schedule/,
    );
  });
});
