// Original file: proto/gradpool/v1/coordinator.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CoordinatorMessage as _gradpool_v1_CoordinatorMessage,
  CoordinatorMessage__Output as _gradpool_v1_CoordinatorMessage__Output,
} from '../../gradpool/v1/CoordinatorMessage';
import type {
  WorkerMessage as _gradpool_v1_WorkerMessage,
  WorkerMessage__Output as _gradpool_v1_WorkerMessage__Output,
} from '../../gradpool/v1/WorkerMessage';

/**
 * Worker plane: one stream per worker, opened by the worker.
 */
export interface WorkerPlaneClient extends grpc.Client {
  /**
   * The worker sends Hello first, then results and heartbeats; the coordinator sends parameters and tasks.
   */
  Connect(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_gradpool_v1_WorkerMessage, _gradpool_v1_CoordinatorMessage__Output>;
  Connect(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_gradpool_v1_WorkerMessage, _gradpool_v1_CoordinatorMessage__Output>;
  /**
   * The worker sends Hello first, then results and heartbeats; the coordinator sends parameters and tasks.
   */
  connect(
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_gradpool_v1_WorkerMessage, _gradpool_v1_CoordinatorMessage__Output>;
  connect(
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<_gradpool_v1_WorkerMessage, _gradpool_v1_CoordinatorMessage__Output>;
}

/**
 * Worker plane: one stream per worker, opened by the worker.
 */
export interface WorkerPlaneHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The worker sends Hello first, then results and heartbeats; the coordinator sends parameters and tasks.
   */
  Connect: grpc.handleBidiStreamingCall<_gradpool_v1_WorkerMessage__Output, _gradpool_v1_CoordinatorMessage>;
}

export interface WorkerPlaneDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<
    _gradpool_v1_WorkerMessage,
    _gradpool_v1_CoordinatorMessage,
    _gradpool_v1_WorkerMessage__Output,
    _gradpool_v1_CoordinatorMessage__Output
  >;
}
