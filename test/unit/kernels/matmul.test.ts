import * as assert from 'node:assert/strict';
import { MatMul, type MatMulAttrs } from '../../../kernels/names';
import type { Tensor } from '../../../kernels/spec';
import { ReferenceRunner } from '../../../src/backend/reference';
import { Rng } from '../../../src/shared/rng';
import { checkKernelGradient, randomArray, tensor } from '../../helpers/gradcheck';

const ref = new ReferenceRunner();

function matMul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  return ref.run(MatMul, [a, b], { transposeA, transposeB });
}

/** Stores the [rows, cols] matrix `m` transposed, as [cols, rows]. */
function transpose(m: Tensor): Tensor {
  const [rows, cols] = m.shape;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = m.data[i * cols + j];
  return tensor([cols, rows], out);
}

describe('MatMul kernel', () => {
  // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[7, 8], [9, 10], [11, 12]] (3×2):
  //   C[0,0] = 1·7 + 2·9 + 3·11 = 58    C[0,1] = 1·8 + 2·10 + 3·12 = 64
  //   C[1,0] = 4·7 + 5·9 + 6·11 = 139   C[1,1] = 4·8 + 5·10 + 6·12 = 154
  const a = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
  const b = tensor([3, 2], [7, 8, 9, 10, 11, 12]);
  const expected = [58, 64, 139, 154];

  it('multiplies a 2×3 by a 3×2 matrix into a 2×2 matrix', () => {
    const c = matMul(a, b, false, false);
    assert.deepEqual(c.shape, [2, 2]);
    assert.deepEqual(Array.from(c.data), expected);
  });

  it('gives the same product when A, B or both are stored transposed', () => {
    const aT = transpose(a); // [[1, 4], [2, 5], [3, 6]]
    const bT = transpose(b); // [[7, 9, 11], [8, 10, 12]]
    assert.deepEqual(Array.from(aT.data), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual(Array.from(bT.data), [7, 9, 11, 8, 10, 12]);
    for (const [x, y, ta, tb] of [
      [aT, b, true, false],
      [a, bT, false, true],
      [aT, bT, true, true],
    ] as const) {
      const c = matMul(x, y, ta, tb);
      assert.deepEqual(c.shape, [2, 2], `transposeA=${ta} transposeB=${tb}`);
      assert.deepEqual(Array.from(c.data), expected, `transposeA=${ta} transposeB=${tb}`);
    }
  });

  it('computes an outer product when the inner dimension is 1', () => {
    // [1, 2, 3]ᵀ · [4, 5] = [[4, 5], [8, 10], [12, 15]].
    const c = matMul(tensor([3, 1], [1, 2, 3]), tensor([1, 2], [4, 5]), false, false);
    assert.deepEqual(c.shape, [3, 2]);
    assert.deepEqual(Array.from(c.data), [4, 5, 8, 10, 12, 15]);
  });

  it('throws when the inner dimensions differ', () => {
    assert.throws(() => matMul(a, a, false, false), /MatMul: inner dimensions differ: 3 vs 2/);
    assert.throws(() => matMul(a, b, true, false), /inner dimensions differ: 2 vs 3/);
    assert.throws(() => matMul(a, b, false, true), /inner dimensions differ: 3 vs 2/);
  });

  it('throws on inputs that are not 2-D', () => {
    assert.throws(() => matMul(tensor([6], [1, 2, 3, 4, 5, 6]), b, false, false), /needs 2-D inputs/);
    assert.throws(() => matMul(a, tensor([1, 3, 2], b.data), false, false), /needs 2-D inputs/);
  });

  describe('gradients (central differences on L = Σ C·r)', () => {
    // With C = op(A)·op(B) and dC = ∂L/∂C:  ∂L/∂op(A) = dC·op(B)ᵀ,  ∂L/∂op(B) = op(A)ᵀ·dC.
    // A stored transposed receives (dC·op(B)ᵀ)ᵀ = op(B)·dCᵀ; B stored transposed receives dCᵀ·op(A).
    // Each is again one MatMul on the stored arrays:
    type Grad = (dC: Tensor, A: Tensor, B: Tensor) => Tensor;
    const grads: Record<string, { dA: Grad; dB: Grad }> = {
      'A·B': { dA: (dC, _A, B) => matMul(dC, B, false, true), dB: (dC, A) => matMul(A, dC, true, false) },
      'A·Bᵀ': { dA: (dC, _A, B) => matMul(dC, B, false, false), dB: (dC, A) => matMul(dC, A, true, false) },
      'Aᵀ·B': { dA: (dC, _A, B) => matMul(B, dC, false, true), dB: (dC, A) => matMul(A, dC, false, false) },
      'Aᵀ·Bᵀ': { dA: (dC, _A, B) => matMul(B, dC, true, true), dB: (dC, A) => matMul(dC, A, true, true) },
    };
    const [M, K, N] = [5, 7, 3];
    const cases: [string, MatMulAttrs][] = [
      ['A·B', { transposeA: false, transposeB: false }],
      ['A·Bᵀ', { transposeA: false, transposeB: true }],
      ['Aᵀ·B', { transposeA: true, transposeB: false }],
      ['Aᵀ·Bᵀ', { transposeA: true, transposeB: true }],
    ];
    cases.forEach(([label, attrs], k) => {
      it(`matches the numeric gradient for ${label} (M=${M}, K=${K}, N=${N})`, () => {
        const rng = new Rng(101, k);
        const A = tensor(attrs.transposeA ? [K, M] : [M, K], randomArray(rng, M * K));
        const B = tensor(attrs.transposeB ? [N, K] : [K, N], randomArray(rng, K * N));
        const errors = checkKernelGradient(
          {
            forward: MatMul,
            attrs,
            inputs: [A, B],
            backward: {
              a: (dC, [x, y]) => grads[label].dA(dC, x, y),
              b: (dC, [x, y]) => grads[label].dB(dC, x, y),
            },
          },
          rng,
        );
        assert.ok(errors.a < 1e-6 && errors.b < 1e-6, JSON.stringify(errors));
      });
    });
  });
});
