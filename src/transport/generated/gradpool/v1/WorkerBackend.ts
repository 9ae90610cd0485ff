// Original file: proto/gradpool/v1/coordinator.proto

/**
 * The backend one worker computes a job's shards with.
 */
export interface WorkerBackend {
  workerId?: string;
  /**
   * E.g. "cpu-pool".
   */
  backend?: string;
  /**
   * How it was chosen (auto's measurements) or a fallback's reason; may be empty.
   */
  detail?: string;
}

/**
 * The backend one worker computes a job's shards with.
 */
export interface WorkerBackend__Output {
  workerId: string;
  /**
   * E.g. "cpu-pool".
   */
  backend: string;
  /**
   * How it was chosen (auto's measurements) or a fallback's reason; may be empty.
   */
  detail: string;
}
