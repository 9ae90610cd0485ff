// Original file: proto/gradpool/v1/tensor.proto

/**
 * A dense tensor.
 */
export interface Tensor {
  /**
   * Dimensions, outermost first (row-major / NCHW). The product must equal len(data) / 4.
   */
  shape?: number[];
  /**
   * float32, little-endian, row-major. May arrive at any byte offset: decode through the codec only.
   */
  data?: Buffer | Uint8Array | string;
}

/**
 * A dense tensor.
 */
export interface Tensor__Output {
  /**
   * Dimensions, outermost first (row-major / NCHW). The product must equal len(data) / 4.
   */
  shape: number[];
  /**
   * float32, little-endian, row-major. May arrive at any byte offset: decode through the codec only.
   */
  data: Buffer;
}
