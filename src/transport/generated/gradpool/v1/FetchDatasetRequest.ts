// Original file: proto/gradpool/v1/coordinator.proto

export interface FetchDatasetRequest {
  /**
   * The dataset's id (64 hex digits), as pinned in a job spec (`dataset:ID`).
   */
  datasetId?: string;
  /**
   * The asking worker's id, for logs.
   */
  workerId?: string;
}

export interface FetchDatasetRequest__Output {
  /**
   * The dataset's id (64 hex digits), as pinned in a job spec (`dataset:ID`).
   */
  datasetId: string;
  /**
   * The asking worker's id, for logs.
   */
  workerId: string;
}
