/**
 * Update rules, as plain loops over flat parameters (α = learning rate, g = gradient, t = 1-based update count):
 *   sgd:      θ ← θ − α g
 *   momentum: v ← μ v − α g;  θ ← θ + v                                   (slot 'momentum')
 *   nesterov: v_prev ← v;  v ← μ v − α g;  θ ← θ − μ v_prev + (1 + μ) v    (slot 'momentum', cs231n form)
 *   rmsprop:  c ← d c + (1 − d) g²;  θ ← θ − α g / sqrt(c + ε)              (slot 'ms'; ε under the root)
 *   adam:     m ← β1 m + (1 − β1) g;  v ← β2 v + (1 − β2) g²;
 *             θ ← θ − α m̂ / (sqrt(v̂) + ε),  m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)   (slots 'm', 'v')
 * Each element is updated independently and in index order, so the result does not depend on who calls.
 */
import { GradpoolError } from '../shared/errors';
import { describeValue } from './describe-value';
import { parseUpdate } from './schedule';
import type { UpdateName, UpdateOptions, UpdateRule, Vec } from './types';

/** The contract every rule implements (declared in types.ts). */
export type { UpdateRule } from './types';

/** Defaults: μ 0.9, RMSprop decay 0.99, Adam β1 0.9 and β2 0.999, ε 1e-8. */
export const DEFAULT_UPDATE_OPTIONS: UpdateOptions = Object.freeze({
  momentum: 0.9,
  decayRate: 0.99,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
});

/**
 * The rule `name` with `options` over the defaults. Options are validated whichever rule uses them;
 * `field` is the job-spec path they came from (errors name `train.momentum` and so on).
 */
export function createUpdateRule(
  name: UpdateName,
  options: Partial<UpdateOptions> = {},
  field = 'train',
): UpdateRule {
  const rule = parseUpdate(name, `${field}.update`);
  const o = resolveOptions(options, field);
  switch (rule) {
    case 'sgd':
      return sgd();
    case 'momentum':
      return momentum(o.momentum);
    case 'nesterov':
      return nesterov(o.momentum);
    case 'rmsprop':
      return rmsprop(o.decayRate, o.epsilon);
    case 'adam':
      return adam(o.beta1, o.beta2, o.epsilon);
  }
}

/** Allowed range of each option: [low, high] with open or closed ends. */
const OPTION_RANGES: Readonly<
  Record<keyof UpdateOptions, { low: number; lowOpen: boolean; high: number; highOpen: boolean }>
> = {
  momentum: { low: 0, lowOpen: false, high: 1, highOpen: true },
  decayRate: { low: 0, lowOpen: true, high: 1, highOpen: true },
  beta1: { low: 0, lowOpen: false, high: 1, highOpen: true },
  beta2: { low: 0, lowOpen: false, high: 1, highOpen: true },
  epsilon: { low: 0, lowOpen: true, high: Infinity, highOpen: true },
};

function resolveOptions(options: Partial<UpdateOptions>, field: string): UpdateOptions {
  const resolved = { ...DEFAULT_UPDATE_OPTIONS };
  for (const key of Object.keys(OPTION_RANGES) as (keyof UpdateOptions)[]) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    const r = OPTION_RANGES[key];
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (r.lowOpen ? value > r.low : value >= r.low) &&
      (r.highOpen ? value < r.high : value <= r.high);
    if (!ok) {
      const range =
        r.high === Infinity
          ? `a finite number ${r.lowOpen ? '>' : '≥'} ${r.low}`
          : `in ${r.lowOpen ? '(' : '['}${r.low}, ${r.high}${r.highOpen ? ')' : ']'}`;
      const path = `${field}.${key}`;
      throw new GradpoolError(
        'E_BAD_SPEC',
        `${path} must be ${range}, got ${describeValue(value)} (the default is ${DEFAULT_UPDATE_OPTIONS[key]})`,
        path,
      );
    }
    resolved[key] = value as number;
  }
  return resolved;
}

/** Caller bugs (mismatched lengths, a bad count), not user input: checked once per call, never per element. */
function checkCall(
  rule: UpdateName,
  param: Vec,
  grad: Vec,
  slots: Vec[],
  slotCount: number,
  t: number,
): void {
  let problem = '';
  if (grad.length !== param.length)
    problem = `gradient length ${grad.length} ≠ parameter length ${param.length}`;
  else if (slots.length !== slotCount) problem = `expected ${slotCount} slot(s), got ${slots.length}`;
  else if (!Number.isInteger(t) || t < 1) problem = `update count t must be an integer ≥ 1, got ${t}`;
  for (let k = 0; !problem && k < slots.length; k++) {
    if (slots[k].length !== param.length)
      problem = `slot ${k} length ${slots[k].length} ≠ parameter length ${param.length}`;
  }
  if (problem) throw new GradpoolError('E_INTERNAL', `${rule}.apply: ${problem}`);
}

function sgd(): UpdateRule {
  return {
    name: 'sgd',
    slots: Object.freeze([]),
    apply(param, grad, slots, learningRate, t) {
      checkCall('sgd', param, grad, slots, 0, t);
      for (let i = 0; i < param.length; i++) param[i] -= learningRate * grad[i];
    },
  };
}

function momentum(mu: number): UpdateRule {
  return {
    name: 'momentum',
    slots: Object.freeze(['momentum']),
    apply(param, grad, slots, learningRate, t) {
      checkCall('momentum', param, grad, slots, 1, t);
      const v = slots[0];
      for (let i = 0; i < param.length; i++) {
        v[i] = mu * v[i] - learningRate * grad[i];
        param[i] += v[i]; // the stored (possibly float32-rounded) velocity, as a checkpoint would hold it
      }
    },
  };
}

function nesterov(mu: number): UpdateRule {
  return {
    name: 'nesterov',
    slots: Object.freeze(['momentum']),
    apply(param, grad, slots, learningRate, t) {
      checkCall('nesterov', param, grad, slots, 1, t);
      const v = slots[0];
      for (let i = 0; i < param.length; i++) {
        const vPrev = v[i];
        v[i] = mu * vPrev - learningRate * grad[i];
        param[i] = param[i] - mu * vPrev + (1 + mu) * v[i];
      }
    },
  };
}

function rmsprop(decayRate: number, epsilon: number): UpdateRule {
  const mix = 1 - decayRate;
  return {
    name: 'rmsprop',
    slots: Object.freeze(['ms']),
    apply(param, grad, slots, learningRate, t) {
      checkCall('rmsprop', param, grad, slots, 1, t);
      const cache = slots[0];
      for (let i = 0; i < param.length; i++) {
        const g = grad[i];
        cache[i] = decayRate * cache[i] + mix * g * g;
        param[i] -= (learningRate * g) / Math.sqrt(cache[i] + epsilon);
      }
    },
  };
}

function adam(beta1: number, beta2: number, epsilon: number): UpdateRule {
  const mix1 = 1 - beta1;
  const mix2 = 1 - beta2;
  return {
    name: 'adam',
    slots: Object.freeze(['m', 'v']),
    apply(param, grad, slots, learningRate, t) {
      checkCall('adam', param, grad, slots, 2, t);
      const m = slots[0];
      const v = slots[1];
      const correction1 = 1 - Math.pow(beta1, t);
      const correction2 = 1 - Math.pow(beta2, t);
      for (let i = 0; i < param.length; i++) {
        const g = grad[i];
        m[i] = beta1 * m[i] + mix1 * g;
        v[i] = beta2 * v[i] + mix2 * g * g;
        const mHat = m[i] / correction1;
        const vHat = v[i] / correction2;
        param[i] -= (learningRate * mHat) / (Math.sqrt(vHat) + epsilon);
      }
    },
  };
}
