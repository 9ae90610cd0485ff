/** Seeded k-fold cross-validation splits and the summary of their validation accuracies. */
import { GradpoolError, specError } from '../shared/errors';
import { Rng, RngStream } from '../shared/rng';
import { describe } from '../shared/validate';

/** One split of k-fold cross-validation: dataset indices, each array ascending. */
export interface FoldSplit {
  /** Indices of the k − 1 training folds. */
  readonly train: Uint32Array;
  /** Indices of the held-out fold. */
  readonly val: Uint32Array;
}

/** Mean, sample standard deviation, min and max of the per-fold validation accuracies. */
export interface FoldSummary {
  readonly mean: number;
  /** Sample standard deviation (divides by n − 1); 0 when there is a single value. */
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Key that separates the k-fold permutation from `splitDataset`'s, which uses (seed, split, count): with
 * the same seed and count the two must not coincide.
 */
const K_FOLD_KEY = 0x6b666f6c;

/**
 * Cuts a seeded permutation of 0..count−1 into k folds; fold f is perm[⌊f·count/k⌋, ⌊(f+1)·count/k⌋), so
 * sizes differ by at most 1. Split i validates on fold i and trains on the rest. The result depends only on
 * (count, k, seed). Index order inside each array is ascending and carries no meaning.
 * Throws E_BAD_SPEC on `field` unless 2 ≤ k ≤ count.
 */
export function kFoldSplits(count: number, k: number, seed: number, field = 'folds'): FoldSplit[] {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `kFoldSplits: count must be a non-negative integer, got ${describe(count)}`,
    );
  }
  if (!Number.isInteger(k) || k < 2)
    throw specError(field, `must be an integer of at least 2, got ${describe(k)}`);
  if (k > count) throw specError(field, `must be at most the number of samples (${count}), got ${k}`);
  const perm = new Rng(seed, RngStream.split, count, K_FOLD_KEY).permutation(count);
  const foldOf = new Uint32Array(count);
  for (let f = 0; f < k; f++) {
    const end = Math.floor(((f + 1) * count) / k);
    for (let j = Math.floor((f * count) / k); j < end; j++) foldOf[perm[j]] = f;
  }
  const splits: FoldSplit[] = [];
  for (let f = 0; f < k; f++) {
    const valSize = Math.floor(((f + 1) * count) / k) - Math.floor((f * count) / k);
    const val = new Uint32Array(valSize);
    const train = new Uint32Array(count - valSize);
    let v = 0;
    let t = 0;
    for (let i = 0; i < count; i++) {
      if (foldOf[i] === f) val[v++] = i;
      else train[t++] = i;
    }
    splits.push({ train, val });
  }
  return splits;
}

/** Summarises per-fold validation accuracies; std is the sample standard deviation (n − 1). */
export function foldSummary(valAccs: readonly number[]): FoldSummary {
  if (valAccs.length === 0) throw new GradpoolError('E_BAD_ARGS', 'foldSummary: needs at least one accuracy');
  for (let i = 0; i < valAccs.length; i++) {
    if (!Number.isFinite(valAccs[i])) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `foldSummary: valAccs[${i}] must be finite, got ${describe(valAccs[i])}`,
      );
    }
  }
  const n = valAccs.length;
  const mean = valAccs.reduce((a, b) => a + b, 0) / n;
  const ss = valAccs.reduce((a, b) => a + (b - mean) * (b - mean), 0);
  return {
    mean,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min: Math.min(...valAccs),
    max: Math.max(...valAccs),
  };
}
