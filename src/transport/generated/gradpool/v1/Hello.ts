// Original file: proto/gradpool/v1/coordinator.proto

/**
 * The first message on a stream.
 */
export interface Hello {
  /**
   * Stable id the worker chose (hostname + pid, say); used in logs and job listings.
   */
  workerId?: string;
  /**
   * Backend name, e.g. "gpujs-cpu".
   */
  backend?: string;
  /**
   * Threads the worker computes with.
   */
  threads?: number;
  /**
   * Element type of the worker's backend: "float32" or "float64".
   */
  dtype?: string;
}

/**
 * The first message on a stream.
 */
export interface Hello__Output {
  /**
   * Stable id the worker chose (hostname + pid, say); used in logs and job listings.
   */
  workerId: string;
  /**
   * Backend name, e.g. "gpujs-cpu".
   */
  backend: string;
  /**
   * Threads the worker computes with.
   */
  threads: number;
  /**
   * Element type of the worker's backend: "float32" or "float64".
   */
  dtype: string;
}
