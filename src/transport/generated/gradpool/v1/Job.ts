// Original file: proto/gradpool/v1/coordinator.proto

import type {
  JobState as _gradpool_v1_JobState,
  JobState__Output as _gradpool_v1_JobState__Output,
} from '../../gradpool/v1/JobState';
import type {
  WorkerBackend as _gradpool_v1_WorkerBackend,
  WorkerBackend__Output as _gradpool_v1_WorkerBackend__Output,
} from '../../gradpool/v1/WorkerBackend';
import type {
  CrossValidation as _gradpool_v1_CrossValidation,
  CrossValidation__Output as _gradpool_v1_CrossValidation__Output,
} from '../../gradpool/v1/CrossValidation';
import type { Long } from '@grpc/proto-loader';

export interface Job {
  /**
   * Coordinator-assigned id, e.g. "j-000001".
   */
  id?: string;
  name?: string;
  state?: _gradpool_v1_JobState;
  /**
   * The validated job spec, as JSON.
   */
  specJson?: string;
  /**
   * Updates applied so far, and the total the job will make.
   */
  iteration?: number | string | Long;
  totalIterations?: number | string | Long;
  /**
   * Epochs finished so far.
   */
  epoch?: number;
  epochs?: number;
  /**
   * Best validation accuracy so far, in [0, 1].
   */
  bestValAcc?: number | string;
  /**
   * Hex SHA-256 of the final parameters (float32 little-endian, model order); set when FINISHED.
   */
  fingerprint?: string;
  /**
   * Diagnosis or failure reason; empty otherwise.
   */
  message?: string;
  /**
   * True while the job is RUNNING but no worker is connected.
   */
  waitingForWorkers?: boolean;
  /**
   * Milliseconds since the Unix epoch.
   */
  createdMs?: number | string | Long;
  updatedMs?: number | string | Long;
  /**
   * Total number of trainable scalars.
   */
  paramCount?: number | string | Long;
  /**
   * A search's trial: the id of its search job; empty otherwise.
   */
  parentId?: string;
  /**
   * A search job, once it ended with a finished trial: the best trial's spec as JSON (search block
   * removed, train.epochs the user's own: ready to train for longer), and that trial's job id.
   * A search job's epoch / epochs count its ended trials out of all; iteration / total_iterations add
   * up its trials' updates.
   */
  bestSpecJson?: string;
  bestTrialJobId?: string;
  /**
   * Milliseconds since the Unix epoch when the job first ran; 0 before.
   */
  startedMs?: number | string | Long;
  /**
   * How often the job's test split was evaluated (Evaluate with split "test").
   */
  testLooks?: number;
  /**
   * Name of the principal that submitted the job (its tokens-file name; "anonymous@<address>" when the
   * coordinator runs without a tokens file). Never a token.
   */
  owner?: string;
  /**
   * The backend each worker that computed shards of this job reported (ShardResult.backend), one entry per
   * worker id, in the order they first reported.
   */
  workerBackends?: _gradpool_v1_WorkerBackend[];
  /**
   * A k-fold cross-validation job (data.split.folds without fold): its ended folds and their summary.
   * Its epoch / epochs count ended folds out of all; iteration / total_iterations add up the folds'.
   */
  crossValidation?: _gradpool_v1_CrossValidation | null;
}

export interface Job__Output {
  /**
   * Coordinator-assigned id, e.g. "j-000001".
   */
  id: string;
  name: string;
  state: _gradpool_v1_JobState__Output;
  /**
   * The validated job spec, as JSON.
   */
  specJson: string;
  /**
   * Updates applied so far, and the total the job will make.
   */
  iteration: number;
  totalIterations: number;
  /**
   * Epochs finished so far.
   */
  epoch: number;
  epochs: number;
  /**
   * Best validation accuracy so far, in [0, 1].
   */
  bestValAcc: number;
  /**
   * Hex SHA-256 of the final parameters (float32 little-endian, model order); set when FINISHED.
   */
  fingerprint: string;
  /**
   * Diagnosis or failure reason; empty otherwise.
   */
  message: string;
  /**
   * True while the job is RUNNING but no worker is connected.
   */
  waitingForWorkers: boolean;
  /**
   * Milliseconds since the Unix epoch.
   */
  createdMs: number;
  updatedMs: number;
  /**
   * Total number of trainable scalars.
   */
  paramCount: number;
  /**
   * A search's trial: the id of its search job; empty otherwise.
   */
  parentId: string;
  /**
   * A search job, once it ended with a finished trial: the best trial's spec as JSON (search block
   * removed, train.epochs the user's own: ready to train for longer), and that trial's job id.
   * A search job's epoch / epochs count its ended trials out of all; iteration / total_iterations add
   * up its trials' updates.
   */
  bestSpecJson: string;
  bestTrialJobId: string;
  /**
   * Milliseconds since the Unix epoch when the job first ran; 0 before.
   */
  startedMs: number;
  /**
   * How often the job's test split was evaluated (Evaluate with split "test").
   */
  testLooks: number;
  /**
   * Name of the principal that submitted the job (its tokens-file name; "anonymous@<address>" when the
   * coordinator runs without a tokens file). Never a token.
   */
  owner: string;
  /**
   * The backend each worker that computed shards of this job reported (ShardResult.backend), one entry per
   * worker id, in the order they first reported.
   */
  workerBackends: _gradpool_v1_WorkerBackend__Output[];
  /**
   * A k-fold cross-validation job (data.split.folds without fold): its ended folds and their summary.
   * Its epoch / epochs count ended folds out of all; iteration / total_iterations add up the folds'.
   */
  crossValidation: _gradpool_v1_CrossValidation__Output | null;
}
