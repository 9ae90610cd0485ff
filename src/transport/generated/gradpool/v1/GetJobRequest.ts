// Original file: proto/gradpool/v1/coordinator.proto

export interface GetJobRequest {
  jobId?: string;
}

export interface GetJobRequest__Output {
  jobId: string;
}
