// Original file: proto/gradpool/v1/coordinator.proto

import type {
  Hello as _gradpool_v1_Hello,
  Hello__Output as _gradpool_v1_Hello__Output,
} from '../../gradpool/v1/Hello';
import type {
  ShardResult as _gradpool_v1_ShardResult,
  ShardResult__Output as _gradpool_v1_ShardResult__Output,
} from '../../gradpool/v1/ShardResult';
import type {
  EvalResult as _gradpool_v1_EvalResult,
  EvalResult__Output as _gradpool_v1_EvalResult__Output,
} from '../../gradpool/v1/EvalResult';
import type {
  Heartbeat as _gradpool_v1_Heartbeat,
  Heartbeat__Output as _gradpool_v1_Heartbeat__Output,
} from '../../gradpool/v1/Heartbeat';
import type {
  TaskFailed as _gradpool_v1_TaskFailed,
  TaskFailed__Output as _gradpool_v1_TaskFailed__Output,
} from '../../gradpool/v1/TaskFailed';

/**
 * Worker → coordinator.
 */
export interface WorkerMessage {
  hello?: _gradpool_v1_Hello | null;
  result?: _gradpool_v1_ShardResult | null;
  evalResult?: _gradpool_v1_EvalResult | null;
  heartbeat?: _gradpool_v1_Heartbeat | null;
  taskFailed?: _gradpool_v1_TaskFailed | null;
  msg?: 'hello' | 'result' | 'evalResult' | 'heartbeat' | 'taskFailed';
}

/**
 * Worker → coordinator.
 */
export interface WorkerMessage__Output {
  hello?: _gradpool_v1_Hello__Output | null;
  result?: _gradpool_v1_ShardResult__Output | null;
  evalResult?: _gradpool_v1_EvalResult__Output | null;
  heartbeat?: _gradpool_v1_Heartbeat__Output | null;
  taskFailed?: _gradpool_v1_TaskFailed__Output | null;
  msg?: 'hello' | 'result' | 'evalResult' | 'heartbeat' | 'taskFailed';
}
