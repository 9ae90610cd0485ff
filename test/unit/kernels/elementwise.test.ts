import * as assert from 'node:assert/strict';
import { Mul, Relu, ReluGrad, Scale } from '../../../kernels/names';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import { awayFromZeroArray, checkKernelGradient, randomArray, tensor } from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

describe('Relu kernel', () => {
  it('clamps negatives to zero and keeps positives', () => {
    // max(0, [−2, −0.5, 0, 0.5, 3]) = [0, 0, 0, 0.5, 3].
    const y = ref.run(Relu, [tensor([5], [-2, -0.5, 0, 0.5, 3])], {});
    assert.deepEqual(y.shape, [5]);
    assert.deepEqual(Array.from(y.data), [0, 0, 0, 0.5, 3]);
  });

  it('keeps the input shape', () => {
    assert.deepEqual(ref.run(Relu, [tensor([2, 1, 3], [1, -1, 2, -2, 3, -3])], {}).shape, [2, 1, 3]);
  });
});

describe('ReluGrad kernel', () => {
  it('passes dy where x > 0 and zero elsewhere, including x = 0', () => {
    // x = [−2, −0.5, 0, 0.5, 3], dy = [1, 2, 3, 4, 5] → [0, 0, 0, 4, 5] (the subgradient at 0 is 0).
    const dx = ref.run(ReluGrad, [tensor([5], [1, 2, 3, 4, 5]), tensor([5], [-2, -0.5, 0, 0.5, 3])], {});
    assert.deepEqual(Array.from(dx.data), [0, 0, 0, 4, 5]);
  });

  it('throws when dy and x differ in size', () => {
    assert.throws(
      () => ref.run(ReluGrad, [tensor([3], [1, 2, 3]), tensor([2], [1, 2])], {}),
      /ReluGrad: dy \[3\] and x \[2\] differ in size/,
    );
  });

  it('matches the numeric gradient of Relu on inputs away from 0', () => {
    const rng = new Rng(501);
    const errors = checkKernelGradient(
      {
        forward: Relu,
        attrs: {},
        inputs: [tensor([4, 3, 5], awayFromZeroArray(rng, 60, 2))],
        backward: { x: (dy, [x]) => ref.run(ReluGrad, [dy, x], {}) },
      },
      rng,
    );
    assert.ok(errors.x < 1e-6, JSON.stringify(errors));
  });
});

describe('Mul kernel', () => {
  it('multiplies elementwise', () => {
    // [1, 2, 3] · [4, −5, 0.5] = [4, −10, 1.5].
    const y = ref.run(Mul, [tensor([3], [1, 2, 3]), tensor([3], [4, -5, 0.5])], {});
    assert.deepEqual(Array.from(y.data), [4, -10, 1.5]);
  });

  it('applies a 0/1 dropout mask', () => {
    const y = ref.run(Mul, [tensor([2, 2], [1.5, 2, 3, 4]), tensor([2, 2], [1, 0, 0, 1])], {});
    assert.deepEqual(y.shape, [2, 2]);
    assert.deepEqual(Array.from(y.data), [1.5, 0, 0, 4]);
  });

  it('throws when the operands differ in size', () => {
    assert.throws(
      () => ref.run(Mul, [tensor([3], [1, 2, 3]), tensor([2, 2], [1, 2, 3, 4])], {}),
      /Mul: a \[3\] and b \[2,2\] differ in size/,
    );
  });

  it('matches the numeric gradient: ∂L/∂a = dy·b and ∂L/∂b = dy·a', () => {
    const rng = new Rng(502);
    const errors = checkKernelGradient(
      {
        forward: Mul,
        attrs: {},
        inputs: [tensor([3, 7], randomArray(rng, 21)), tensor([3, 7], randomArray(rng, 21))],
        backward: {
          a: (dy, [, b]) => ref.run(Mul, [dy, b], {}),
          b: (dy, [a]) => ref.run(Mul, [dy, a], {}),
        },
      },
      rng,
    );
    assert.ok(errors.a < 1e-6 && errors.b < 1e-6, JSON.stringify(errors));
  });
});

describe('Scale kernel', () => {
  it('multiplies every element by the factor', () => {
    // −0.5 · [1, −2, 0.25, 8] = [−0.5, 1, −0.125, −4].
    const y = ref.run(Scale, [tensor([2, 2], [1, -2, 0.25, 8])], { factor: -0.5 });
    assert.deepEqual(y.shape, [2, 2]);
    assert.deepEqual(Array.from(y.data), [-0.5, 1, -0.125, -4]);
  });

  it('matches the numeric gradient: ∂L/∂x = factor·dy', () => {
    const rng = new Rng(503);
    const factor = 1.75;
    const errors = checkKernelGradient(
      {
        forward: Scale,
        attrs: { factor },
        inputs: [tensor([5, 4], randomArray(rng, 20))],
        backward: { x: (dy) => ref.run(Scale, [dy], { factor }) },
      },
      rng,
    );
    assert.ok(errors.x < 1e-6, JSON.stringify(errors));
  });
});
