import { strict as assert } from 'node:assert';
import { symmetricEigen } from '../../../src/data/preprocess-eigen';
import { Rng } from '../../../src/shared/rng';

/** A random symmetric n × n matrix; `psd` makes it a Gram matrix BᵀB/n (positive semi-definite, rank ≤ rank). */
function randomSymmetric(n: number, seed: number, psd = false, rank = n): Float64Array {
  const rng = new Rng(seed, 7);
  const a = new Float64Array(n * n);
  if (psd) {
    const b = new Float64Array(rank * n).map(() => rng.normal());
    for (let p = 0; p < n; p++)
      for (let q = 0; q < n; q++) {
        let s = 0;
        for (let r = 0; r < rank; r++) s += b[r * n + p] * b[r * n + q];
        a[p * n + q] = s / n;
      }
  } else {
    for (let p = 0; p < n; p++) for (let q = p; q < n; q++) a[p * n + q] = a[q * n + p] = rng.normal();
  }
  return a;
}

/** max |Vᵀ Λ V − A| and max |V Vᵀ − I| (rows of V are the eigenvectors). */
function errors(a: Float64Array, n: number): { recon: number; ortho: number; scale: number } {
  const { values, vectors: v } = symmetricEigen(a, n);
  let recon = 0;
  let ortho = 0;
  let scale = 0;
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      let s = 0;
      let o = 0;
      for (let i = 0; i < n; i++) {
        s += v[i * n + p] * values[i] * v[i * n + q];
        o += v[p * n + i] * v[q * n + i];
      }
      recon = Math.max(recon, Math.abs(s - a[p * n + q]));
      ortho = Math.max(ortho, Math.abs(o - (p === q ? 1 : 0)));
      scale = Math.max(scale, Math.abs(a[p * n + q]));
    }
  }
  return { recon, ortho, scale };
}

describe('symmetricEigen (Householder tridiagonalisation + implicit QL)', () => {
  for (const [n, psd, rank] of [
    [1, false, 1],
    [2, false, 2],
    [5, false, 5],
    [60, false, 60],
    [200, true, 200],
    [120, true, 30],
  ] as const) {
    it(`reconstructs a ${psd ? `rank-${rank} PSD` : 'random symmetric'} ${n}×${n} matrix with orthonormal vectors`, () => {
      const a = randomSymmetric(n, n + rank, psd, rank);
      const { recon, ortho, scale } = errors(a, n);
      assert.ok(recon < 1e-12 * Math.max(1, scale) * n, `‖VΛVᵀ − A‖max = ${recon}`);
      assert.ok(ortho < 1e-12 * n, `‖VVᵀ − I‖max = ${ortho}`);
    });
  }

  it('sorts eigenvalues in descending order and makes each largest-magnitude entry positive', () => {
    const n = 40;
    const { values, vectors } = symmetricEigen(randomSymmetric(n, 3), n);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1] >= values[i]);
    for (let i = 0; i < n; i++) {
      const row = Array.from(vectors.subarray(i * n, (i + 1) * n));
      const big = row.reduce((b, v, k) => (Math.abs(v) > Math.abs(row[b]) ? k : b), 0);
      assert.ok(row[big] > 0, `vector ${i}`);
    }
  });

  it('finds the known eigenvalues of a diagonal matrix with ties, and of the zero matrix', () => {
    const diag = [3, -1, 3, 0.5, 0, 3];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((v, i) => (a[i * n + i] = v));
    assert.deepEqual(Array.from(symmetricEigen(a, n).values), [3, 3, 3, 0.5, 0, -1]);
    const zero = symmetricEigen(new Float64Array(16), 4);
    assert.deepEqual(Array.from(zero.values), [0, 0, 0, 0]);
    assert.ok(errors(new Float64Array(16), 4).ortho < 1e-15);
  });

  it('matches the closed form of a 2×2 matrix and leaves its input untouched', () => {
    const a = Float64Array.from([2, 1, 1, 2]);
    const { values, vectors } = symmetricEigen(a, 2);
    assert.ok(Math.abs(values[0] - 3) < 1e-15 && Math.abs(values[1] - 1) < 1e-15);
    assert.ok(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2) < 1e-15);
    assert.deepEqual(Array.from(a), [2, 1, 1, 2]);
  });

  it('is deterministic: the same matrix gives bit-identical results', () => {
    const a = randomSymmetric(50, 11, true);
    const r1 = symmetricEigen(a, 50);
    const r2 = symmetricEigen(a, 50);
    assert.deepEqual(r1.values, r2.values);
    assert.deepEqual(r1.vectors, r2.vectors);
  });
});
