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
  /**
   * First chunk only: the preprocessing statistics fitted on the job's training split (data.preprocess),
   * as src/data/preprocess-codec.ts encodes them (UTF-8 JSON, float64 arrays as base64); empty when the
   * job has no preprocessing. Raw inputs go through them before the model.
   */
  preprocess?: Buffer | Uint8Array | string;
}

export interface ModelChunk__Output {
  /**
   * Parameter name, e.g. "conv1.weight"; chunks come in model order.
   */
  name: string;
  value: _gradpool_v1_Tensor__Output | null;
  /**
   * First chunk only: the preprocessing statistics fitted on the job's training split (data.preprocess),
   * as src/data/preprocess-codec.ts encodes them (UTF-8 JSON, float64 arrays as base64); empty when the
   * job has no preprocessing. Raw inputs go through them before the model.
   */
  preprocess: Buffer;
}
