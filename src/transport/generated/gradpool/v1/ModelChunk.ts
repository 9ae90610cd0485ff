// Original file: proto/gradpool/v1/coordinator.proto

import type {
  Tensor as _gradpool_v1_Tensor,
  Tensor__Output as _gradpool_v1_Tensor__Output,
} from '../../gradpool/v1/Tensor';

export interface ModelChunk {
  /**
   * Parameter name, e.g. "conv1.weight"; chunks come in model order.
   */
  name?: string;
  value?: _gradpool_v1_Tensor | null;
}

export interface ModelChunk__Output {
  /**
   * Parameter name, e.g. "conv1.weight"; chunks come in model order.
   */
  name: string;
  value: _gradpool_v1_Tensor__Output | null;
}
