import * as assert from 'node:assert/strict';
import { GradpoolError } from '../../../src/shared/errors';
import {
  addRegularizationGradient,
  applyMaxNorm,
  parseReg,
  regularizationLoss,
  type RegSpec,
} from '../../../src/model/regularizers';
import type { ParamInfo } from '../../../src/model/types';
import { Rng } from '../../../src/shared/rng';
import { awayFromZero, numericGradient, relativeError, report } from './grad-util';

const infos: ParamInfo[] = [
  { name: 'conv1.weight', shape: [2, 1, 2, 2], kind: 'weight', fanIn: 4 },
  { name: 'conv1.bias', shape: [2], kind: 'bias', fanIn: 4 },
  { name: 'fc1.weight', shape: [8, 3], kind: 'weight', fanIn: 8 },
  { name: 'fc1.bias', shape: [3], kind: 'bias', fanIn: 8 },
];

function params(seed: number): Float64Array[] {
  const rng = new Rng(seed);
  return [awayFromZero(rng, 8), awayFromZero(rng, 2), awayFromZero(rng, 24), awayFromZero(rng, 3)];
}

function badSpec(field: string, pattern: RegExp) {
  return (e: unknown) =>
    e instanceof GradpoolError && e.code === 'E_BAD_SPEC' && e.field === field && pattern.test(e.message);
}

describe('regularizers', () => {
  const cases: [string, RegSpec][] = [
    ['L2', { l2: 0.3, l1: 0, maxNorm: 0 }],
    ['L1 (weights away from 0)', { l2: 0, l1: 0.2, maxNorm: 0 }],
    ['elastic net', { l2: 0.3, l1: 0.2, maxNorm: 0 }],
  ];
  for (const [label, reg] of cases) {
    it(`${label}: the gradient matches central differences of the loss, biases untouched`, () => {
      const p = params(1);
      const grads = p.map((a) => a.map(() => 1));
      addRegularizationGradient(infos, p, grads, reg);
      infos.forEach((info, i) => {
        const numeric = numericGradient(() => regularizationLoss(infos, p, reg), p[i]);
        const analytic = grads[i].map((g) => g - 1); // started at 1: the gradient is added in place
        const e = relativeError(analytic, numeric);
        report(`reg ${label} ${info.name}`, e);
        if (info.kind === 'bias') assert.ok(grads[i].every((g) => g === 1) && numeric.every((g) => g === 0));
        else assert.ok(e < 1e-6, `${info.name}: ${e}`);
      });
    });
  }

  it('computes λ2/2·‖W‖² + λ1·Σ|w| over weights only', () => {
    const p = [
      Float64Array.of(1, -2, 0, 3, 0, 0, 0, 0),
      Float64Array.of(100, 100),
      new Float64Array(24),
      Float64Array.of(5, 5, 5),
    ];
    p[2][0] = -1;
    // ‖W‖² = 1 + 4 + 9 + 1 = 15, Σ|w| = 1 + 2 + 3 + 1 = 7.
    assert.equal(regularizationLoss(infos, p, { l2: 0.5, l1: 0.1, maxNorm: 0 }), 0.25 * 15 + 0.1 * 7);
    const grads = p.map((a) => new Float64Array(a.length));
    addRegularizationGradient(infos, p, grads, { l2: 0, l1: 1, maxNorm: 0 });
    assert.deepEqual(Array.from(grads[0]), [1, -1, 0, 1, 0, 0, 0, 0]); // sign(0) = 0
  });

  it('max-norm clamps affine columns and conv filters to c and leaves smaller ones alone', () => {
    const conv = Float64Array.of(3, 4, 0, 0, 0.6, 0, 0.8, 0); // filter norms 5 and 1
    const fc = new Float64Array(24);
    // Column 0 has norm 10, column 1 norm 1, column 2 norm 2 (exactly c stays as is).
    fc[0] = 6;
    fc[3] = 8;
    fc[1] = 1;
    fc[2] = 2;
    const bias = Float64Array.of(50, 50);
    const p = [conv, bias, fc, Float64Array.of(9, 9, 9)];
    applyMaxNorm(infos, p, 2);
    const colNorm = (j: number) => Math.hypot(...Array.from({ length: 8 }, (_, r) => fc[r * 3 + j]));
    assert.ok(Math.abs(colNorm(0) - 2) < 1e-12);
    assert.deepEqual(
      [fc[0], fc[3]].map((v) => +v.toFixed(12)),
      [1.2, 1.6],
    );
    assert.equal(colNorm(1), 1);
    assert.equal(colNorm(2), 2);
    assert.deepEqual(
      Array.from(conv.subarray(0, 4)).map((v) => +v.toFixed(12)),
      [1.2, 1.6, 0, 0],
    );
    assert.deepEqual(Array.from(conv.subarray(4)), [0.6, 0, 0.8, 0]);
    assert.deepEqual(Array.from(bias), [50, 50]);
    const before = Array.from(fc);
    applyMaxNorm(infos, p, 0);
    assert.deepEqual(Array.from(fc), before);
  });

  it('parses a plain number as the L2 strength, and the object forms', () => {
    assert.deepEqual(parseReg(1e-4, 'train.reg'), { l2: 1e-4, l1: 0, maxNorm: 0 });
    assert.deepEqual(parseReg(undefined, 'train.reg'), { l2: 0, l1: 0, maxNorm: 0 });
    assert.deepEqual(parseReg({ l1: 1e-5, maxNorm: 3 }, 'train.reg'), { l2: 0, l1: 1e-5, maxNorm: 3 });
    assert.deepEqual(parseReg({ elasticNet: { l1: 1, l2: 2 } }, 'train.reg'), { l2: 2, l1: 1, maxNorm: 0 });
  });

  it('rejects negative, non-finite or unknown settings, naming the field', () => {
    assert.throws(() => parseReg(-1, 'train.reg'), badSpec('train.reg', /finite number ≥ 0, got -1/));
    assert.throws(() => parseReg({ l2: NaN }, 'train.reg'), badSpec('train.reg.l2', /got NaN/));
    assert.throws(() => parseReg({ maxNorm: -3 }, 'train.reg'), badSpec('train.reg.maxNorm', /got -3/));
    assert.throws(
      () => parseReg({ l3: 1 }, 'train.reg'),
      badSpec('train.reg', /unknown field "l3"; use l2, l1, elasticNet, maxNorm/),
    );
    assert.throws(
      () => parseReg({ elasticNet: { l1: 1 } }, 'train.reg'),
      badSpec('train.reg.elasticNet.l2', /got nothing/),
    );
    assert.throws(
      () => parseReg({ l2: 1, elasticNet: { l1: 1, l2: 1 } }, 'train.reg'),
      badSpec('train.reg.elasticNet', /either elasticNet or l1\/l2/),
    );
    assert.throws(() => parseReg('lots', 'train.reg'), badSpec('train.reg', /got "lots"/));
  });
});
