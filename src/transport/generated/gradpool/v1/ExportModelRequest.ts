// Original file: proto/gradpool/v1/coordinator.proto

export interface ExportModelRequest {
  jobId?: string;
}

export interface ExportModelRequest__Output {
  jobId: string;
}
