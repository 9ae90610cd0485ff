// Original file: proto/gradpool/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A task (or the Params it needs) that the worker rejected as bad input, e.g. a sample index outside the
 * split or a tensor of the wrong shape. Re-issuing it would fail the same way; the coordinator decides
 * whether to fail the job. Missing parameters are not a failure: the worker stays silent and the task is
 * re-issued after its lease.
 */
export interface TaskFailed {
  jobId?: string;
  /**
   * Which message failed: "params", "task" (a ShardTask) or "eval" (an EvalTask).
   */
  kind?: string;
  /**
   * For "task": its step and shard index; 0 otherwise.
   */
  step?: number | string | Long;
  shard?: number;
  /**
   * For "eval": the evaluation task's id; 0 otherwise.
   */
  evalId?: number | string | Long;
  /**
   * The parameter version the message named (Params.version, or the task's param_version).
   */
  paramVersion?: number | string | Long;
  /**
   * Stable gradpool error code, e.g. "E_BAD_DATA".
   */
  code?: string;
  /**
   * Human-readable reason naming the bad value.
   */
  message?: string;
}

/**
 * A task (or the Params it needs) that the worker rejected as bad input, e.g. a sample index outside the
 * split or a tensor of the wrong shape. Re-issuing it would fail the same way; the coordinator decides
 * whether to fail the job. Missing parameters are not a failure: the worker stays silent and the task is
 * re-issued after its lease.
 */
export interface TaskFailed__Output {
  jobId: string;
  /**
   * Which message failed: "params", "task" (a ShardTask) or "eval" (an EvalTask).
   */
  kind: string;
  /**
   * For "task": its step and shard index; 0 otherwise.
   */
  step: number;
  shard: number;
  /**
   * For "eval": the evaluation task's id; 0 otherwise.
   */
  evalId: number;
  /**
   * The parameter version the message named (Params.version, or the task's param_version).
   */
  paramVersion: number;
  /**
   * Stable gradpool error code, e.g. "E_BAD_DATA".
   */
  code: string;
  /**
   * Human-readable reason naming the bad value.
   */
  message: string;
}
