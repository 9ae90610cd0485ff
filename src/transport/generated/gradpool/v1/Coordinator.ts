// Original file: proto/gradpool/v1/coordinator.proto

import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  CancelJobRequest as _gradpool_v1_CancelJobRequest,
  CancelJobRequest__Output as _gradpool_v1_CancelJobRequest__Output,
} from '../../gradpool/v1/CancelJobRequest';
import type {
  EvaluateRequest as _gradpool_v1_EvaluateRequest,
  EvaluateRequest__Output as _gradpool_v1_EvaluateRequest__Output,
} from '../../gradpool/v1/EvaluateRequest';
import type {
  EvaluateResponse as _gradpool_v1_EvaluateResponse,
  EvaluateResponse__Output as _gradpool_v1_EvaluateResponse__Output,
} from '../../gradpool/v1/EvaluateResponse';
import type {
  ExportModelRequest as _gradpool_v1_ExportModelRequest,
  ExportModelRequest__Output as _gradpool_v1_ExportModelRequest__Output,
} from '../../gradpool/v1/ExportModelRequest';
import type {
  GetJobRequest as _gradpool_v1_GetJobRequest,
  GetJobRequest__Output as _gradpool_v1_GetJobRequest__Output,
} from '../../gradpool/v1/GetJobRequest';
import type { Job as _gradpool_v1_Job, Job__Output as _gradpool_v1_Job__Output } from '../../gradpool/v1/Job';
import type {
  JobEvent as _gradpool_v1_JobEvent,
  JobEvent__Output as _gradpool_v1_JobEvent__Output,
} from '../../gradpool/v1/JobEvent';
import type {
  JobHistory as _gradpool_v1_JobHistory,
  JobHistory__Output as _gradpool_v1_JobHistory__Output,
} from '../../gradpool/v1/JobHistory';
import type {
  ListDatasetsRequest as _gradpool_v1_ListDatasetsRequest,
  ListDatasetsRequest__Output as _gradpool_v1_ListDatasetsRequest__Output,
} from '../../gradpool/v1/ListDatasetsRequest';
import type {
  ListDatasetsResponse as _gradpool_v1_ListDatasetsResponse,
  ListDatasetsResponse__Output as _gradpool_v1_ListDatasetsResponse__Output,
} from '../../gradpool/v1/ListDatasetsResponse';
import type {
  ListJobsRequest as _gradpool_v1_ListJobsRequest,
  ListJobsRequest__Output as _gradpool_v1_ListJobsRequest__Output,
} from '../../gradpool/v1/ListJobsRequest';
import type {
  ListJobsResponse as _gradpool_v1_ListJobsResponse,
  ListJobsResponse__Output as _gradpool_v1_ListJobsResponse__Output,
} from '../../gradpool/v1/ListJobsResponse';
import type {
  ModelChunk as _gradpool_v1_ModelChunk,
  ModelChunk__Output as _gradpool_v1_ModelChunk__Output,
} from '../../gradpool/v1/ModelChunk';
import type {
  SubmitJobRequest as _gradpool_v1_SubmitJobRequest,
  SubmitJobRequest__Output as _gradpool_v1_SubmitJobRequest__Output,
} from '../../gradpool/v1/SubmitJobRequest';
import type {
  SubmitJobResponse as _gradpool_v1_SubmitJobResponse,
  SubmitJobResponse__Output as _gradpool_v1_SubmitJobResponse__Output,
} from '../../gradpool/v1/SubmitJobResponse';
import type {
  UploadDatasetRequest as _gradpool_v1_UploadDatasetRequest,
  UploadDatasetRequest__Output as _gradpool_v1_UploadDatasetRequest__Output,
} from '../../gradpool/v1/UploadDatasetRequest';
import type {
  UploadDatasetResponse as _gradpool_v1_UploadDatasetResponse,
  UploadDatasetResponse__Output as _gradpool_v1_UploadDatasetResponse__Output,
} from '../../gradpool/v1/UploadDatasetResponse';
import type {
  WatchJobRequest as _gradpool_v1_WatchJobRequest,
  WatchJobRequest__Output as _gradpool_v1_WatchJobRequest__Output,
} from '../../gradpool/v1/WatchJobRequest';

/**
 * The public API. Errors: INVALID_ARGUMENT (bad spec; the message names the field), NOT_FOUND (unknown
 * job id, or a spec naming an unknown dataset), RESOURCE_EXHAUSTED (message or dataset over its size
 * limit, or a coordinator limit: the message names it and its flag), FAILED_PRECONDITION (e.g. export of a
 * job without parameters), UNAUTHENTICATED (no or unknown token when the coordinator has a tokens file),
 * PERMISSION_DENIED (a token without the rpc's role; docs/security.md), never UNKNOWN.
 */
export interface CoordinatorClient extends grpc.Client {
  /**
   * Stops a queued or running job; its state becomes CANCELLED. Cancelling a finished job is a no-op.
   */
  CancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  CancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  CancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  CancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Stops a queued or running job; its state becomes CANCELLED. Cancelling a finished job is a no-op.
   */
  cancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  cancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  cancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  cancelJob(
    argument: _gradpool_v1_CancelJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Evaluates the job's saved best parameters on one split ("train", "val" or "test") through the
   * workers (waits for a worker, bounded by the client's deadline). Each look at "test" increments the
   * job's durable test_looks counter before the response. NOT_FOUND for an unknown job,
   * FAILED_PRECONDITION without saved parameters, INVALID_ARGUMENT for another split name.
   */
  Evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  Evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  Evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  Evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Evaluates the job's saved best parameters on one split ("train", "val" or "test") through the
   * workers (waits for a worker, bounded by the client's deadline). Each look at "test" increments the
   * job's durable test_looks counter before the response. NOT_FOUND for an unknown job,
   * FAILED_PRECONDITION without saved parameters, INVALID_ARGUMENT for another split name.
   */
  evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;
  evaluate(
    argument: _gradpool_v1_EvaluateRequest,
    callback: grpc.requestCallback<_gradpool_v1_EvaluateResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * The job's parameters (best by validation accuracy when finished), one message per parameter.
   */
  ExportModel(
    argument: _gradpool_v1_ExportModelRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_ModelChunk__Output>;
  ExportModel(
    argument: _gradpool_v1_ExportModelRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_ModelChunk__Output>;
  /**
   * The job's parameters (best by validation accuracy when finished), one message per parameter.
   */
  exportModel(
    argument: _gradpool_v1_ExportModelRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_ModelChunk__Output>;
  exportModel(
    argument: _gradpool_v1_ExportModelRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_ModelChunk__Output>;

  /**
   * One job's current state.
   */
  GetJob(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  GetJob(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  GetJob(
    argument: _gradpool_v1_GetJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  GetJob(
    argument: _gradpool_v1_GetJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * One job's current state.
   */
  getJob(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  getJob(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  getJob(
    argument: _gradpool_v1_GetJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;
  getJob(
    argument: _gradpool_v1_GetJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_Job__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * The job's training curves so far: the cost of every update and the per-epoch accuracies (what the
   * loss and accuracy pictures show). NOT_FOUND for an unknown job.
   */
  GetJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  GetJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  GetJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  GetJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * The job's training curves so far: the cost of every update and the per-epoch accuracies (what the
   * loss and accuracy pictures show). NOT_FOUND for an unknown job.
   */
  getJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  getJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  getJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;
  getJobHistory(
    argument: _gradpool_v1_GetJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_JobHistory__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Every stored dataset, newest first.
   */
  ListDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Every stored dataset, newest first.
   */
  listDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;
  listDatasets(
    argument: _gradpool_v1_ListDatasetsRequest,
    callback: grpc.requestCallback<_gradpool_v1_ListDatasetsResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Every job, newest first.
   */
  ListJobs(
    argument: _gradpool_v1_ListJobsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListJobs(
    argument: _gradpool_v1_ListJobsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListJobs(
    argument: _gradpool_v1_ListJobsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListJobs(
    argument: _gradpool_v1_ListJobsRequest,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Every job, newest first.
   */
  listJobs(
    argument: _gradpool_v1_ListJobsRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  listJobs(
    argument: _gradpool_v1_ListJobsRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  listJobs(
    argument: _gradpool_v1_ListJobsRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;
  listJobs(
    argument: _gradpool_v1_ListJobsRequest,
    callback: grpc.requestCallback<_gradpool_v1_ListJobsResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Accepts a job; the job is durable on disk before this returns. Idempotent by request_id.
   */
  SubmitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  SubmitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  SubmitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  SubmitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Accepts a job; the job is durable on disk before this returns. Idempotent by request_id.
   */
  submitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  submitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  submitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;
  submitJob(
    argument: _gradpool_v1_SubmitJobRequest,
    callback: grpc.requestCallback<_gradpool_v1_SubmitJobResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Stores a dataset (see docs/data.md). The client sends one UploadDatasetRequest with `metadata` first,
   * then the files' bytes as `chunk`s, file after file in metadata order, each chunk at most 1 MiB and
   * starting where the previous one of its file ended. The coordinator checks that the files parse in
   * the stated format and stores them content-addressed and durably (fsynced) before it answers; a failed
   * upload stores nothing. INVALID_ARGUMENT for bad metadata, out-of-order or missing bytes (naming the
   * file and the offset) or a file that does not parse; RESOURCE_EXHAUSTED when the declared size exceeds
   * the coordinator's --max-dataset-bytes (the message names the limit).
   */
  UploadDataset(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  UploadDataset(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  UploadDataset(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  UploadDataset(
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  /**
   * Stores a dataset (see docs/data.md). The client sends one UploadDatasetRequest with `metadata` first,
   * then the files' bytes as `chunk`s, file after file in metadata order, each chunk at most 1 MiB and
   * starting where the previous one of its file ended. The coordinator checks that the files parse in
   * the stated format and stores them content-addressed and durably (fsynced) before it answers; a failed
   * upload stores nothing. INVALID_ARGUMENT for bad metadata, out-of-order or missing bytes (naming the
   * file and the offset) or a file that does not parse; RESOURCE_EXHAUSTED when the declared size exceeds
   * the coordinator's --max-dataset-bytes (the message names the limit).
   */
  uploadDataset(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  uploadDataset(
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  uploadDataset(
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;
  uploadDataset(
    callback: grpc.requestCallback<_gradpool_v1_UploadDatasetResponse__Output>,
  ): grpc.ClientWritableStream<_gradpool_v1_UploadDatasetRequest>;

  /**
   * The job's events: first its history so far (epochs), then live events until the job ends.
   */
  WatchJob(
    argument: _gradpool_v1_WatchJobRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_JobEvent__Output>;
  WatchJob(
    argument: _gradpool_v1_WatchJobRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_JobEvent__Output>;
  /**
   * The job's events: first its history so far (epochs), then live events until the job ends.
   */
  watchJob(
    argument: _gradpool_v1_WatchJobRequest,
    metadata: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_JobEvent__Output>;
  watchJob(
    argument: _gradpool_v1_WatchJobRequest,
    options?: grpc.CallOptions,
  ): grpc.ClientReadableStream<_gradpool_v1_JobEvent__Output>;
}

/**
 * The public API. Errors: INVALID_ARGUMENT (bad spec; the message names the field), NOT_FOUND (unknown
 * job id, or a spec naming an unknown dataset), RESOURCE_EXHAUSTED (message or dataset over its size
 * limit, or a coordinator limit: the message names it and its flag), FAILED_PRECONDITION (e.g. export of a
 * job without parameters), UNAUTHENTICATED (no or unknown token when the coordinator has a tokens file),
 * PERMISSION_DENIED (a token without the rpc's role; docs/security.md), never UNKNOWN.
 */
export interface CoordinatorHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stops a queued or running job; its state becomes CANCELLED. Cancelling a finished job is a no-op.
   */
  CancelJob: grpc.handleUnaryCall<_gradpool_v1_CancelJobRequest__Output, _gradpool_v1_Job>;

  /**
   * Evaluates the job's saved best parameters on one split ("train", "val" or "test") through the
   * workers (waits for a worker, bounded by the client's deadline). Each look at "test" increments the
   * job's durable test_looks counter before the response. NOT_FOUND for an unknown job,
   * FAILED_PRECONDITION without saved parameters, INVALID_ARGUMENT for another split name.
   */
  Evaluate: grpc.handleUnaryCall<_gradpool_v1_EvaluateRequest__Output, _gradpool_v1_EvaluateResponse>;

  /**
   * The job's parameters (best by validation accuracy when finished), one message per parameter.
   */
  ExportModel: grpc.handleServerStreamingCall<
    _gradpool_v1_ExportModelRequest__Output,
    _gradpool_v1_ModelChunk
  >;

  /**
   * One job's current state.
   */
  GetJob: grpc.handleUnaryCall<_gradpool_v1_GetJobRequest__Output, _gradpool_v1_Job>;

  /**
   * The job's training curves so far: the cost of every update and the per-epoch accuracies (what the
   * loss and accuracy pictures show). NOT_FOUND for an unknown job.
   */
  GetJobHistory: grpc.handleUnaryCall<_gradpool_v1_GetJobRequest__Output, _gradpool_v1_JobHistory>;

  /**
   * Every stored dataset, newest first.
   */
  ListDatasets: grpc.handleUnaryCall<
    _gradpool_v1_ListDatasetsRequest__Output,
    _gradpool_v1_ListDatasetsResponse
  >;

  /**
   * Every job, newest first.
   */
  ListJobs: grpc.handleUnaryCall<_gradpool_v1_ListJobsRequest__Output, _gradpool_v1_ListJobsResponse>;

  /**
   * Accepts a job; the job is durable on disk before this returns. Idempotent by request_id.
   */
  SubmitJob: grpc.handleUnaryCall<_gradpool_v1_SubmitJobRequest__Output, _gradpool_v1_SubmitJobResponse>;

  /**
   * Stores a dataset (see docs/data.md). The client sends one UploadDatasetRequest with `metadata` first,
   * then the files' bytes as `chunk`s, file after file in metadata order, each chunk at most 1 MiB and
   * starting where the previous one of its file ended. The coordinator checks that the files parse in
   * the stated format and stores them content-addressed and durably (fsynced) before it answers; a failed
   * upload stores nothing. INVALID_ARGUMENT for bad metadata, out-of-order or missing bytes (naming the
   * file and the offset) or a file that does not parse; RESOURCE_EXHAUSTED when the declared size exceeds
   * the coordinator's --max-dataset-bytes (the message names the limit).
   */
  UploadDataset: grpc.handleClientStreamingCall<
    _gradpool_v1_UploadDatasetRequest__Output,
    _gradpool_v1_UploadDatasetResponse
  >;

  /**
   * The job's events: first its history so far (epochs), then live events until the job ends.
   */
  WatchJob: grpc.handleServerStreamingCall<_gradpool_v1_WatchJobRequest__Output, _gradpool_v1_JobEvent>;
}

export interface CoordinatorDefinition extends grpc.ServiceDefinition {
  CancelJob: MethodDefinition<
    _gradpool_v1_CancelJobRequest,
    _gradpool_v1_Job,
    _gradpool_v1_CancelJobRequest__Output,
    _gradpool_v1_Job__Output
  >;
  Evaluate: MethodDefinition<
    _gradpool_v1_EvaluateRequest,
    _gradpool_v1_EvaluateResponse,
    _gradpool_v1_EvaluateRequest__Output,
    _gradpool_v1_EvaluateResponse__Output
  >;
  ExportModel: MethodDefinition<
    _gradpool_v1_ExportModelRequest,
    _gradpool_v1_ModelChunk,
    _gradpool_v1_ExportModelRequest__Output,
    _gradpool_v1_ModelChunk__Output
  >;
  GetJob: MethodDefinition<
    _gradpool_v1_GetJobRequest,
    _gradpool_v1_Job,
    _gradpool_v1_GetJobRequest__Output,
    _gradpool_v1_Job__Output
  >;
  GetJobHistory: MethodDefinition<
    _gradpool_v1_GetJobRequest,
    _gradpool_v1_JobHistory,
    _gradpool_v1_GetJobRequest__Output,
    _gradpool_v1_JobHistory__Output
  >;
  ListDatasets: MethodDefinition<
    _gradpool_v1_ListDatasetsRequest,
    _gradpool_v1_ListDatasetsResponse,
    _gradpool_v1_ListDatasetsRequest__Output,
    _gradpool_v1_ListDatasetsResponse__Output
  >;
  ListJobs: MethodDefinition<
    _gradpool_v1_ListJobsRequest,
    _gradpool_v1_ListJobsResponse,
    _gradpool_v1_ListJobsRequest__Output,
    _gradpool_v1_ListJobsResponse__Output
  >;
  SubmitJob: MethodDefinition<
    _gradpool_v1_SubmitJobRequest,
    _gradpool_v1_SubmitJobResponse,
    _gradpool_v1_SubmitJobRequest__Output,
    _gradpool_v1_SubmitJobResponse__Output
  >;
  UploadDataset: MethodDefinition<
    _gradpool_v1_UploadDatasetRequest,
    _gradpool_v1_UploadDatasetResponse,
    _gradpool_v1_UploadDatasetRequest__Output,
    _gradpool_v1_UploadDatasetResponse__Output
  >;
  WatchJob: MethodDefinition<
    _gradpool_v1_WatchJobRequest,
    _gradpool_v1_JobEvent,
    _gradpool_v1_WatchJobRequest__Output,
    _gradpool_v1_JobEvent__Output
  >;
}
