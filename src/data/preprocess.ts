/**
 * Input preprocessing (the cs231n recipe): mean subtraction, std normalisation, PCA and whitening.
 *
 * Fit once, on the TRAINING split only (`fitPreprocess(train, spec)`), then apply the same frozen
 * statistics at training, evaluation and export (`applyPreprocess`). The stats are plain data (typed
 * arrays and numbers) so they can be stored with the model and sent to workers (see preprocess-codec.ts).
 *
 * Per sample x (D = prod(sampleShape) values), in this order:
 *   1. x ← x − μ           μ: the mean image (per-pixel) or one mean per channel (per-channel)
 *   2. x ← x / max(σ, √eps) σ: the std of the same grouping; the floor keeps constant pixels (e.g. MNIST's
 *                           borders, σ = 0) finite: they are 0 after step 1 and stay 0
 *   3. y = Vₖ (x − c)      PCA (pca > 0 or whiten): c is the per-pixel mean after steps 1–2 (so PCA
 *                           is always centred, whatever `mean` says), Vₖ the top k unit eigenvectors
 *                           of the training covariance after steps 1–2
 *   4. yᵢ ← yᵢ / √(λᵢ + eps) whitening: λᵢ the variance along axis i
 * Steps 3–4 change the sample shape from sampleShape to [k] (k = D for `pca: 0, whiten: true`), so they
 * only fit models whose input is a flat vector (MLPs), not convolutional ones.
 */
import { GradpoolError, specError } from '../shared/errors';
import { asObject, bool, describe, nonNegativeInt, onlyKeys, positiveNumber } from '../shared/validate';
import { sampleSize, type Dataset } from './dataset';
import { fitPca, projectRow, type PcaStats } from './preprocess-pca';

/** Which mean is subtracted. */
export type MeanMode = 'none' | 'per-pixel' | 'per-channel';

/** Validated preprocessing options of a job (`data.preprocess`). */
export interface PreprocessSpec {
  /** Subtract the mean image (`per-pixel`), one mean per channel (`per-channel`), or nothing. Default `none`. */
  readonly mean: MeanMode;
  /** Also divide by the std of the same grouping as `mean` (floored at √eps). Needs a mean. Default false. */
  readonly std: boolean;
  /** Project onto the top k principal components (sample shape becomes [k]); 0 = no reduction. Default 0. */
  readonly pca: number;
  /** Divide each principal component by √(eigenvalue + eps); with pca 0, keeps all D components. Default false. */
  readonly whiten: boolean;
  /** Variance floor for whitening and (as √eps) for the std divisor. Default 1e-5. */
  readonly eps: number;
}

/** Statistics fitted on a training split; everything `applyPreprocess` needs. */
export interface PreprocessStats {
  /** The spec they were fitted for. */
  readonly spec: PreprocessSpec;
  /** Sample shape of the data they were fitted on (and that they accept). */
  readonly sampleShape: readonly number[];
  /** Subtracted mean: D values (per-pixel), one per channel (per-channel), or null. */
  readonly mean: Float64Array | null;
  /** Divisors max(σ, √eps), the same length as `mean`, or null when `std` is false. */
  readonly std: Float64Array | null;
  /** PCA / whitening stage, or null when neither is asked for. */
  readonly pca: PcaStats | null;
}

/** The defaults: no preprocessing at all. */
export const NO_PREPROCESS: PreprocessSpec = Object.freeze({
  mean: 'none',
  std: false,
  pca: 0,
  whiten: false,
  eps: 1e-5,
});

/** Largest sample size PCA accepts: the covariance is D×D float64 and the eigen-solver O(D³). */
export const MAX_PCA_DIM = 4096;

const MEAN_MODES: readonly MeanMode[] = ['none', 'per-pixel', 'per-channel'];

/** Validates `raw` (a job's `data.preprocess`; missing = no preprocessing). Errors are E_BAD_SPEC on `field`. */
export function parsePreprocess(raw: unknown, field: string): PreprocessSpec {
  if (raw === undefined) return NO_PREPROCESS;
  const obj = asObject(raw, field);
  onlyKeys(obj, ['mean', 'std', 'pca', 'whiten', 'eps'], field);
  const mean = obj.mean ?? NO_PREPROCESS.mean;
  if (typeof mean !== 'string' || !(MEAN_MODES as readonly string[]).includes(mean)) {
    throw specError(`${field}.mean`, `must be one of ${MEAN_MODES.join(', ')}, got ${describe(mean)}`);
  }
  const std = obj.std === undefined ? false : bool(obj.std, `${field}.std`);
  if (std && mean === 'none') {
    throw specError(
      `${field}.std`,
      'std: true divides by the std around the mean, so it needs mean: per-pixel or per-channel',
    );
  }
  return Object.freeze({
    mean: mean as MeanMode,
    std,
    pca: obj.pca === undefined ? 0 : nonNegativeInt(obj.pca, `${field}.pca`),
    whiten: obj.whiten === undefined ? false : bool(obj.whiten, `${field}.whiten`),
    eps: obj.eps === undefined ? NO_PREPROCESS.eps : positiveNumber(obj.eps, `${field}.eps`),
  });
}

/** True when the spec projects onto principal components (and so flattens samples to [k]). */
export function usesPca(spec: PreprocessSpec): boolean {
  return spec.pca > 0 || spec.whiten;
}

/**
 * Checks `spec` against the sample shape it will see (before any data is read): pca ≤ D, D ≤ MAX_PCA_DIM.
 * Errors are E_BAD_SPEC on `field`.
 */
export function checkPreprocessFor(
  spec: PreprocessSpec,
  sampleShape: readonly number[],
  field: string,
): void {
  if (!usesPca(spec)) return;
  const dim = sampleShape.reduce((a, b) => a * b, 1);
  if (spec.pca > dim) {
    throw specError(
      `${field}.pca`,
      `must be at most the sample size ${dim} (shape [${sampleShape}]), got ${spec.pca}`,
    );
  }
  if (dim > MAX_PCA_DIM) {
    throw specError(
      `${field}.pca`,
      `PCA/whitening supports samples of at most ${MAX_PCA_DIM} values, got ${dim} (shape [${sampleShape}]); ` +
        'use mean/std only',
    );
  }
}

/** Shape of one preprocessed sample, from the spec alone: [k] (or [D]) with PCA, else unchanged. */
export function outputShapeForSpec(spec: PreprocessSpec, sampleShape: readonly number[]): readonly number[] {
  if (!usesPca(spec)) return [...sampleShape];
  return [spec.pca > 0 ? spec.pca : sampleShape.reduce((a, b) => a * b, 1)];
}

/** Shape of one preprocessed sample; `sampleShape` must be the one the stats were fitted on. */
export function outputShape(stats: PreprocessStats, sampleShape: readonly number[]): readonly number[] {
  checkShape(stats, sampleShape);
  return stats.pca ? [stats.pca.eigenvalues.length] : [...sampleShape];
}

/** Share of the total training variance kept by the PCA components (1 without PCA). */
export function explainedVariance(stats: PreprocessStats): number {
  if (!stats.pca) return 1;
  if (stats.pca.totalVariance <= 0) return 1;
  let kept = 0;
  for (const v of stats.pca.eigenvalues) kept += Math.max(v, 0);
  return kept / stats.pca.totalVariance;
}

/** Fits the statistics of `spec` on `train`, which must be the training split only (never val/test). */
export function fitPreprocess(train: Dataset, spec: PreprocessSpec): PreprocessStats {
  checkPreprocessFor(spec, train.sampleShape, 'preprocess');
  if (train.count === 0 && (spec.mean !== 'none' || usesPca(spec))) {
    throw new GradpoolError('E_BAD_DATA', 'preprocessing needs at least one training sample, got 0');
  }
  const dim = sampleSize(train);
  const groups = groupsOf(spec.mean, train.sampleShape);
  const mean = spec.mean === 'none' ? null : groupMean(train.x, train.count, dim, groups);
  const std = spec.std && mean ? groupStd(train.x, train.count, dim, groups, mean, spec.eps) : null;
  const partial = { spec, sampleShape: [...train.sampleShape], mean, std, pca: null };
  if (!usesPca(spec)) return partial;
  const row = (i: number, out: Float64Array) => scaleRow(partial, train.x, i * dim, out);
  return { ...partial, pca: fitPca(train.count, dim, row, spec.pca, spec.whiten, spec.eps) };
}

/** Applies fitted stats to `count` samples (row-major, the fitted sample shape); returns new rows. */
export function applyPreprocess(stats: PreprocessStats, x: Float32Array, count: number): Float32Array {
  const dim = stats.sampleShape.reduce((a, b) => a * b, 1);
  if (x.length !== count * dim) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `preprocess: expected ${count} samples of ${dim} values (shape [${stats.sampleShape}]), got ${x.length} values`,
    );
  }
  const outDim = stats.pca ? stats.pca.eigenvalues.length : dim;
  const out = new Float32Array(count * outDim);
  const buf = new Float64Array(dim);
  const projected = new Float64Array(outDim);
  for (let i = 0; i < count; i++) {
    scaleRow(stats, x, i * dim, buf);
    if (stats.pca) {
      projectRow(stats.pca, buf, projected);
      out.set(projected, i * outDim);
    } else {
      out.set(buf, i * dim);
    }
  }
  return out;
}

/** A new dataset with every sample preprocessed (and the sample shape changed to match). */
export function preprocessDataset(stats: PreprocessStats, d: Dataset): Dataset {
  const sampleShape = outputShape(stats, d.sampleShape);
  return { ...d, x: applyPreprocess(stats, d.x, d.count), sampleShape };
}

/** Steps 1–2 for the sample at `offset` of `x`, into `out` (D float64 values). */
function scaleRow(stats: PreprocessStats, x: Float32Array, offset: number, out: Float64Array): void {
  const dim = out.length;
  const { mean, std } = stats;
  if (!mean) {
    for (let p = 0; p < dim; p++) out[p] = x[offset + p];
    return;
  }
  const per = dim / mean.length; // pixels sharing one mean: 1 (per-pixel) or H·W (per-channel)
  for (let p = 0; p < dim; p++) {
    const g = per === 1 ? p : Math.floor(p / per);
    const v = x[offset + p] - mean[g];
    out[p] = std ? v / std[g] : v;
  }
}

/** Number of mean/std groups: D per pixel, C = sampleShape[0] per channel (1 for a flat shape). */
function groupsOf(mode: MeanMode, sampleShape: readonly number[]): number {
  if (mode === 'per-pixel') return sampleShape.reduce((a, b) => a * b, 1);
  return sampleShape.length >= 2 ? sampleShape[0] : 1;
}

/** Mean of each group of pixels over all samples, in float64. */
function groupMean(x: Float32Array, count: number, dim: number, groups: number): Float64Array {
  const per = dim / groups;
  const sum = new Float64Array(groups);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < dim; p++) sum[Math.floor(p / per)] += x[i * dim + p];
  }
  for (let g = 0; g < groups; g++) sum[g] /= count * per;
  return sum;
}

/** max(σ, √eps) of each group around `mean` (population std, two-pass), in float64. */
function groupStd(
  x: Float32Array,
  count: number,
  dim: number,
  groups: number,
  mean: Float64Array,
  eps: number,
): Float64Array {
  const per = dim / groups;
  const sq = new Float64Array(groups);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < dim; p++) {
      const g = Math.floor(p / per);
      const v = x[i * dim + p] - mean[g];
      sq[g] += v * v;
    }
  }
  const floor = Math.sqrt(eps);
  for (let g = 0; g < groups; g++) sq[g] = Math.max(Math.sqrt(sq[g] / (count * per)), floor);
  return sq;
}

/** Rejects samples whose shape differs from the fitted one. */
function checkShape(stats: PreprocessStats, sampleShape: readonly number[]): void {
  const same =
    sampleShape.length === stats.sampleShape.length &&
    sampleShape.every((s, i) => s === stats.sampleShape[i]);
  if (!same) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `preprocess: stats were fitted on samples of shape [${stats.sampleShape}], got [${sampleShape}]`,
    );
  }
}
