// Original file: proto/gradpool/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Loss and accuracy sums of an evaluation task.
 */
export interface EvalResult {
  jobId?: string;
  /**
   * The evaluation task's id, echoed.
   */
  evalId?: number | string | Long;
  paramVersion?: number | string | Long;
  lossSum?: number | string;
  correct?: number;
  count?: number;
}

/**
 * Loss and accuracy sums of an evaluation task.
 */
export interface EvalResult__Output {
  jobId: string;
  /**
   * The evaluation task's id, echoed.
   */
  evalId: number;
  paramVersion: number;
  lossSum: number;
  correct: number;
  count: number;
}
