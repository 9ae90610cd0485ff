import * as assert from 'node:assert/strict';
import { ArgMax, ReduceSum } from '../../../kernels/names';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import { checkKernelGradient, randomArray, tensor } from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

describe('ReduceSum kernel', () => {
  it('sums each row of a matrix', () => {
    // [[1, 2, 3], [4, 5, 6]] → [1 + 2 + 3, 4 + 5 + 6] = [6, 15].
    const y = ref.run(ReduceSum, [tensor([2, 3], [1, 2, 3, 4, 5, 6])], {});
    assert.deepEqual(y.shape, [2]);
    assert.deepEqual(Array.from(y.data), [6, 15]);
  });

  it('reduces a vector to a single-element tensor', () => {
    const y = ref.run(ReduceSum, [tensor([4], [1, 2, 3, 4])], {});
    assert.deepEqual(y.shape, [1]);
    assert.deepEqual(Array.from(y.data), [10]);
  });

  it('reduces only the last axis of a higher-rank tensor', () => {
    // [2, 2, 3] with rows [0,1,2], [3,4,5], [6,7,8], [9,10,11] → [[3, 12], [21, 30]].
    const y = ref.run(ReduceSum, [tensor([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])], {});
    assert.deepEqual(y.shape, [2, 2]);
    assert.deepEqual(Array.from(y.data), [3, 12, 21, 30]);
  });

  it('throws on an empty last axis', () => {
    assert.throws(
      () => ref.run(ReduceSum, [tensor([2, 0], [])], {}),
      /ReduceSum: needs a non-empty last axis/,
    );
  });

  it('matches the numeric gradient: dy broadcast along each row', () => {
    const rng = new Rng(701);
    const [R, K] = [4, 6];
    const errors = checkKernelGradient(
      {
        forward: ReduceSum,
        attrs: {},
        inputs: [tensor([R, K], randomArray(rng, R * K))],
        backward: {
          x: (dy) =>
            tensor(
              [R, K],
              Array.from({ length: R * K }, (_, i) => dy.data[Math.floor(i / K)]),
            ),
        },
      },
      rng,
    );
    assert.ok(errors.x < 1e-6, JSON.stringify(errors));
  });
});

describe('ArgMax kernel', () => {
  it('returns the index of each row’s maximum', () => {
    // [1, 3, 2] → 1; [−1, −2, −3] → 0; [0.5, 0.25, 4] → 2.
    const y = ref.run(ArgMax, [tensor([3, 3], [1, 3, 2, -1, -2, -3, 0.5, 0.25, 4])], {});
    assert.deepEqual(y.shape, [3]);
    assert.deepEqual(Array.from(y.data), [1, 0, 2]);
  });

  it('returns the first index among tied maxima', () => {
    // [5, 5, 1] → 0; [2, 7, 7] → 1; [3, 3, 3] → 0.
    const y = ref.run(ArgMax, [tensor([3, 3], [5, 5, 1, 2, 7, 7, 3, 3, 3])], {});
    assert.deepEqual(Array.from(y.data), [0, 1, 0]);
  });

  it('reduces a vector to a single index', () => {
    const y = ref.run(ArgMax, [tensor([5], [0, -1, 9, 2, 9])], {});
    assert.deepEqual(y.shape, [1]);
    assert.deepEqual(Array.from(y.data), [2]);
  });

  it('throws on an empty last axis', () => {
    assert.throws(() => ref.run(ArgMax, [tensor([3, 0], [])], {}), /ArgMax: needs a non-empty last axis/);
  });
});
