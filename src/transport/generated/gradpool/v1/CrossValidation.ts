// Original file: proto/gradpool/v1/coordinator.proto

import type {
  FoldEvent as _gradpool_v1_FoldEvent,
  FoldEvent__Output as _gradpool_v1_FoldEvent__Output,
} from '../../gradpool/v1/FoldEvent';

/**
 * A k-fold cross-validation job's folds. Each fold is an ordinary child job (parent_id = the k-fold job).
 */
export interface CrossValidation {
  /**
   * k, the number of folds.
   */
  folds?: number;
  /**
   * The ended folds, in the order they ended.
   */
  results?: _gradpool_v1_FoldEvent[];
  /**
   * Mean, sample standard deviation (n - 1), min and max of the val_acc of the FINISHED folds, in [0, 1];
   * all 0 until one finished.
   */
  mean?: number | string;
  std?: number | string;
  min?: number | string;
  max?: number | string;
}

/**
 * A k-fold cross-validation job's folds. Each fold is an ordinary child job (parent_id = the k-fold job).
 */
export interface CrossValidation__Output {
  /**
   * k, the number of folds.
   */
  folds: number;
  /**
   * The ended folds, in the order they ended.
   */
  results: _gradpool_v1_FoldEvent__Output[];
  /**
   * Mean, sample standard deviation (n - 1), min and max of the val_acc of the FINISHED folds, in [0, 1];
   * all 0 until one finished.
   */
  mean: number;
  std: number;
  min: number;
  max: number;
}
