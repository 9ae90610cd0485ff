/**
 * Learning-rate schedules (α0 = base learning rate; see ScheduleSpec in types.ts):
 *   decay: α0 · factor^epoch              step: α0 · factor^⌊iteration / every⌋
 *   exp:   α0 · e^(−k t)                  inv:  α0 / (1 + k t)          (t = epoch or iteration, per `per`)
 *   sqrt:  α0 · sqrt(max(0, 1 − iteration / totalIterations))
 * and the parsers of the job spec's `schedule` and `update` fields.
 */
import { GradpoolError } from '../shared/errors';
import { describeValue } from './describe-value';
import { UPDATE_NAMES, type ScheduleClock, type ScheduleSpec, type UpdateName } from './types';

/** The learning rate at `clock` for base rate `base` under `schedule`. */
export function learningRateAt(base: number, schedule: ScheduleSpec, clock: ScheduleClock): number {
  checkClock(clock, schedule.type === 'sqrt');
  switch (schedule.type) {
    case 'decay':
      return base * Math.pow(schedule.factor, clock.epoch);
    case 'step':
      return base * Math.pow(schedule.factor, Math.floor(clock.iteration / schedule.every));
    case 'exp':
      return base * Math.exp(-schedule.k * (schedule.per === 'epoch' ? clock.epoch : clock.iteration));
    case 'sqrt':
      return base * Math.sqrt(Math.max(0, 1 - clock.iteration / clock.totalIterations));
    case 'inv':
      return base / (1 + schedule.k * (schedule.per === 'epoch' ? clock.epoch : clock.iteration));
  }
}

/** A clock from the trainer or coordinator is never user input: a bad one is a bug there. */
function checkClock(clock: ScheduleClock, needsTotal: boolean): void {
  const { iteration, epoch, totalIterations } = clock;
  if (!Number.isInteger(iteration) || iteration < 0 || !Number.isInteger(epoch) || epoch < 0) {
    throw new GradpoolError(
      'E_INTERNAL',
      `schedule clock needs non-negative integers, got ${JSON.stringify(clock)}`,
    );
  }
  if (needsTotal && (!Number.isInteger(totalIterations) || totalIterations < 1)) {
    throw new GradpoolError(
      'E_INTERNAL',
      `the sqrt schedule needs totalIterations ≥ 1, got ${describeValue(totalIterations)}`,
    );
  }
}

/**
 * Parses a job spec's schedule at `field` (e.g. `train.schedule`). Accepted forms:
 * `constant` (= decay factor 1), `sqrt` or `{sqrt: {}}`, `{decay: 0.95}`, `{step: {factor: 0.5, every: 1000}}`,
 * `{exp: {k: 0.1, per: epoch}}` and `{inv: {k: 0.01, per: iteration}}` (`per` defaults to `epoch`).
 */
export function parseSchedule(raw: unknown, field: string): ScheduleSpec {
  if (raw === 'constant') return { type: 'decay', factor: 1 };
  if (raw === 'sqrt') return { type: 'sqrt' };
  if (!isPlainObject(raw) || Object.keys(raw).length !== 1) {
    throw bad(
      field,
      `must be constant, sqrt, or an object with exactly one of decay, step, exp, sqrt, inv ` +
        `(e.g. {step: {factor: 0.5, every: 1000}})`,
      raw,
    );
  }
  const [kind] = Object.keys(raw);
  const body = raw[kind];
  const path = `${field}.${kind}`;
  switch (kind) {
    case 'decay':
      return { type: 'decay', factor: factorAt(body, path) };
    case 'step': {
      const o = fieldsOf(body, path, ['factor', 'every']);
      const every = o.every;
      if (!Number.isInteger(every) || (every as number) < 1) {
        throw bad(`${path}.every`, 'must be a positive integer', every);
      }
      return { type: 'step', factor: factorAt(o.factor, `${path}.factor`), every: every as number };
    }
    case 'exp':
    case 'inv': {
      const o = fieldsOf(body, path, ['k', 'per']);
      const k = o.k;
      if (typeof k !== 'number' || !Number.isFinite(k) || k < 0) {
        throw bad(`${path}.k`, 'must be a finite number ≥ 0', k);
      }
      const per = o.per === undefined ? 'epoch' : o.per;
      if (per !== 'epoch' && per !== 'iteration') throw bad(`${path}.per`, 'must be epoch or iteration', per);
      return { type: kind, k, per };
    }
    case 'sqrt':
      if (body !== null) fieldsOf(body, path, []);
      return { type: 'sqrt' };
    default:
      throw bad(field, `has unknown schedule ${kind}; expected one of decay, step, exp, sqrt, inv`, raw);
  }
}

/** A decay factor: α shrinks (or, at 1, stays) as time goes on. */
function factorAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw bad(path, 'must be a number in (0, 1]', value);
  }
  return value;
}

/** `body` as an object holding only `allowed` keys. */
function fieldsOf(body: unknown, path: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(body)) {
    throw bad(
      path,
      allowed.length ? `must be an object with ${allowed.join(', ')}` : 'takes no options: write {}',
      body,
    );
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      const expected = allowed.length ? `expected ${allowed.join(', ')}` : 'it takes no options';
      throw new GradpoolError(
        'E_BAD_SPEC',
        `${path}.${key} is not a known option; ${expected}`,
        `${path}.${key}`,
      );
    }
  }
  return body;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(path: string, requirement: string, value: unknown): GradpoolError {
  return new GradpoolError('E_BAD_SPEC', `${path} ${requirement}, got ${describeValue(value)}`, path);
}

/** Validates a job spec's update name (`train.update`), listing the valid names when it is not one. */
export function parseUpdate(raw: unknown, field: string): UpdateName {
  if (typeof raw === 'string' && (UPDATE_NAMES as readonly string[]).includes(raw)) return raw as UpdateName;
  throw bad(field, `must be one of ${UPDATE_NAMES.join(', ')}`, raw);
}
