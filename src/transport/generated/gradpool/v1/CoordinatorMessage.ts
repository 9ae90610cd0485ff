// Original file: proto/gradpool/v1/coordinator.proto

import type {
  Params as _gradpool_v1_Params,
  Params__Output as _gradpool_v1_Params__Output,
} from '../../gradpool/v1/Params';
import type {
  ShardTask as _gradpool_v1_ShardTask,
  ShardTask__Output as _gradpool_v1_ShardTask__Output,
} from '../../gradpool/v1/ShardTask';
import type {
  EvalTask as _gradpool_v1_EvalTask,
  EvalTask__Output as _gradpool_v1_EvalTask__Output,
} from '../../gradpool/v1/EvalTask';

/**
 * Coordinator → worker.
 */
export interface CoordinatorMessage {
  /**
   * Parameters of a job at a version; sent before the first task that needs them.
   */
  params?: _gradpool_v1_Params | null;
  task?: _gradpool_v1_ShardTask | null;
  eval?: _gradpool_v1_EvalTask | null;
  msg?: 'params' | 'task' | 'eval';
}

/**
 * Coordinator → worker.
 */
export interface CoordinatorMessage__Output {
  /**
   * Parameters of a job at a version; sent before the first task that needs them.
   */
  params?: _gradpool_v1_Params__Output | null;
  task?: _gradpool_v1_ShardTask__Output | null;
  eval?: _gradpool_v1_EvalTask__Output | null;
  msg?: 'params' | 'task' | 'eval';
}
