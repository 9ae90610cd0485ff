// Original file: proto/gradpool/v1/coordinator.proto

export interface WatchJobRequest {
  jobId?: string;
}

export interface WatchJobRequest__Output {
  jobId: string;
}
