// Original file: proto/gradpool/v1/coordinator.proto

export interface CancelJobRequest {
  jobId?: string;
}

export interface CancelJobRequest__Output {
  jobId: string;
}
