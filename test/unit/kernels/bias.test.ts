import * as assert from 'node:assert/strict';
import { BiasAdd, BiasGrad } from '../../../kernels/names';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import { checkKernelGradient, randomArray, tensor } from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

describe('BiasAdd kernel', () => {
  it('adds b[c] to every element of channel c of an [N, C, H, W] input', () => {
    // x is [2, 2, 1, 2]: sample 0 = {c0: [1, 2], c1: [3, 4]}, sample 1 = {c0: [5, 6], c1: [7, 8]}; b = [10, 20].
    // c0 gets +10, c1 gets +20: [11, 12, 23, 24, 15, 16, 27, 28].
    const y = ref.run(BiasAdd, [tensor([2, 2, 1, 2], [1, 2, 3, 4, 5, 6, 7, 8]), tensor([2], [10, 20])], {});
    assert.deepEqual(y.shape, [2, 2, 1, 2]);
    assert.deepEqual(Array.from(y.data), [11, 12, 23, 24, 15, 16, 27, 28]);
  });

  it('adds b[j] to column j of an [N, C] input (fully connected layers)', () => {
    // [[1, 2, 3], [4, 5, 6]] + [0.5, -1, 2] = [[1.5, 1, 5], [4.5, 4, 8]].
    const y = ref.run(BiasAdd, [tensor([2, 3], [1, 2, 3, 4, 5, 6]), tensor([3], [0.5, -1, 2])], {});
    assert.deepEqual(y.shape, [2, 3]);
    assert.deepEqual(Array.from(y.data), [1.5, 1, 5, 4.5, 4, 8]);
  });

  it('throws when the bias length differs from the channel count', () => {
    assert.throws(
      () => ref.run(BiasAdd, [tensor([2, 3], [1, 2, 3, 4, 5, 6]), tensor([2], [1, 2])], {}),
      /BiasAdd: bias must be \[3\], got \[2\]/,
    );
    assert.throws(
      () => ref.run(BiasAdd, [tensor([2, 3], [1, 2, 3, 4, 5, 6]), tensor([1, 3], [1, 2, 3])], {}),
      /bias must be \[3\]/,
    );
  });

  it('throws on an input of rank 1', () => {
    assert.throws(() => ref.run(BiasAdd, [tensor([3], [1, 2, 3]), tensor([3], [1, 2, 3])], {}), /rank ≥ 2/);
  });
});

describe('BiasGrad kernel', () => {
  it('sums dy over the batch and spatial positions of each channel', () => {
    // dy as in the BiasAdd case: db[0] = 1 + 2 + 5 + 6 = 14, db[1] = 3 + 4 + 7 + 8 = 22.
    const db = ref.run(BiasGrad, [tensor([2, 2, 1, 2], [1, 2, 3, 4, 5, 6, 7, 8])], {});
    assert.deepEqual(db.shape, [2]);
    assert.deepEqual(Array.from(db.data), [14, 22]);
  });

  it('sums the columns of an [N, C] gradient', () => {
    // [[1, 2, 3], [4, 5, 6]] → [5, 7, 9].
    const db = ref.run(BiasGrad, [tensor([2, 3], [1, 2, 3, 4, 5, 6])], {});
    assert.deepEqual(Array.from(db.data), [5, 7, 9]);
  });

  it('throws on an input of rank 1', () => {
    assert.throws(
      () => ref.run(BiasGrad, [tensor([3], [1, 2, 3])], {}),
      /BiasGrad: needs an input of rank ≥ 2/,
    );
  });

  // ∂L/∂x = dy (BiasAdd is the identity in x) and ∂L/∂b = BiasGrad(dy).
  for (const shape of [
    [4, 6],
    [3, 4, 5, 2],
    [2, 3, 7],
  ]) {
    it(`matches the numeric gradient of BiasAdd on [${shape}]`, () => {
      const rng = new Rng(201, ...shape);
      const n = shape.reduce((p, d) => p * d, 1);
      const errors = checkKernelGradient(
        {
          forward: BiasAdd,
          attrs: {},
          inputs: [tensor(shape, randomArray(rng, n)), tensor([shape[1]], randomArray(rng, shape[1]))],
          backward: { x: (dy) => dy, b: (dy) => ref.run(BiasGrad, [dy], {}) },
        },
        rng,
      );
      assert.ok(errors.x < 1e-6 && errors.b < 1e-6, JSON.stringify(errors));
    });
  }
});
