// Original file: proto/gradpool/v1/coordinator.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CoordinatorMessage as _gradpool_v1_CoordinatorMessage,
  CoordinatorMessage__Output as _gradpool_v1_CoordinatorMessage__Output,
} from '../../gradpool/v1/CoordinatorMessage';
import type {
  FetchDatasetRequest as _gradpool_v1_FetchDatasetRequest,
  FetchDatasetRequest__Output as _gradpool_v1_FetchDatasetRequest__Output,
} from '../../gradpool/v1/FetchDatasetRequest';
import type {
  FetchDatasetResponse as _gradpool_v1_FetchDatasetResponse,
  FetchDatasetResponse__Output as _gradpool_v1_FetchDatasetResponse__Output,
} from '../../gradpool/v1/FetchDatasetResponse';
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

  /**
   * A stored dataset for the worker's cache: first a message with `info` (files with sizes and sha256),
   * then every file's bytes as chunks (file after file, at most 1 MiB each). The worker checks every
   * sha256 and the id. NOT_FOUND for an unknown id.
   */
  FetchDataset(
    argument: _gradpool_v1_FetchDatasetRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_FetchDatasetResponse__Output>;
  FetchDataset(
    argument: _gradpool_v1_FetchDatasetRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_FetchDatasetResponse__Output>;
  /**
   * A stored dataset for the worker's cache: first a message with `info` (files with sizes and sha256),
   * then every file's bytes as chunks (file after file, at most 1 MiB each). The worker checks every
   * sha256 and the id. NOT_FOUND for an unknown id.
   */
  fetchDataset(
    argument: _gradpool_v1_FetchDatasetRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_FetchDatasetResponse__Output>;
  fetchDataset(
    argument: _gradpool_v1_FetchDatasetRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_FetchDatasetResponse__Output>;
}

/**
 * Worker plane: one stream per worker, opened by the worker.
 */
export interface WorkerPlaneHandlers extends grpc.UntypedServiceImplementation {
  /**
   * The worker sends Hello first, then results and heartbeats; the coordinator sends parameters and tasks.
   */
  Connect: grpc.handleBidiStreamingCall<_gradpool_v1_WorkerMessage__Output, _gradpool_v1_CoordinatorMessage>;

  /**
   * A stored dataset for the worker's cache: first a message with `info` (files with sizes and sha256),
   * then every file's bytes as chunks (file after file, at most 1 MiB each). The worker checks every
   * sha256 and the id. NOT_FOUND for an unknown id.
   */
  FetchDataset: grpc.handleServerStreamingCall<
    _gradpool_v1_FetchDatasetRequest__Output,
    _gradpool_v1_FetchDatasetResponse
  >;
}

export interface WorkerPlaneDefinition extends grpc.ServiceDefinition {
  Connect: MethodDefinition<
    _gradpool_v1_WorkerMessage,
    _gradpool_v1_CoordinatorMessage,
    _gradpool_v1_WorkerMessage__Output,
    _gradpool_v1_CoordinatorMessage__Output
  >;
  FetchDataset: MethodDefinition<
    _gradpool_v1_FetchDatasetRequest,
    _gradpool_v1_FetchDatasetResponse,
    _gradpool_v1_FetchDatasetRequest__Output,
    _gradpool_v1_FetchDatasetResponse__Output
  >;
}
