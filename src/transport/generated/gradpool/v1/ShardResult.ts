// Original file: proto/gradpool/v1/coordinator.proto

import type {
  Tensor as _gradpool_v1_Tensor,
  Tensor__Output as _gradpool_v1_Tensor__Output,
} from '../../gradpool/v1/Tensor';
import type { Long } from '@grpc/proto-loader';

/**
 * Gradient sums of one shard.
 */
export interface ShardResult {
  jobId?: string;
  /**
   * The update the shard belongs to (0-based) and its shard index in [0, shards).
   */
  step?: number | string | Long;
  shard?: number;
  /**
   * Parameter version the gradients were computed at (equal to step).
   */
  paramVersion?: number | string | Long;
  /**
   * Σ data loss over the shard's samples.
   */
  lossSum?: number | string;
  /**
   * Samples whose argmax score equals the label.
   */
  correct?: number;
  /**
   * Samples in the shard.
   */
  count?: number;
  /**
   * Σ_i ∂L_i/∂θ per parameter, in model order, same shapes as the parameters.
   */
  grads?: _gradpool_v1_Tensor[];
  /**
   * Set on a worker's first result for a job on this stream, empty on the others: the backend computing the
   * job's shards (for --backend auto, the one it chose for the job's model), e.g. "cpu-pool".
   */
  backend?: string;
  /**
   * With `backend`: how it was chosen, e.g. "auto: cpu-pool 3.1 ms, gpujs-cpu 7.9 ms for a 25-row shard",
   * or why a backend was unavailable; may be empty.
   */
  backendDetail?: string;
}

/**
 * Gradient sums of one shard.
 */
export interface ShardResult__Output {
  jobId: string;
  /**
   * The update the shard belongs to (0-based) and its shard index in [0, shards).
   */
  step: number;
  shard: number;
  /**
   * Parameter version the gradients were computed at (equal to step).
   */
  paramVersion: number;
  /**
   * Σ data loss over the shard's samples.
   */
  lossSum: number;
  /**
   * Samples whose argmax score equals the label.
   */
  correct: number;
  /**
   * Samples in the shard.
   */
  count: number;
  /**
   * Σ_i ∂L_i/∂θ per parameter, in model order, same shapes as the parameters.
   */
  grads: _gradpool_v1_Tensor__Output[];
  /**
   * Set on a worker's first result for a job on this stream, empty on the others: the backend computing the
   * job's shards (for --backend auto, the one it chose for the job's model), e.g. "cpu-pool".
   */
  backend: string;
  /**
   * With `backend`: how it was chosen, e.g. "auto: cpu-pool 3.1 ms, gpujs-cpu 7.9 ms for a 25-row shard",
   * or why a backend was unavailable; may be empty.
   */
  backendDetail: string;
}
