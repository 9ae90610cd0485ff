// Original file: proto/gradpool/v1/coordinator.proto

export interface EvaluateRequest {
  jobId?: string;
  /**
   * "train", "val" or "test".
   */
  split?: string;
}

export interface EvaluateRequest__Output {
  jobId: string;
  /**
   * "train", "val" or "test".
   */
  split: string;
}
