// Original file: proto/gradpool/v1/coordinator.proto

import type {
  JobState as _gradpool_v1_JobState,
  JobState__Output as _gradpool_v1_JobState__Output,
} from '../../gradpool/v1/JobState';

/**
 * One ended fold of a k-fold job.
 */
export interface FoldEvent {
  /**
   * The fold's own job (an ordinary job whose parent_id is the k-fold job).
   */
  foldJobId?: string;
  /**
   * 0-based fold index (the fold validated on), and k.
   */
  fold?: number;
  folds?: number;
  /**
   * The fold job's best validation accuracy, in [0, 1].
   */
  valAcc?: number | string;
  /**
   * FINISHED, DIVERGED, FAILED or CANCELLED.
   */
  state?: _gradpool_v1_JobState;
  /**
   * Why it did not finish; empty when FINISHED.
   */
  reason?: string;
}

/**
 * One ended fold of a k-fold job.
 */
export interface FoldEvent__Output {
  /**
   * The fold's own job (an ordinary job whose parent_id is the k-fold job).
   */
  foldJobId: string;
  /**
   * 0-based fold index (the fold validated on), and k.
   */
  fold: number;
  folds: number;
  /**
   * The fold job's best validation accuracy, in [0, 1].
   */
  valAcc: number;
  /**
   * FINISHED, DIVERGED, FAILED or CANCELLED.
   */
  state: _gradpool_v1_JobState__Output;
  /**
   * Why it did not finish; empty when FINISHED.
   */
  reason: string;
}
