// Original file: proto/gradpool/v1/coordinator.proto

/**
 * Lifecycle of a job.
 */
export const JobState = {
  JOB_STATE_UNSPECIFIED: 'JOB_STATE_UNSPECIFIED',
  /**
   * Accepted and durable, not started.
   */
  QUEUED: 'QUEUED',
  /**
   * Steps are being computed (or waiting for a worker: see Job.waiting_for_workers).
   */
  RUNNING: 'RUNNING',
  FINISHED: 'FINISHED',
  /**
   * Stopped because the loss became NaN/inf or exploded; Job.message holds the diagnosis.
   */
  DIVERGED: 'DIVERGED',
  CANCELLED: 'CANCELLED',
  /**
   * Could not run (e.g. a spec that the data does not fit); Job.message says why.
   */
  FAILED: 'FAILED',
} as const;

/**
 * Lifecycle of a job.
 */
export type JobState =
  | 'JOB_STATE_UNSPECIFIED'
  | 0
  /**
   * Accepted and durable, not started.
   */
  | 'QUEUED'
  | 1
  /**
   * Steps are being computed (or waiting for a worker: see Job.waiting_for_workers).
   */
  | 'RUNNING'
  | 2
  | 'FINISHED'
  | 3
  /**
   * Stopped because the loss became NaN/inf or exploded; Job.message holds the diagnosis.
   */
  | 'DIVERGED'
  | 4
  | 'CANCELLED'
  | 5
  /**
   * Could not run (e.g. a spec that the data does not fit); Job.message says why.
   */
  | 'FAILED'
  | 6;

/**
 * Lifecycle of a job.
 */
export type JobState__Output = (typeof JobState)[keyof typeof JobState];
