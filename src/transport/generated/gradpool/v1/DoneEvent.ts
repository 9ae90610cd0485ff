// Original file: proto/gradpool/v1/coordinator.proto

import type {
  JobState as _gradpool_v1_JobState,
  JobState__Output as _gradpool_v1_JobState__Output,
} from '../../gradpool/v1/JobState';
import type {
  CrossValidation as _gradpool_v1_CrossValidation,
  CrossValidation__Output as _gradpool_v1_CrossValidation__Output,
} from '../../gradpool/v1/CrossValidation';
import type { Long } from '@grpc/proto-loader';

export interface DoneEvent {
  state?: _gradpool_v1_JobState;
  bestValAcc?: number | string;
  fingerprint?: string;
  paramCount?: number | string | Long;
  /**
   * Wall time from start to end of training, in seconds.
   */
  seconds?: number | string;
  /**
   * Training samples per second of wall time.
   */
  samplesPerSecond?: number | string;
  message?: string;
  /**
   * A search job: the best trial's spec as JSON (see Job.best_spec_json) and its job id; empty otherwise.
   */
  bestSpecJson?: string;
  bestTrialJobId?: string;
  /**
   * A k-fold job: its folds and summary (as Job.cross_validation); unset otherwise.
   */
  crossValidation?: _gradpool_v1_CrossValidation | null;
}

export interface DoneEvent__Output {
  state: _gradpool_v1_JobState__Output;
  bestValAcc: number;
  fingerprint: string;
  paramCount: number;
  /**
   * Wall time from start to end of training, in seconds.
   */
  seconds: number;
  /**
   * Training samples per second of wall time.
   */
  samplesPerSecond: number;
  message: string;
  /**
   * A search job: the best trial's spec as JSON (see Job.best_spec_json) and its job id; empty otherwise.
   */
  bestSpecJson: string;
  bestTrialJobId: string;
  /**
   * A k-fold job: its folds and summary (as Job.cross_validation); unset otherwise.
   */
  crossValidation: _gradpool_v1_CrossValidation__Output | null;
}
