import { strict as assert } from 'node:assert';
import { GradpoolError } from '../../../src/shared/errors';
import { createUpdateRule } from '../../../src/optim/update-rule';
import type { UpdateName, UpdateOptions, Vec } from '../../../src/optim/types';
import { assertClose, STORAGE } from './assert-close';

// Every case: θ0 = [1, −2], α = 0.1, three updates. G is the fixed gradient unless a case says otherwise.
const THETA0 = [1, -2];
const G = [0.5, -1];
const ALPHA = 0.1;

interface Case {
  readonly rule: UpdateName;
  readonly options?: Partial<UpdateOptions>;
  readonly grads: readonly (readonly number[])[];
  /** θ after updates 1, 2 and 3, computed by hand (see the comment on each case). */
  readonly thetas: readonly (readonly number[])[];
}

const CASES: readonly Case[] = [
  {
    // θ ← θ − 0.1·g, αg = [0.05, −0.1]: [0.95, −1.9], [0.9, −1.8], [0.85, −1.7].
    rule: 'sgd',
    grads: [G, G, G],
    thetas: [
      [0.95, -1.9],
      [0.9, -1.8],
      [0.85, -1.7],
    ],
  },
  {
    // μ = 0.9, v ← 0.9v − αg, θ ← θ + v, αg = [0.05, −0.1]:
    //   v1 = [−0.05, 0.1]                              θ1 = [0.95, −1.9]
    //   v2 = [−0.045 − 0.05, 0.09 + 0.1] = [−0.095, 0.19]      θ2 = [0.855, −1.71]
    //   v3 = [−0.0855 − 0.05, 0.171 + 0.1] = [−0.1355, 0.271]  θ3 = [0.7195, −1.439]
    rule: 'momentum',
    grads: [G, G, G],
    thetas: [
      [0.95, -1.9],
      [0.855, -1.71],
      [0.7195, -1.439],
    ],
  },
  {
    // μ = 0.9, same velocities as momentum; θ ← θ − 0.9·v_prev + 1.9·v:
    //   θ1 = [1 − 0 − 0.095, −2 − 0 + 0.19] = [0.905, −1.81]
    //   θ2 = [0.905 + 0.045 − 0.1805, −1.81 − 0.09 + 0.361] = [0.7695, −1.539]
    //   θ3 = [0.7695 + 0.0855 − 0.25745, −1.539 − 0.171 + 0.5149] = [0.59755, −1.1951]
    rule: 'nesterov',
    grads: [G, G, G],
    thetas: [
      [0.905, -1.81],
      [0.7695, -1.539],
      [0.59755, -1.1951],
    ],
  },
  {
    // d = 0.99, ε = 1e-8 under the root; with a fixed g, c_t = (1 − 0.99^t)·g²:
    //   c1 = 0.01·g²     = [0.0025, 0.01]        θ1 = θ0 − 0.1·g/√(c1 + 1e-8)
    //      = [1 − 0.05/0.0500001, −2 + 0.1/0.1000000499…] = [1.9999940004e-6, −1.0000004999996]
    //   c2 = 0.0199·g²   = [0.004975, 0.0199]    θ2 = θ1 − 0.1·g/√(c2 + 1e-8)
    //      = [1.99999e-6 − 0.70888049…, −1.0000005 + 0.70888097…] = [−0.70887849257, −0.29111947310]
    //   c3 = 0.029701·g² = [0.00742525, 0.029701] θ3 = θ2 − 0.1·g/√(c3 + 1e-8)
    //      = [−0.70887849257 − 0.58024869…, −0.29111947310 + 0.58024898…] = [−1.28912718661, 0.28912951398]
    rule: 'rmsprop',
    grads: [G, G, G],
    thetas: [
      [1.9999940004122863e-6, -1.0000004999996253],
      [-0.7088784925719872, -0.2911194731020781],
      [-1.289127186610187, 0.2891295139809782],
    ],
  },
  {
    // β1 = 0.9, β2 = 0.999, ε = 1e-8; g alternates sign so that m̂ is not simply g.
    // |g| is the same every step, so v̂ = g² exactly: v̂ = [0.25, 1] and √v̂ = [0.5, 1].
    //   g1 = [0.5, −1]:  m1 = [0.05, −0.1],  m̂1 = m1/0.1 = [0.5, −1]
    //        θ1 = θ0 − 0.1·m̂1/(√v̂ + ε) = [0.9, −1.9] + [2e-9, −1e-9]  (the ε terms)
    //   g2 = [−0.5, 1]:  m2 = 0.9·m1 + 0.1·g2 = [−0.005, 0.01],  m̂2 = m2/0.19 = [−1/38, 1/19]
    //        θ2 = θ1 + [0.1/38/0.5, −0.1/19] = [0.9 + 1/190, −1.9 − 1/190] + ε terms
    //   g3 = [0.5, −1]:  m3 = 0.9·m2 + 0.1·g3 = [0.0455, −0.091],  m̂3 = m3/0.271
    //        θ3 = θ2 − [0.1·0.0455/0.271/0.5, −0.1·0.091/0.271] = θ2 ∓ 0.033579335793…
    //           = [0.87168382210, −1.87168382210] + ε terms
    rule: 'adam',
    grads: [G, [-0.5, 1], G],
    thetas: [
      [0.900000002, -1.900000001],
      [0.9052631597894736, -1.9052631588421052],
      [0.8716838246677023, -1.8716838233845405],
    ],
  },
];

/** Applies `rule` for every gradient in turn; returns θ after each update. */
function run(
  name: UpdateName,
  options: Partial<UpdateOptions> | undefined,
  grads: readonly (readonly number[])[],
  make: (values: readonly number[]) => Vec,
): number[][] {
  const rule = createUpdateRule(name, options);
  const param = make(THETA0);
  const slots = rule.slots.map(() => make([0, 0]));
  const history: number[][] = [];
  grads.forEach((g, i) => {
    rule.apply(param, make(g), slots, ALPHA, i + 1);
    history.push(Array.from(param));
  });
  return history;
}

function expectSpecError(fn: () => unknown, message: string, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof GradpoolError, `expected a GradpoolError, got ${String(err)}`);
    assert.equal(err.code, 'E_BAD_SPEC');
    assert.equal(err.message, message);
    assert.equal(err.field, field);
    return true;
  });
}

describe('optim/update-rule', () => {
  for (const c of CASES) {
    for (const storage of STORAGE) {
      it(`${c.rule} matches the hand-computed three updates on ${storage.label}`, () => {
        const history = run(c.rule, c.options, c.grads, storage.make);
        c.thetas.forEach((expected, step) => {
          assertClose(history[step], [...expected], storage.tolerance, `${c.rule} θ${step + 1}`);
        });
      });
    }
  }

  it('names its slots as the checkpoint format expects', () => {
    const slots = (name: UpdateName) => [...createUpdateRule(name).slots];
    assert.deepEqual(slots('sgd'), []);
    assert.deepEqual(slots('momentum'), ['momentum']);
    assert.deepEqual(slots('nesterov'), ['momentum']);
    assert.deepEqual(slots('rmsprop'), ['ms']);
    assert.deepEqual(slots('adam'), ['m', 'v']);
    assert.equal(createUpdateRule('adam').name, 'adam');
  });

  it('keeps the velocity in the momentum slot', () => {
    const rule = createUpdateRule('momentum');
    const v = new Float64Array(2);
    const param = Float64Array.from(THETA0);
    rule.apply(param, Float64Array.from(G), [v], ALPHA, 1);
    rule.apply(param, Float64Array.from(G), [v], ALPHA, 2);
    assertClose(v, [-0.095, 0.19], 1e-15, 'v2');
  });

  it('puts the RMSprop epsilon under the square root', () => {
    // ε = 0.0011, g = [0.5, −0.5]: c1 = 0.01·0.25 = 0.0025, √(c1 + ε) = √0.0036 = 0.06,
    // θ1 = θ0 − 0.1·g/0.06 = [1 − 0.8333…, −2 + 0.8333…]. With ε outside the root the step would be
    // 0.05/(0.05 + 0.0011) = 0.978…, far from this.
    const rule = createUpdateRule('rmsprop', { epsilon: 0.0011 });
    const param = Float64Array.from(THETA0);
    rule.apply(param, Float64Array.from([0.5, -0.5]), [new Float64Array(2)], ALPHA, 1);
    assertClose(param, [1 - 0.05 / 0.06, -2 + 0.05 / 0.06], 1e-12, 'θ1');
  });

  it('uses the momentum option: μ = 0 turns momentum into sgd', () => {
    const plain = run('sgd', undefined, [G, G, G], (v) => Float64Array.from(v));
    const noMomentum = run('momentum', { momentum: 0 }, [G, G, G], (v) => Float64Array.from(v));
    assert.deepEqual(noMomentum, plain);
  });

  it('mixes storage types: a float32 parameter with a float64 gradient', () => {
    const rule = createUpdateRule('sgd');
    const param = Float32Array.from(THETA0);
    rule.apply(param, Float64Array.from(G), [], ALPHA, 1);
    assertClose(param, [0.95, -1.9], 1e-6, 'θ1');
  });

  it('rejects out-of-range options, naming the field, the range and the default', () => {
    expectSpecError(
      () => createUpdateRule('momentum', { momentum: 1.5 }),
      'train.momentum must be in [0, 1), got 1.5 (the default is 0.9)',
      'train.momentum',
    );
    expectSpecError(
      () => createUpdateRule('momentum', { momentum: 1 }),
      'train.momentum must be in [0, 1), got 1 (the default is 0.9)',
      'train.momentum',
    );
    expectSpecError(
      () => createUpdateRule('nesterov', { momentum: -0.1 }),
      'train.momentum must be in [0, 1), got -0.1 (the default is 0.9)',
      'train.momentum',
    );
    expectSpecError(
      () => createUpdateRule('rmsprop', { decayRate: 0 }),
      'train.decayRate must be in (0, 1), got 0 (the default is 0.99)',
      'train.decayRate',
    );
    expectSpecError(
      () => createUpdateRule('rmsprop', { decayRate: 1 }),
      'train.decayRate must be in (0, 1), got 1 (the default is 0.99)',
      'train.decayRate',
    );
    expectSpecError(
      () => createUpdateRule('adam', { beta1: 1 }),
      'train.beta1 must be in [0, 1), got 1 (the default is 0.9)',
      'train.beta1',
    );
    expectSpecError(
      () => createUpdateRule('adam', { beta2: NaN }),
      'train.beta2 must be in [0, 1), got NaN (the default is 0.999)',
      'train.beta2',
    );
    expectSpecError(
      () => createUpdateRule('adam', { epsilon: 0 }),
      'train.epsilon must be a finite number > 0, got 0 (the default is 1e-8)',
      'train.epsilon',
    );
    expectSpecError(
      () => createUpdateRule('rmsprop', { epsilon: Infinity }),
      'train.epsilon must be a finite number > 0, got Infinity (the default is 1e-8)',
      'train.epsilon',
    );
  });

  it('validates options even when the chosen rule ignores them', () => {
    expectSpecError(
      () => createUpdateRule('sgd', { momentum: 2 }),
      'train.momentum must be in [0, 1), got 2 (the default is 0.9)',
      'train.momentum',
    );
  });

  it('names the caller-given field path in errors', () => {
    expectSpecError(
      () => createUpdateRule('adam', { beta1: -1 }, 'search.trial'),
      'search.trial.beta1 must be in [0, 1), got -1 (the default is 0.9)',
      'search.trial.beta1',
    );
    expectSpecError(
      () => createUpdateRule('adagrad' as UpdateName),
      'train.update must be one of sgd, momentum, nesterov, rmsprop, adam, got "adagrad"',
      'train.update',
    );
  });

  it('rejects mismatched lengths, a missing slot and a bad update count as internal errors', () => {
    const rule = createUpdateRule('adam');
    const two = () => new Float64Array(2);
    const internal = (fn: () => void, pattern: RegExp) =>
      assert.throws(
        fn,
        (err: unknown) =>
          err instanceof GradpoolError && err.code === 'E_INTERNAL' && pattern.test(err.message),
      );
    internal(
      () => rule.apply(two(), new Float64Array(3), [two(), two()], 0.1, 1),
      /gradient length 3 ≠ parameter length 2/,
    );
    internal(() => rule.apply(two(), two(), [two()], 0.1, 1), /expected 2 slot\(s\), got 1/);
    internal(() => rule.apply(two(), two(), [two(), new Float64Array(1)], 0.1, 1), /slot 1 length 1/);
    internal(() => rule.apply(two(), two(), [two(), two()], 0.1, 0), /t must be an integer ≥ 1, got 0/);
  });
});
