// Original file: proto/gradpool/v1/coordinator.proto

import type {
  Tensor as _gradpool_v1_Tensor,
  Tensor__Output as _gradpool_v1_Tensor__Output,
} from '../../gradpool/v1/Tensor';
import type { Long } from '@grpc/proto-loader';

export interface Params {
  jobId?: string;
  /**
   * The validated job spec as JSON (the worker builds the model and loads the data from it).
   */
  specJson?: string;
  /**
   * Number of updates applied to these parameters.
   */
  version?: number | string | Long;
  /**
   * Parameters in model order.
   */
  values?: _gradpool_v1_Tensor[];
}

export interface Params__Output {
  jobId: string;
  /**
   * The validated job spec as JSON (the worker builds the model and loads the data from it).
   */
  specJson: string;
  /**
   * Number of updates applied to these parameters.
   */
  version: number;
  /**
   * Parameters in model order.
   */
  values: _gradpool_v1_Tensor__Output[];
}
