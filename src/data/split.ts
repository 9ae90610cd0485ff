/** Seeded train/validation/test splits. */
import { Rng, RngStream } from '../shared/rng';
import { subsetOf, type Dataset } from './dataset';

/** Sizes of the three parts, as fractions of the whole (0 ≤ val, test; val + test < 1). */
export interface SplitFractions {
  readonly val: number;
  readonly test: number;
}

/** The three disjoint parts of a dataset. */
export interface Splits {
  readonly train: Dataset;
  readonly val: Dataset;
  readonly test: Dataset;
}

/**
 * Splits `d` by a seeded permutation: the first ⌊val·N⌋ permuted samples are validation, the next
 * ⌊test·N⌋ test, the rest training. The permutation depends only on (seed, N).
 */
export function splitDataset(d: Dataset, fractions: SplitFractions, seed: number): Splits {
  const perm = new Rng(seed, RngStream.split, d.count).permutation(d.count);
  const nVal = Math.floor(fractions.val * d.count);
  const nTest = Math.floor(fractions.test * d.count);
  return {
    val: subsetOf(d, perm.subarray(0, nVal)),
    test: subsetOf(d, perm.subarray(nVal, nVal + nTest)),
    train: subsetOf(d, perm.subarray(nVal + nTest)),
  };
}
