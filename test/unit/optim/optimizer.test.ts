import { strict as assert } from 'node:assert';
import { GradpoolError } from '../../../src/shared/errors';
import { Optimizer, type OptimizerParam } from '../../../src/optim/optimizer';
import { createUpdateRule } from '../../../src/optim/update-rule';
import { UPDATE_NAMES, type UpdateRule, type Vec } from '../../../src/optim/types';
import { STORAGE } from './assert-close';

const PARAMS: readonly OptimizerParam[] = [
  { name: 'fc1.weight', size: 6 },
  { name: 'fc1.bias', size: 2 },
];

const f64 = (n: number) => new Float64Array(n);

/** Deterministic, non-constant gradients for step `step`. */
function gradsAt(step: number, make: (values: readonly number[]) => Vec): Vec[] {
  return PARAMS.map((p, k) =>
    make(Array.from({ length: p.size }, (_, i) => Math.sin(1 + step * 7 + k * 3 + i) * 0.5)),
  );
}

function freshParams(make: (values: readonly number[]) => Vec): Vec[] {
  return PARAMS.map((p, k) => make(Array.from({ length: p.size }, (_, i) => 0.1 * (i + 1) - 0.3 * k)));
}

function hasCode(code: string, pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GradpoolError, `expected a GradpoolError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('optim/optimizer', () => {
  it('names slots <param>/<slot>, in parameter order then slot order', () => {
    const names = (rule: UpdateRule) => [...new Optimizer(rule, PARAMS, f64).state().keys()];
    assert.deepEqual(names(createUpdateRule('sgd')), []);
    assert.deepEqual(names(createUpdateRule('momentum')), ['fc1.weight/momentum', 'fc1.bias/momentum']);
    assert.deepEqual(names(createUpdateRule('rmsprop')), ['fc1.weight/ms', 'fc1.bias/ms']);
    assert.deepEqual(names(createUpdateRule('adam')), [
      'fc1.weight/m',
      'fc1.weight/v',
      'fc1.bias/m',
      'fc1.bias/v',
    ]);
    assert.deepEqual(
      new Optimizer(createUpdateRule('adam'), PARAMS, f64).slotNames,
      names(createUpdateRule('adam')),
    );
  });

  it('allocates zeroed slots of each parameter size with the given allocator', () => {
    const dirty = (n: number) => new Float32Array(n).fill(7);
    const opt = new Optimizer(createUpdateRule('momentum'), PARAMS, dirty);
    const state = opt.state();
    assert.ok(state.get('fc1.weight/momentum') instanceof Float32Array);
    assert.deepEqual(Array.from(state.get('fc1.weight/momentum') ?? []), [0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(state.get('fc1.bias/momentum') ?? []), [0, 0]);
    assert.equal(opt.t, 0);
  });

  it('applies the rule to every parameter in order with t = 1, 2, 3 …', () => {
    const calls: string[] = [];
    const spy: UpdateRule = {
      name: 'sgd',
      slots: ['s'],
      apply(param, _grad, slots, learningRate, t) {
        calls.push(`${param.length}/${slots[0].length}@${learningRate}#${t}`);
      },
    };
    const opt = new Optimizer(spy, PARAMS, f64);
    const params = freshParams((v) => Float64Array.from(v));
    opt.step(
      params,
      gradsAt(0, (v) => Float64Array.from(v)),
      0.5,
    );
    opt.step(
      params,
      gradsAt(1, (v) => Float64Array.from(v)),
      0.25,
    );
    assert.deepEqual(calls, ['6/6@0.5#1', '2/2@0.5#1', '6/6@0.25#2', '2/2@0.25#2']);
    assert.equal(opt.t, 2);
  });

  it('gives the same result as applying the rule by hand', () => {
    const rule = createUpdateRule('adam');
    const opt = new Optimizer(rule, PARAMS, f64);
    const viaOptimizer = freshParams((v) => Float64Array.from(v));
    const byHand = freshParams((v) => Float64Array.from(v));
    const slots = PARAMS.map((p) => [f64(p.size), f64(p.size)]);
    for (let step = 0; step < 3; step++) {
      const grads = gradsAt(step, (v) => Float64Array.from(v));
      opt.step(viaOptimizer, grads, 0.01);
      byHand.forEach((param, k) => rule.apply(param, grads[k], slots[k], 0.01, step + 1));
    }
    assert.deepEqual(viaOptimizer, byHand);
  });

  it('returns copies from state(), so later steps do not change a saved state', () => {
    const opt = new Optimizer(createUpdateRule('momentum'), PARAMS, f64);
    const params = freshParams((v) => Float64Array.from(v));
    opt.step(
      params,
      gradsAt(0, (v) => Float64Array.from(v)),
      0.1,
    );
    const saved = opt.state();
    const before = Array.from(saved.get('fc1.bias/momentum') ?? []);
    opt.step(
      params,
      gradsAt(1, (v) => Float64Array.from(v)),
      0.1,
    );
    assert.deepEqual(Array.from(saved.get('fc1.bias/momentum') ?? []), before);
    saved.get('fc1.bias/momentum')?.fill(99);
    assert.notEqual(opt.state().get('fc1.bias/momentum')?.[0], 99);
  });

  for (const name of UPDATE_NAMES) {
    for (const storage of STORAGE) {
      it(`${name} on ${storage.label}: state() then loadState() into a fresh optimizer continues identically`, () => {
        const alloc = (n: number) => storage.make(new Array<number>(n).fill(0));
        const original = new Optimizer(createUpdateRule(name), PARAMS, alloc);
        const params = freshParams(storage.make);
        for (let step = 0; step < 2; step++) original.step(params, gradsAt(step, storage.make), 0.05);

        const restored = new Optimizer(createUpdateRule(name), PARAMS, alloc);
        restored.loadState(original.state(), original.t);
        assert.equal(restored.t, 2);
        const restoredParams = params.map((p) => p.slice());

        for (let step = 2; step < 5; step++) {
          original.step(params, gradsAt(step, storage.make), 0.05);
          restored.step(restoredParams, gradsAt(step, storage.make), 0.05);
        }
        assert.deepEqual(restoredParams, params, 'parameters must match bit for bit');
        assert.deepEqual(restored.state(), original.state());
        assert.equal(restored.t, 5);
      });
    }
  }

  it('loads state saved in another precision (float64 checkpoint into float32 slots)', () => {
    const opt = new Optimizer(createUpdateRule('momentum'), PARAMS, (n) => new Float32Array(n));
    const state = new Map<string, Vec>([
      ['fc1.weight/momentum', Float64Array.from([0.5, 0, 0, 0, 0, -0.25])],
      ['fc1.bias/momentum', Float64Array.from([1, 2])],
    ]);
    opt.loadState(state, 3);
    assert.deepEqual(Array.from(opt.state().get('fc1.weight/momentum') ?? []), [0.5, 0, 0, 0, 0, -0.25]);
    assert.equal(opt.t, 3);
  });

  describe('loadState rejects state that does not fit, and changes nothing', () => {
    const good = () =>
      new Map<string, Vec>([
        ['fc1.weight/momentum', f64(6).fill(1)],
        ['fc1.bias/momentum', f64(2).fill(1)],
      ]);
    const cases: [string, (s: Map<string, Vec>) => number, RegExp][] = [
      ['a missing slot', (s) => (s.delete('fc1.bias/momentum'), 1), /missing slot fc1\.bias\/momentum/],
      [
        'an unexpected slot',
        (s) => (s.set('fc1.bias/ms', f64(2)), 1),
        /unexpected slot fc1\.bias\/ms; the momentum rule on this model has slots fc1\.weight\/momentum, fc1\.bias\/momentum/,
      ],
      [
        'a wrong length',
        (s) => (s.set('fc1.bias/momentum', f64(3)), 1),
        /slot fc1\.bias\/momentum has 3 values, expected 2/,
      ],
      [
        'a non-finite value',
        (s) => (s.get('fc1.weight/momentum')?.fill(NaN, 4, 5), 1),
        /slot fc1\.weight\/momentum holds NaN at index 4/,
      ],
      ['a negative t', () => -1, /t must be a non-negative integer, got -1/],
      ['a fractional t', () => 1.5, /t must be a non-negative integer, got 1\.5/],
    ];
    for (const [what, spoil, pattern] of cases) {
      it(what, () => {
        const opt = new Optimizer(createUpdateRule('momentum'), PARAMS, f64);
        const state = good();
        const t = spoil(state);
        assert.throws(() => opt.loadState(state, t), hasCode('E_BAD_DATA', pattern));
        assert.equal(opt.t, 0);
        for (const vec of opt.state().values()) assert.ok(vec.every((x) => x === 0));
      });
    }
  });

  it('rejects a step with the wrong number or sizes of parameters, or a bad learning rate, and changes nothing', () => {
    const opt = new Optimizer(createUpdateRule('sgd'), PARAMS, f64);
    const params = freshParams((v) => Float64Array.from(v));
    const before = params.map((p) => Array.from(p));
    const grads = gradsAt(0, (v) => Float64Array.from(v));
    assert.throws(
      () => opt.step(params.slice(0, 1), grads, 0.1),
      hasCode('E_INTERNAL', /expected 2 parameters and gradients, got 1 and 2/),
    );
    assert.throws(
      () => opt.step(params, [grads[0], f64(3)], 0.1),
      hasCode('E_INTERNAL', /fc1\.bias expects 2 values, got a parameter of 2 and a gradient of 3/),
    );
    assert.throws(
      () => opt.step(params, grads, NaN),
      hasCode('E_INTERNAL', /learning rate must be finite and ≥ 0, got NaN/),
    );
    assert.throws(() => opt.step(params, grads, -1), hasCode('E_INTERNAL', /got -1/));
    assert.deepEqual(
      params.map((p) => Array.from(p)),
      before,
    );
    assert.equal(opt.t, 0);
  });

  it('rejects duplicate, empty or slash-containing parameter names and non-positive sizes', () => {
    const make = (params: OptimizerParam[]) => () => new Optimizer(createUpdateRule('momentum'), params, f64);
    assert.throws(make([PARAMS[0], PARAMS[0]]), hasCode('E_INTERNAL', /fc1\.weight appears twice/));
    assert.throws(make([{ name: '', size: 2 }]), hasCode('E_INTERNAL', /non-empty name without '\/'/));
    assert.throws(
      make([{ name: 'a/b', size: 2 }]),
      hasCode('E_INTERNAL', /non-empty name without '\/', got "a\/b"/),
    );
    assert.throws(
      make([{ name: 'fc.bias', size: 0 }]),
      hasCode('E_INTERNAL', /size must be a positive integer, got 0/),
    );
  });
});
