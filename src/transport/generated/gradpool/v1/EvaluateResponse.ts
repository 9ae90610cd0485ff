// Original file: proto/gradpool/v1/coordinator.proto

export interface EvaluateResponse {
  split?: string;
  /**
   * Fraction of the split classified correctly, in [0, 1].
   */
  accuracy?: number | string;
  /**
   * Mean data loss (no regularization) over the split.
   */
  loss?: number | string;
  /**
   * Samples evaluated.
   */
  count?: number;
  /**
   * How often the job's test split has been evaluated, this request included.
   */
  testLooks?: number;
}

export interface EvaluateResponse__Output {
  split: string;
  /**
   * Fraction of the split classified correctly, in [0, 1].
   */
  accuracy: number;
  /**
   * Mean data loss (no regularization) over the split.
   */
  loss: number;
  /**
   * Samples evaluated.
   */
  count: number;
  /**
   * How often the job's test split has been evaluated, this request included.
   */
  testLooks: number;
}
