/** The PCA stage of preprocessing: covariance of the (already scaled) training data and its eigenbasis. */
import { symmetricEigen } from './preprocess-eigen';

/** Fitted PCA / whitening parameters (plain data: stored with the model, sent to workers). */
export interface PcaStats {
  /** Per-pixel mean of the training data after the mean/std stage, `D` values (≈ 0 when mean is per-pixel). */
  readonly center: Float64Array;
  /** Kept principal axes, row-major `k × D`, unit rows sorted by eigenvalue (largest first), largest entry > 0. */
  readonly components: Float64Array;
  /** Eigenvalues of the kept axes (variance of the training data along each), `k` values, descending. */
  readonly eigenvalues: Float64Array;
  /** Trace of the training covariance: the total variance, over all D axes. */
  readonly totalVariance: number;
  /** Whitening: projections are divided by √(eigenvalue + eps). */
  readonly whiten: boolean;
  /** Whitening floor added to each eigenvalue (variance units). */
  readonly eps: number;
}

/** Rows handled per covariance block: the block's transpose (D × ROWS) stays in cache. */
const ROWS = 64;

/**
 * Per-pixel mean and population covariance C = (1/N) Σ (x − μ)(x − μ)ᵀ of `count` rows of width `dim`,
 * where each row is first mapped through `row(i, out)` (the mean/std stage). float64 throughout.
 */
export function covariance(
  count: number,
  dim: number,
  row: (i: number, out: Float64Array) => void,
): { center: Float64Array; cov: Float64Array } {
  const center = new Float64Array(dim);
  const buf = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    row(i, buf);
    for (let p = 0; p < dim; p++) center[p] += buf[p];
  }
  for (let p = 0; p < dim; p++) center[p] /= count;
  const cov = new Float64Array(dim * dim);
  const block = new Float64Array(dim * ROWS); // block[p·ROWS + r] = centred pixel p of row r
  for (let start = 0; start < count; start += ROWS) {
    const rows = Math.min(ROWS, count - start);
    block.fill(0);
    for (let r = 0; r < rows; r++) {
      row(start + r, buf);
      for (let p = 0; p < dim; p++) block[p * ROWS + r] = buf[p] - center[p];
    }
    accumulateUpper(cov, block, dim);
  }
  for (let p = 0; p < dim; p++) {
    for (let q = p; q < dim; q++) {
      const v = cov[p * dim + q] / count;
      cov[p * dim + q] = v;
      cov[q * dim + p] = v;
    }
  }
  return { center, cov };
}

/** cov[p][q] += Σ_r block[p][r]·block[q][r] for q ≥ p (the upper triangle). */
function accumulateUpper(cov: Float64Array, block: Float64Array, dim: number): void {
  for (let p = 0; p < dim; p++) {
    const bp = p * ROWS;
    for (let q = p; q < dim; q++) {
      const bq = q * ROWS;
      let s = 0;
      for (let r = 0; r < ROWS; r++) s += block[bp + r] * block[bq + r];
      cov[p * dim + q] += s;
    }
  }
}

/** Fits the PCA stage: keeps the top `k` axes (all D when k = 0). */
export function fitPca(
  count: number,
  dim: number,
  row: (i: number, out: Float64Array) => void,
  k: number,
  whiten: boolean,
  eps: number,
): PcaStats {
  const { center, cov } = covariance(count, dim, row);
  let totalVariance = 0;
  for (let p = 0; p < dim; p++) totalVariance += cov[p * dim + p];
  const { values, vectors } = symmetricEigen(cov, dim);
  const kept = k === 0 ? dim : k;
  return {
    center,
    components: vectors.slice(0, kept * dim),
    eigenvalues: values.slice(0, kept),
    totalVariance,
    whiten,
    eps,
  };
}

/** y = Vₖ (x − center) (x is overwritten), divided by √(max(λ, 0) + eps) per axis when whitening. `out` has k entries. */
export function projectRow(pca: PcaStats, x: Float64Array, out: Float64Array): void {
  const dim = pca.center.length;
  const k = pca.eigenvalues.length;
  for (let p = 0; p < dim; p++) x[p] -= pca.center[p];
  for (let c = 0; c < k; c++) {
    const base = c * dim;
    let s = 0;
    for (let p = 0; p < dim; p++) s += pca.components[base + p] * x[p];
    // Rounding can leave an eigenvalue of a PSD matrix slightly below 0; clamp it before adding eps.
    out[c] = pca.whiten ? s / Math.sqrt(Math.max(pca.eigenvalues[c], 0) + pca.eps) : s;
  }
}
