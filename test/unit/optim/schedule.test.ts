import { strict as assert } from 'node:assert';
import { parse as parseYaml } from 'yaml';
import { GradpoolError } from '../../../src/shared/errors';
import { learningRateAt, parseSchedule, parseUpdate } from '../../../src/optim/schedule';
import type { ScheduleClock, ScheduleSpec } from '../../../src/optim/types';

const BASE = 0.1;

function clock(iteration: number, epoch: number, totalIterations = 1000): ScheduleClock {
  return { iteration, epoch, totalIterations };
}

function expectRate(schedule: ScheduleSpec, at: ScheduleClock, expected: number): void {
  const got = learningRateAt(BASE, schedule, at);
  assert.ok(
    Math.abs(got - expected) <= 1e-15,
    `${JSON.stringify(schedule)} at ${JSON.stringify(at)}: got ${got}, expected ${expected}`,
  );
}

function expectSpecError(raw: unknown, message: string, field: string): void {
  assert.throws(
    () => parseSchedule(raw, 'train.schedule'),
    (err: unknown) => {
      assert.ok(err instanceof GradpoolError, `expected a GradpoolError, got ${String(err)}`);
      assert.equal(err.code, 'E_BAD_SPEC');
      assert.equal(err.message, message);
      assert.equal(err.field, field);
      return true;
    },
  );
}

describe('optim/schedule learningRateAt', () => {
  it('decay: α0·factor^epoch, whatever the iteration', () => {
    const s: ScheduleSpec = { type: 'decay', factor: 0.5 };
    expectRate(s, clock(0, 0), 0.1);
    expectRate(s, clock(500, 1), 0.05); // 0.1·0.5
    expectRate(s, clock(0, 3), 0.0125); // 0.1·0.125
  });

  it('decay with factor 1 is constant', () => {
    expectRate({ type: 'decay', factor: 1 }, clock(12345, 99), 0.1);
  });

  it('step: α0·factor^⌊iteration/every⌋', () => {
    const s: ScheduleSpec = { type: 'step', factor: 0.5, every: 1000 };
    expectRate(s, clock(0, 0), 0.1);
    expectRate(s, clock(999, 0), 0.1); // ⌊0.999⌋ = 0
    expectRate(s, clock(1000, 7), 0.05); // ⌊1⌋ = 1; the epoch does not matter
    expectRate(s, clock(2500, 0), 0.025); // ⌊2.5⌋ = 2 → 0.1·0.25
  });

  it('exp: α0·e^(−k·t), t counted in epochs or iterations', () => {
    expectRate({ type: 'exp', k: 0.1, per: 'epoch' }, clock(77, 0), 0.1);
    expectRate({ type: 'exp', k: 0.1, per: 'epoch' }, clock(77, 10), 0.036787944117144235); // 0.1·e^−1
    expectRate({ type: 'exp', k: 0.1, per: 'iteration' }, clock(20, 10), 0.013533528323661271); // 0.1·e^−2
  });

  it('sqrt: α0·sqrt(max(0, 1 − iteration/total)), zero from the end on', () => {
    const s: ScheduleSpec = { type: 'sqrt' };
    expectRate(s, clock(0, 0, 100), 0.1);
    expectRate(s, clock(36, 0, 100), 0.08); // 0.1·√0.64
    expectRate(s, clock(75, 0, 100), 0.05); // 0.1·√0.25
    expectRate(s, clock(100, 0, 100), 0);
    expectRate(s, clock(150, 0, 100), 0); // clamped, not NaN
  });

  it('inv: α0/(1 + k·t), t counted in epochs or iterations', () => {
    expectRate({ type: 'inv', k: 0.01, per: 'iteration' }, clock(0, 3), 0.1);
    expectRate({ type: 'inv', k: 0.01, per: 'iteration' }, clock(100, 3), 0.05); // 0.1/2
    expectRate({ type: 'inv', k: 0.01, per: 'iteration' }, clock(300, 3), 0.025); // 0.1/4
    expectRate({ type: 'inv', k: 0.5, per: 'epoch' }, clock(300, 2), 0.05); // 0.1/(1 + 1)
  });

  it('rejects a clock that a trainer could not produce', () => {
    const internal = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(
        fn,
        (err: unknown) =>
          err instanceof GradpoolError && err.code === 'E_INTERNAL' && pattern.test(err.message),
      );
    internal(
      () => learningRateAt(BASE, { type: 'sqrt' }, clock(0, 0, 0)),
      /sqrt schedule needs totalIterations ≥ 1, got 0/,
    );
    internal(
      () => learningRateAt(BASE, { type: 'decay', factor: 0.9 }, clock(-1, 0)),
      /non-negative integers/,
    );
    internal(
      () => learningRateAt(BASE, { type: 'decay', factor: 0.9 }, clock(0, 0.5)),
      /non-negative integers/,
    );
  });
});

describe('optim/schedule parseSchedule', () => {
  const accepted: [string, unknown, ScheduleSpec][] = [
    ['constant', 'constant', { type: 'decay', factor: 1 }],
    ['{decay: 0.95}', { decay: 0.95 }, { type: 'decay', factor: 0.95 }],
    ['{decay: 1}', { decay: 1 }, { type: 'decay', factor: 1 }],
    [
      '{step: {factor: 0.5, every: 1000}}',
      { step: { factor: 0.5, every: 1000 } },
      { type: 'step', factor: 0.5, every: 1000 },
    ],
    ['{exp: {k: 0.1, per: epoch}}', { exp: { k: 0.1, per: 'epoch' } }, { type: 'exp', k: 0.1, per: 'epoch' }],
    ['{exp: {k: 0.1}} (per defaults to epoch)', { exp: { k: 0.1 } }, { type: 'exp', k: 0.1, per: 'epoch' }],
    ['sqrt', 'sqrt', { type: 'sqrt' }],
    ['{sqrt: {}}', { sqrt: {} }, { type: 'sqrt' }],
    ['{sqrt: null} (YAML `sqrt:`)', { sqrt: null }, { type: 'sqrt' }],
    [
      '{inv: {k: 0.01, per: iteration}}',
      { inv: { k: 0.01, per: 'iteration' } },
      { type: 'inv', k: 0.01, per: 'iteration' },
    ],
    ['{inv: {k: 0}}', { inv: { k: 0 } }, { type: 'inv', k: 0, per: 'epoch' }],
  ];
  for (const [form, raw, expected] of accepted) {
    it(`accepts ${form}`, () => assert.deepEqual(parseSchedule(raw, 'train.schedule'), expected));
  }

  it('accepts the YAML forms as the yaml package parses them', () => {
    const yaml = `
a: constant
b: { decay: 0.95 }
c: { step: { factor: 0.5, every: 1000 } }
d: { exp: { k: 0.1, per: epoch } }
e: { sqrt: {} }
f: sqrt
g: { inv: { k: 1e-2, per: iteration } }
h:
  sqrt:
`;
    const doc = parseYaml(yaml) as Record<string, unknown>;
    const types = Object.keys(doc).map((key) => parseSchedule(doc[key], `s.${key}`));
    assert.deepEqual(types, [
      { type: 'decay', factor: 1 },
      { type: 'decay', factor: 0.95 },
      { type: 'step', factor: 0.5, every: 1000 },
      { type: 'exp', k: 0.1, per: 'epoch' },
      { type: 'sqrt' },
      { type: 'sqrt' },
      { type: 'inv', k: 0.01, per: 'iteration' },
      { type: 'sqrt' },
    ]);
  });

  it('rejects bad numbers, naming the field path', () => {
    expectSpecError(
      { step: { factor: 0.5, every: 0 } },
      'train.schedule.step.every must be a positive integer, got 0',
      'train.schedule.step.every',
    );
    expectSpecError(
      { step: { factor: 0.5, every: 2.5 } },
      'train.schedule.step.every must be a positive integer, got 2.5',
      'train.schedule.step.every',
    );
    expectSpecError(
      { step: { every: 10 } },
      'train.schedule.step.factor must be a number in (0, 1], got nothing',
      'train.schedule.step.factor',
    );
    expectSpecError(
      { decay: 1.5 },
      'train.schedule.decay must be a number in (0, 1], got 1.5',
      'train.schedule.decay',
    );
    expectSpecError(
      { decay: 0 },
      'train.schedule.decay must be a number in (0, 1], got 0',
      'train.schedule.decay',
    );
    expectSpecError(
      { decay: '0.9' },
      'train.schedule.decay must be a number in (0, 1], got "0.9"',
      'train.schedule.decay',
    );
    expectSpecError(
      { exp: { k: -1 } },
      'train.schedule.exp.k must be a finite number ≥ 0, got -1',
      'train.schedule.exp.k',
    );
    expectSpecError(
      { inv: {} },
      'train.schedule.inv.k must be a finite number ≥ 0, got nothing',
      'train.schedule.inv.k',
    );
    expectSpecError(
      { exp: { k: 0.1, per: 'batch' } },
      'train.schedule.exp.per must be epoch or iteration, got "batch"',
      'train.schedule.exp.per',
    );
  });

  it('rejects wrong shapes and unknown options', () => {
    expectSpecError(
      { exp: 0.1 },
      'train.schedule.exp must be an object with k, per, got 0.1',
      'train.schedule.exp',
    );
    expectSpecError(
      { step: { factor: 0.5, every: 10, gamma: 1 } },
      'train.schedule.step.gamma is not a known option; expected factor, every',
      'train.schedule.step.gamma',
    );
    expectSpecError(
      { sqrt: { total: 5 } },
      'train.schedule.sqrt.total is not a known option; it takes no options',
      'train.schedule.sqrt.total',
    );
    expectSpecError(
      { sqrt: 1 },
      'train.schedule.sqrt takes no options: write {}, got 1',
      'train.schedule.sqrt',
    );
    expectSpecError(
      { cosine: {} },
      'train.schedule has unknown schedule cosine; expected one of decay, step, exp, sqrt, inv, got {"cosine":{}}',
      'train.schedule',
    );
  });

  it('rejects anything but constant, sqrt or a one-key object', () => {
    const message = (got: string) =>
      'train.schedule must be constant, sqrt, or an object with exactly one of decay, step, exp, sqrt, inv ' +
      `(e.g. {step: {factor: 0.5, every: 1000}}), got ${got}`;
    expectSpecError('linear', message('"linear"'), 'train.schedule');
    expectSpecError(0.95, message('0.95'), 'train.schedule');
    expectSpecError(null, message('null'), 'train.schedule');
    expectSpecError(undefined, message('nothing'), 'train.schedule');
    expectSpecError([], message('[]'), 'train.schedule');
    expectSpecError({}, message('{}'), 'train.schedule');
    expectSpecError({ decay: 0.9, sqrt: {} }, message('{"decay":0.9,"sqrt":{}}'), 'train.schedule');
    expectSpecError(
      { type: 'decay', factor: 0.9 },
      message('{"type":"decay","factor":0.9}'),
      'train.schedule',
    );
  });
});

describe('optim/schedule parseUpdate', () => {
  it('accepts every rule name', () => {
    for (const name of ['sgd', 'momentum', 'nesterov', 'rmsprop', 'adam'])
      assert.equal(parseUpdate(name, 'train.update'), name);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    for (const [raw, got] of [
      ['Adam', '"Adam"'],
      ['adagrad', '"adagrad"'],
      [undefined, 'nothing'],
      [3, '3'],
    ] as const) {
      assert.throws(
        () => parseUpdate(raw, 'train.update'),
        (err: unknown) =>
          err instanceof GradpoolError &&
          err.code === 'E_BAD_SPEC' &&
          err.field === 'train.update' &&
          err.message === `train.update must be one of sgd, momentum, nesterov, rmsprop, adam, got ${got}`,
      );
    }
  });
});
