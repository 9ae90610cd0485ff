// Original file: proto/gradpool/v1/coordinator.proto

export interface ListDatasetsRequest {}

export interface ListDatasetsRequest__Output {}
