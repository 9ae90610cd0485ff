// Original file: proto/gradpool/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

export interface ShardTask {
  jobId?: string;
  step?: number | string | Long;
  shard?: number;
  paramVersion?: number | string | Long;
  /**
   * Indices into the job's training split (after data.subset), in batch order.
   */
  sampleIndices?: number[];
  /**
   * Position in the full mini-batch of sample_indices[0]; dropout masks are seeded by position.
   */
  firstRow?: number;
}

export interface ShardTask__Output {
  jobId: string;
  step: number;
  shard: number;
  paramVersion: number;
  /**
   * Indices into the job's training split (after data.subset), in batch order.
   */
  sampleIndices: number[];
  /**
   * Position in the full mini-batch of sample_indices[0]; dropout masks are seeded by position.
   */
  firstRow: number;
}
