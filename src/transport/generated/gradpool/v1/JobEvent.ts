// Original file: proto/gradpool/v1/coordinator.proto

import type {
  JobState as _gradpool_v1_JobState,
  JobState__Output as _gradpool_v1_JobState__Output,
} from '../../gradpool/v1/JobState';
import type {
  EpochEvent as _gradpool_v1_EpochEvent,
  EpochEvent__Output as _gradpool_v1_EpochEvent__Output,
} from '../../gradpool/v1/EpochEvent';
import type {
  DoneEvent as _gradpool_v1_DoneEvent,
  DoneEvent__Output as _gradpool_v1_DoneEvent__Output,
} from '../../gradpool/v1/DoneEvent';
import type {
  TrialEvent as _gradpool_v1_TrialEvent,
  TrialEvent__Output as _gradpool_v1_TrialEvent__Output,
} from '../../gradpool/v1/TrialEvent';
import type {
  FoldEvent as _gradpool_v1_FoldEvent,
  FoldEvent__Output as _gradpool_v1_FoldEvent__Output,
} from '../../gradpool/v1/FoldEvent';

export interface JobEvent {
  jobId?: string;
  /**
   * The job moved to a new state.
   */
  state?: _gradpool_v1_JobState;
  /**
   * "Finished epoch i / N: cost …, train …, val …, lr …".
   */
  epoch?: _gradpool_v1_EpochEvent | null;
  /**
   * Advice, e.g. a learning rate that seems too low.
   */
  hint?: string;
  /**
   * The job ended (FINISHED, DIVERGED, CANCELLED or FAILED); the stream closes after it.
   */
  done?: _gradpool_v1_DoneEvent | null;
  /**
   * A search job: one of its trials ended (history first, then live, like epochs). The trials' own
   * epochs are not part of the search job's stream: watch the trial's job for those.
   */
  trial?: _gradpool_v1_TrialEvent | null;
  /**
   * A k-fold job: one of its folds ended (history first, then live).
   */
  fold?: _gradpool_v1_FoldEvent | null;
  event?: 'state' | 'epoch' | 'hint' | 'done' | 'trial' | 'fold';
}

export interface JobEvent__Output {
  jobId: string;
  /**
   * The job moved to a new state.
   */
  state?: _gradpool_v1_JobState__Output;
  /**
   * "Finished epoch i / N: cost …, train …, val …, lr …".
   */
  epoch?: _gradpool_v1_EpochEvent__Output | null;
  /**
   * Advice, e.g. a learning rate that seems too low.
   */
  hint?: string;
  /**
   * The job ended (FINISHED, DIVERGED, CANCELLED or FAILED); the stream closes after it.
   */
  done?: _gradpool_v1_DoneEvent__Output | null;
  /**
   * A search job: one of its trials ended (history first, then live, like epochs). The trials' own
   * epochs are not part of the search job's stream: watch the trial's job for those.
   */
  trial?: _gradpool_v1_TrialEvent__Output | null;
  /**
   * A k-fold job: one of its folds ended (history first, then live).
   */
  fold?: _gradpool_v1_FoldEvent__Output | null;
  event?: 'state' | 'epoch' | 'hint' | 'done' | 'trial' | 'fold';
}
