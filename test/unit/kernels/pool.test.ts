import * as assert from 'node:assert/strict';
import { MaxPool, MaxPoolGrad } from '../../../kernels/names';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import { checkKernelGradient, distinctArray, randomArray, tensor } from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

// A 4×4 image as [1, 1, 4, 4]:
//   [[1, 2, 5, 3],
//    [4, 0, 1, 2],
//    [7, 8, 3, 6],
//    [2, 9, 4, 5]]
const x4 = tensor([1, 1, 4, 4], [1, 2, 5, 3, 4, 0, 1, 2, 7, 8, 3, 6, 2, 9, 4, 5]);

describe('MaxPool kernel', () => {
  it('takes the maximum of each non-overlapping 2×2 window (stride == size)', () => {
    // Windows: {1,2,4,0} → 4, {5,3,1,2} → 5, {7,8,2,9} → 9, {3,6,4,5} → 6.
    const y = ref.run(MaxPool, [x4], { size: 2, stride: 2 });
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(y.data), [4, 5, 9, 6]);
  });

  it('takes the maximum of overlapping 3×3 windows (stride < size)', () => {
    // OH = (4 − 3)/1 + 1 = 2. Rows 0–2 × cols 0–2 and cols 1–3 both hold 8; rows 1–3 both hold 9.
    const y = ref.run(MaxPool, [x4], { size: 3, stride: 1 });
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(Array.from(y.data), [8, 8, 9, 9]);
  });

  it('pools every sample and channel separately and ignores rows and columns no window reaches', () => {
    // x is [2, 2, 3, 5]; channel k of sample n holds 100·(2n + k) + (row-major index), so every window's
    // max is its bottom-right element. size 2, stride 2: OH = 1, OW = 2; windows end at index 6 and 8.
    const values = Array.from({ length: 60 }, (_, i) => 100 * Math.floor(i / 15) + (i % 15));
    const y = ref.run(MaxPool, [tensor([2, 2, 3, 5], values)], { size: 2, stride: 2 });
    assert.deepEqual(y.shape, [2, 2, 1, 2]);
    assert.deepEqual(Array.from(y.data), [6, 8, 106, 108, 206, 208, 306, 308]);
  });

  it('sends a tied window to its first maximum in row-major order', () => {
    // One 2×2 window [[3, 1], [3, 3]]: the max 3 occurs at (0,0), (1,0), (1,1); dy goes to (0,0) only.
    const x = tensor([1, 1, 2, 2], [3, 1, 3, 3]);
    assert.deepEqual(Array.from(ref.run(MaxPool, [x], { size: 2, stride: 2 }).data), [3]);
    const dx = ref.run(MaxPoolGrad, [x, tensor([1, 1, 1, 1], [7])], { size: 2, stride: 2 });
    assert.deepEqual(Array.from(dx.data), [7, 0, 0, 0]);
  });

  it('throws when the window is larger than the input', () => {
    const x = tensor([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => ref.run(MaxPool, [x], { size: 3, stride: 1 }), /MaxPool: window 3 larger than input/);
    assert.throws(() => ref.run(MaxPoolGrad, [x, x], { size: 3, stride: 1 }), /window 3 larger than input/);
  });

  it('throws on a size or stride below 1 and on an input that is not 4-D', () => {
    assert.throws(() => ref.run(MaxPool, [x4], { size: 0, stride: 1 }), /bad size 0 or stride 1/);
    assert.throws(() => ref.run(MaxPool, [x4], { size: 2, stride: 0 }), /bad size 2 or stride 0/);
    assert.throws(() => ref.run(MaxPool, [tensor([4, 4], x4.data)], { size: 2, stride: 2 }), /\[N,C,H,W\]/);
  });
});

describe('MaxPoolGrad kernel', () => {
  it('routes each window’s dy to its argmax (stride == size)', () => {
    // Argmaxes: 4 at (1,0), 5 at (0,2), 9 at (3,1), 6 at (2,3); dy = [10, 20, 30, 40].
    const dy = tensor([1, 1, 2, 2], [10, 20, 30, 40]);
    const dx = ref.run(MaxPoolGrad, [x4, dy], { size: 2, stride: 2 });
    assert.deepEqual(dx.shape, [1, 1, 4, 4]);
    assert.deepEqual(Array.from(dx.data), [0, 0, 20, 0, 10, 0, 0, 0, 0, 0, 0, 40, 0, 30, 0, 0]);
  });

  it('adds up dy of overlapping windows that share an argmax (stride < size)', () => {
    // Windows 0 and 1 share the 8 at (2,1): 1 + 2 = 3; windows 2 and 3 share the 9 at (3,1): 3 + 4 = 7.
    const dy = tensor([1, 1, 2, 2], [1, 2, 3, 4]);
    const dx = ref.run(MaxPoolGrad, [x4, dy], { size: 3, stride: 1 });
    assert.deepEqual(Array.from(dx.data), [0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0]);
  });

  it('throws when dy does not have the pooled shape', () => {
    const dy = tensor([1, 1, 3, 3], new Float64Array(9));
    assert.throws(
      () => ref.run(MaxPoolGrad, [x4, dy], { size: 2, stride: 2 }),
      /MaxPoolGrad: dy must be \[1,1,2,2\], got \[1,1,3,3\]/,
    );
  });
});

describe('MaxPool gradients (central differences on L = Σ y·r)', () => {
  // Inputs are distinct values at least 2/(n − 1) apart (≫ ε = 1e-5): no window has a near tie.
  const cases: [number[], number, number][] = [
    [[2, 3, 6, 8], 2, 2],
    [[2, 1, 9, 7], 3, 3],
    [[1, 3, 5, 7], 2, 1],
    [[2, 2, 7, 6], 3, 2],
    [[1, 2, 8, 9], 3, 1],
  ];
  cases.forEach(([shape, size, stride], k) => {
    const kind = stride === size ? 'non-overlapping' : 'overlapping';
    it(`matches dx for ${kind} ${size}×${size} windows, stride ${stride}, on [${shape}]`, () => {
      const rng = new Rng(401, k);
      const n = shape.reduce((p, d) => p * d, 1);
      const errors = checkKernelGradient(
        {
          forward: MaxPool,
          attrs: { size, stride },
          inputs: [tensor(shape, distinctArray(rng, n, 1))],
          backward: { x: (dy, [x]) => ref.run(MaxPoolGrad, [x, dy], { size, stride }) },
        },
        rng,
      );
      assert.ok(errors.x < 1e-6, JSON.stringify(errors));
    });
  });

  it('gives zero gradient to every non-maximum (the routing is exact, not approximate)', () => {
    const rng = new Rng(402);
    const x = tensor([1, 2, 6, 6], randomArray(rng, 72));
    const dy = tensor([1, 2, 3, 3], new Float64Array(18).fill(1));
    const dx = ref.run(MaxPoolGrad, [x, dy], { size: 2, stride: 2 });
    // Non-overlapping windows: exactly one 1 per window, 18 in all, the rest exact zeros.
    assert.equal(Array.from(dx.data).filter((v) => v === 1).length, 18);
    assert.equal(Array.from(dx.data).filter((v) => v === 0).length, 72 - 18);
  });
});
