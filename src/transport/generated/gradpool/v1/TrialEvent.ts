// Original file: proto/gradpool/v1/coordinator.proto

import type {
  JobState as _gradpool_v1_JobState,
  JobState__Output as _gradpool_v1_JobState__Output,
} from '../../gradpool/v1/JobState';
import type { Long } from '@grpc/proto-loader';

/**
 * One ended trial of a search job.
 */
export interface TrialEvent {
  /**
   * The trial's own job (an ordinary job whose parent_id is the search).
   */
  trialJobId?: string;
  /**
   * 0-based stage of the trial, and the number of stages of the search.
   */
  stage?: number;
  stages?: number;
  /**
   * 0-based index of the trial in its stage, and the number of trials of that stage.
   */
  trial?: number;
  trials?: number;
  /**
   * Epochs the trial trained for.
   */
  epochs?: number;
  /**
   * The sampled values by train field name: learningRate, reg (the L2 strength), momentum, …
   */
  values?: { [key: string]: number | string };
  /**
   * The trial's best validation accuracy, in [0, 1].
   */
  valAcc?: number | string;
  /**
   * FINISHED, DIVERGED, FAILED or CANCELLED.
   */
  state?: _gradpool_v1_JobState;
  /**
   * Why it did not finish (e.g. the divergence diagnosis); empty when FINISHED.
   */
  reason?: string;
  /**
   * Milliseconds since the Unix epoch: when the trial first ran, and when it ended.
   */
  startedMs?: number | string | Long;
  endedMs?: number | string | Long;
}

/**
 * One ended trial of a search job.
 */
export interface TrialEvent__Output {
  /**
   * The trial's own job (an ordinary job whose parent_id is the search).
   */
  trialJobId: string;
  /**
   * 0-based stage of the trial, and the number of stages of the search.
   */
  stage: number;
  stages: number;
  /**
   * 0-based index of the trial in its stage, and the number of trials of that stage.
   */
  trial: number;
  trials: number;
  /**
   * Epochs the trial trained for.
   */
  epochs: number;
  /**
   * The sampled values by train field name: learningRate, reg (the L2 strength), momentum, …
   */
  values: { [key: string]: number };
  /**
   * The trial's best validation accuracy, in [0, 1].
   */
  valAcc: number;
  /**
   * FINISHED, DIVERGED, FAILED or CANCELLED.
   */
  state: _gradpool_v1_JobState__Output;
  /**
   * Why it did not finish (e.g. the divergence diagnosis); empty when FINISHED.
   */
  reason: string;
  /**
   * Milliseconds since the Unix epoch: when the trial first ran, and when it ended.
   */
  startedMs: number;
  endedMs: number;
}
