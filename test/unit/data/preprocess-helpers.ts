/** Shared builders and independent (float64, naive) statistics for the preprocessing tests. */
import type { Dataset } from '../../../src/data/dataset';
import { Rng } from '../../../src/shared/rng';

/** A dataset over `x` with the given sample shape. */
export function datasetOf(x: Float32Array, sampleShape: number[]): Dataset {
  const dim = sampleShape.reduce((a, b) => a * b, 1);
  const count = x.length / dim;
  return { source: 'test', x, labels: new Uint8Array(count), count, sampleShape, numClasses: 1 };
}

/** Column means of `count` rows of width `dim`. */
export function columnMeans(x: ArrayLike<number>, count: number, dim: number): Float64Array {
  const m = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let p = 0; p < dim; p++) m[p] += x[i * dim + p];
  return m.map((v) => v / count);
}

/** Population covariance (1/N) of `count` rows of width `dim`, computed naively. */
export function naiveCovariance(x: ArrayLike<number>, count: number, dim: number): Float64Array {
  const m = columnMeans(x, count, dim);
  const c = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < dim; p++) row[p] = x[i * dim + p] - m[p];
    for (let p = 0; p < dim; p++) for (let q = 0; q < dim; q++) c[p * dim + q] += row[p] * row[q];
  }
  return c.map((v) => v / count);
}

/** max |C − D| where D is diagonal with entries `diag`. */
export function maxOffFrom(c: Float64Array, diag: ArrayLike<number>): number {
  const n = diag.length;
  let worst = 0;
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) worst = Math.max(worst, Math.abs(c[p * n + q] - (p === q ? diag[p] : 0)));
  }
  return worst;
}

/** Orthonormalises the `cols` columns (length `rows`) of row-major `a` in place (modified Gram–Schmidt, twice). */
export function orthonormalColumns(a: Float64Array, rows: number, cols: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < cols; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += a[r * cols + i] * a[r * cols + j];
        for (let r = 0; r < rows; r++) a[r * cols + j] -= dot * a[r * cols + i];
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += a[r * cols + j] ** 2;
      norm = Math.sqrt(norm);
      for (let r = 0; r < rows; r++) a[r * cols + j] /= norm;
    }
  }
}

/**
 * N samples in d dimensions whose sample covariance is exactly Q diag(λ) Qᵀ (before float32 rounding):
 * X = offset + √N · Z diag(√λ) Qᵀ with Z's columns centred and orthonormal, Q a random rotation.
 * Returns X and Q (row-major d × d; column j is the axis of λⱼ).
 */
export function knownSpectrum(
  count: number,
  lambdas: number[],
  seed: number,
): { x: Float32Array; q: Float64Array } {
  const d = lambdas.length;
  const rng = new Rng(seed, 99);
  const z = new Float64Array(count * d).map(() => rng.normal());
  const m = columnMeans(z, count, d);
  for (let i = 0; i < count; i++) for (let j = 0; j < d; j++) z[i * d + j] -= m[j];
  orthonormalColumns(z, count, d);
  const q = new Float64Array(d * d).map(() => rng.normal());
  orthonormalColumns(q, d, d);
  const x = new Float32Array(count * d);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < d; p++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += z[i * d + j] * Math.sqrt(count * lambdas[j]) * q[p * d + j];
      x[i * d + p] = 0.5 + 0.1 * p + s;
    }
  }
  return { x, q };
}
