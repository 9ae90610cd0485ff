// Original file: proto/gradpool/v1/coordinator.proto

export interface ListJobsRequest {}

export interface ListJobsRequest__Output {}
