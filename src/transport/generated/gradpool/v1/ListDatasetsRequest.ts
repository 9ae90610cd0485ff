// Original file: proto/gradpool/v1/coordinator.proto

/**
 * No fields: every dataset is listed.
 */
export interface ListDatasetsRequest {}

/**
 * No fields: every dataset is listed.
 */
export interface ListDatasetsRequest__Output {}
