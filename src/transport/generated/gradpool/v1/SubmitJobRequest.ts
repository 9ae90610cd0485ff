// Original file: proto/gradpool/v1/coordinator.proto

export interface SubmitJobRequest {
  /**
   * The job spec as JSON (the same schema as the YAML/JSON spec files; see docs/job-spec.md).
   */
  specJson?: string;
  /**
   * Client-chosen id; a repeated SubmitJob with the same id returns the first job instead of a new one.
   */
  requestId?: string;
}

export interface SubmitJobRequest__Output {
  /**
   * The job spec as JSON (the same schema as the YAML/JSON spec files; see docs/job-spec.md).
   */
  specJson: string;
  /**
   * Client-chosen id; a repeated SubmitJob with the same id returns the first job instead of a new one.
   */
  requestId: string;
}
