// Original file: proto/gradpool/v1/coordinator.proto

import type {
  EvalSplit as _gradpool_v1_EvalSplit,
  EvalSplit__Output as _gradpool_v1_EvalSplit__Output,
} from '../../gradpool/v1/EvalSplit';
import type { Long } from '@grpc/proto-loader';

export interface EvalTask {
  jobId?: string;
  evalId?: number | string | Long;
  paramVersion?: number | string | Long;
  split?: _gradpool_v1_EvalSplit;
  /**
   * Indices into that split.
   */
  sampleIndices?: number[];
}

export interface EvalTask__Output {
  jobId: string;
  evalId: number;
  paramVersion: number;
  split: _gradpool_v1_EvalSplit__Output;
  /**
   * Indices into that split.
   */
  sampleIndices: number[];
}
