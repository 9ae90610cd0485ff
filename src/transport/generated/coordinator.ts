import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type {
  CancelJobRequest as _gradpool_v1_CancelJobRequest,
  CancelJobRequest__Output as _gradpool_v1_CancelJobRequest__Output,
} from './gradpool/v1/CancelJobRequest';
import type {
  CoordinatorClient as _gradpool_v1_CoordinatorClient,
  CoordinatorDefinition as _gradpool_v1_CoordinatorDefinition,
} from './gradpool/v1/Coordinator';
import type {
  CoordinatorMessage as _gradpool_v1_CoordinatorMessage,
  CoordinatorMessage__Output as _gradpool_v1_CoordinatorMessage__Output,
} from './gradpool/v1/CoordinatorMessage';
import type {
  CrossValidation as _gradpool_v1_CrossValidation,
  CrossValidation__Output as _gradpool_v1_CrossValidation__Output,
} from './gradpool/v1/CrossValidation';
import type {
  DatasetChunk as _gradpool_v1_DatasetChunk,
  DatasetChunk__Output as _gradpool_v1_DatasetChunk__Output,
} from './gradpool/v1/DatasetChunk';
import type {
  DatasetFile as _gradpool_v1_DatasetFile,
  DatasetFile__Output as _gradpool_v1_DatasetFile__Output,
} from './gradpool/v1/DatasetFile';
import type {
  DatasetInfo as _gradpool_v1_DatasetInfo,
  DatasetInfo__Output as _gradpool_v1_DatasetInfo__Output,
} from './gradpool/v1/DatasetInfo';
import type {
  DatasetUploadMetadata as _gradpool_v1_DatasetUploadMetadata,
  DatasetUploadMetadata__Output as _gradpool_v1_DatasetUploadMetadata__Output,
} from './gradpool/v1/DatasetUploadMetadata';
import type {
  DoneEvent as _gradpool_v1_DoneEvent,
  DoneEvent__Output as _gradpool_v1_DoneEvent__Output,
} from './gradpool/v1/DoneEvent';
import type {
  EpochEvent as _gradpool_v1_EpochEvent,
  EpochEvent__Output as _gradpool_v1_EpochEvent__Output,
} from './gradpool/v1/EpochEvent';
import type {
  EvalResult as _gradpool_v1_EvalResult,
  EvalResult__Output as _gradpool_v1_EvalResult__Output,
} from './gradpool/v1/EvalResult';
import type {
  EvalTask as _gradpool_v1_EvalTask,
  EvalTask__Output as _gradpool_v1_EvalTask__Output,
} from './gradpool/v1/EvalTask';
import type {
  EvaluateRequest as _gradpool_v1_EvaluateRequest,
  EvaluateRequest__Output as _gradpool_v1_EvaluateRequest__Output,
} from './gradpool/v1/EvaluateRequest';
import type {
  EvaluateResponse as _gradpool_v1_EvaluateResponse,
  EvaluateResponse__Output as _gradpool_v1_EvaluateResponse__Output,
} from './gradpool/v1/EvaluateResponse';
import type {
  ExportModelRequest as _gradpool_v1_ExportModelRequest,
  ExportModelRequest__Output as _gradpool_v1_ExportModelRequest__Output,
} from './gradpool/v1/ExportModelRequest';
import type {
  FetchDatasetRequest as _gradpool_v1_FetchDatasetRequest,
  FetchDatasetRequest__Output as _gradpool_v1_FetchDatasetRequest__Output,
} from './gradpool/v1/FetchDatasetRequest';
import type {
  FetchDatasetResponse as _gradpool_v1_FetchDatasetResponse,
  FetchDatasetResponse__Output as _gradpool_v1_FetchDatasetResponse__Output,
} from './gradpool/v1/FetchDatasetResponse';
import type {
  FoldEvent as _gradpool_v1_FoldEvent,
  FoldEvent__Output as _gradpool_v1_FoldEvent__Output,
} from './gradpool/v1/FoldEvent';
import type {
  GetJobRequest as _gradpool_v1_GetJobRequest,
  GetJobRequest__Output as _gradpool_v1_GetJobRequest__Output,
} from './gradpool/v1/GetJobRequest';
import type {
  Heartbeat as _gradpool_v1_Heartbeat,
  Heartbeat__Output as _gradpool_v1_Heartbeat__Output,
} from './gradpool/v1/Heartbeat';
import type {
  Hello as _gradpool_v1_Hello,
  Hello__Output as _gradpool_v1_Hello__Output,
} from './gradpool/v1/Hello';
import type { Job as _gradpool_v1_Job, Job__Output as _gradpool_v1_Job__Output } from './gradpool/v1/Job';
import type {
  JobEvent as _gradpool_v1_JobEvent,
  JobEvent__Output as _gradpool_v1_JobEvent__Output,
} from './gradpool/v1/JobEvent';
import type {
  JobHistory as _gradpool_v1_JobHistory,
  JobHistory__Output as _gradpool_v1_JobHistory__Output,
} from './gradpool/v1/JobHistory';
import type {
  ListDatasetsRequest as _gradpool_v1_ListDatasetsRequest,
  ListDatasetsRequest__Output as _gradpool_v1_ListDatasetsRequest__Output,
} from './gradpool/v1/ListDatasetsRequest';
import type {
  ListDatasetsResponse as _gradpool_v1_ListDatasetsResponse,
  ListDatasetsResponse__Output as _gradpool_v1_ListDatasetsResponse__Output,
} from './gradpool/v1/ListDatasetsResponse';
import type {
  ListJobsRequest as _gradpool_v1_ListJobsRequest,
  ListJobsRequest__Output as _gradpool_v1_ListJobsRequest__Output,
} from './gradpool/v1/ListJobsRequest';
import type {
  ListJobsResponse as _gradpool_v1_ListJobsResponse,
  ListJobsResponse__Output as _gradpool_v1_ListJobsResponse__Output,
} from './gradpool/v1/ListJobsResponse';
import type {
  ModelChunk as _gradpool_v1_ModelChunk,
  ModelChunk__Output as _gradpool_v1_ModelChunk__Output,
} from './gradpool/v1/ModelChunk';
import type {
  Params as _gradpool_v1_Params,
  Params__Output as _gradpool_v1_Params__Output,
} from './gradpool/v1/Params';
import type {
  ShardResult as _gradpool_v1_ShardResult,
  ShardResult__Output as _gradpool_v1_ShardResult__Output,
} from './gradpool/v1/ShardResult';
import type {
  ShardTask as _gradpool_v1_ShardTask,
  ShardTask__Output as _gradpool_v1_ShardTask__Output,
} from './gradpool/v1/ShardTask';
import type {
  SubmitJobRequest as _gradpool_v1_SubmitJobRequest,
  SubmitJobRequest__Output as _gradpool_v1_SubmitJobRequest__Output,
} from './gradpool/v1/SubmitJobRequest';
import type {
  SubmitJobResponse as _gradpool_v1_SubmitJobResponse,
  SubmitJobResponse__Output as _gradpool_v1_SubmitJobResponse__Output,
} from './gradpool/v1/SubmitJobResponse';
import type {
  TaskFailed as _gradpool_v1_TaskFailed,
  TaskFailed__Output as _gradpool_v1_TaskFailed__Output,
} from './gradpool/v1/TaskFailed';
import type {
  Tensor as _gradpool_v1_Tensor,
  Tensor__Output as _gradpool_v1_Tensor__Output,
} from './gradpool/v1/Tensor';
import type {
  TrialEvent as _gradpool_v1_TrialEvent,
  TrialEvent__Output as _gradpool_v1_TrialEvent__Output,
} from './gradpool/v1/TrialEvent';
import type {
  UploadDatasetRequest as _gradpool_v1_UploadDatasetRequest,
  UploadDatasetRequest__Output as _gradpool_v1_UploadDatasetRequest__Output,
} from './gradpool/v1/UploadDatasetRequest';
import type {
  UploadDatasetResponse as _gradpool_v1_UploadDatasetResponse,
  UploadDatasetResponse__Output as _gradpool_v1_UploadDatasetResponse__Output,
} from './gradpool/v1/UploadDatasetResponse';
import type {
  WatchJobRequest as _gradpool_v1_WatchJobRequest,
  WatchJobRequest__Output as _gradpool_v1_WatchJobRequest__Output,
} from './gradpool/v1/WatchJobRequest';
import type {
  WorkerBackend as _gradpool_v1_WorkerBackend,
  WorkerBackend__Output as _gradpool_v1_WorkerBackend__Output,
} from './gradpool/v1/WorkerBackend';
import type {
  WorkerMessage as _gradpool_v1_WorkerMessage,
  WorkerMessage__Output as _gradpool_v1_WorkerMessage__Output,
} from './gradpool/v1/WorkerMessage';
import type {
  WorkerPlaneClient as _gradpool_v1_WorkerPlaneClient,
  WorkerPlaneDefinition as _gradpool_v1_WorkerPlaneDefinition,
} from './gradpool/v1/WorkerPlane';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gradpool: {
    v1: {
      CancelJobRequest: MessageTypeDefinition<
        _gradpool_v1_CancelJobRequest,
        _gradpool_v1_CancelJobRequest__Output
      >;
      /**
       * The public API. Errors: INVALID_ARGUMENT (bad spec; the message names the field), NOT_FOUND (unknown
       * job id, or a spec naming an unknown dataset), RESOURCE_EXHAUSTED (message or dataset over its size
       * limit, or a coordinator limit: the message names it and its flag), FAILED_PRECONDITION (e.g. export of a
       * job without parameters), UNAUTHENTICATED (no or unknown token when the coordinator has a tokens file),
       * PERMISSION_DENIED (a token without the rpc's role; docs/security.md), never UNKNOWN.
       */
      Coordinator: SubtypeConstructor<typeof grpc.Client, _gradpool_v1_CoordinatorClient> & {
        service: _gradpool_v1_CoordinatorDefinition;
      };
      CoordinatorMessage: MessageTypeDefinition<
        _gradpool_v1_CoordinatorMessage,
        _gradpool_v1_CoordinatorMessage__Output
      >;
      CrossValidation: MessageTypeDefinition<
        _gradpool_v1_CrossValidation,
        _gradpool_v1_CrossValidation__Output
      >;
      DatasetChunk: MessageTypeDefinition<_gradpool_v1_DatasetChunk, _gradpool_v1_DatasetChunk__Output>;
      DatasetFile: MessageTypeDefinition<_gradpool_v1_DatasetFile, _gradpool_v1_DatasetFile__Output>;
      DatasetInfo: MessageTypeDefinition<_gradpool_v1_DatasetInfo, _gradpool_v1_DatasetInfo__Output>;
      DatasetUploadMetadata: MessageTypeDefinition<
        _gradpool_v1_DatasetUploadMetadata,
        _gradpool_v1_DatasetUploadMetadata__Output
      >;
      DoneEvent: MessageTypeDefinition<_gradpool_v1_DoneEvent, _gradpool_v1_DoneEvent__Output>;
      EpochEvent: MessageTypeDefinition<_gradpool_v1_EpochEvent, _gradpool_v1_EpochEvent__Output>;
      EvalResult: MessageTypeDefinition<_gradpool_v1_EvalResult, _gradpool_v1_EvalResult__Output>;
      EvalSplit: EnumTypeDefinition;
      EvalTask: MessageTypeDefinition<_gradpool_v1_EvalTask, _gradpool_v1_EvalTask__Output>;
      EvaluateRequest: MessageTypeDefinition<
        _gradpool_v1_EvaluateRequest,
        _gradpool_v1_EvaluateRequest__Output
      >;
      EvaluateResponse: MessageTypeDefinition<
        _gradpool_v1_EvaluateResponse,
        _gradpool_v1_EvaluateResponse__Output
      >;
      ExportModelRequest: MessageTypeDefinition<
        _gradpool_v1_ExportModelRequest,
        _gradpool_v1_ExportModelRequest__Output
      >;
      FetchDatasetRequest: MessageTypeDefinition<
        _gradpool_v1_FetchDatasetRequest,
        _gradpool_v1_FetchDatasetRequest__Output
      >;
      FetchDatasetResponse: MessageTypeDefinition<
        _gradpool_v1_FetchDatasetResponse,
        _gradpool_v1_FetchDatasetResponse__Output
      >;
      FoldEvent: MessageTypeDefinition<_gradpool_v1_FoldEvent, _gradpool_v1_FoldEvent__Output>;
      GetJobRequest: MessageTypeDefinition<_gradpool_v1_GetJobRequest, _gradpool_v1_GetJobRequest__Output>;
      Heartbeat: MessageTypeDefinition<_gradpool_v1_Heartbeat, _gradpool_v1_Heartbeat__Output>;
      Hello: MessageTypeDefinition<_gradpool_v1_Hello, _gradpool_v1_Hello__Output>;
      Job: MessageTypeDefinition<_gradpool_v1_Job, _gradpool_v1_Job__Output>;
      JobEvent: MessageTypeDefinition<_gradpool_v1_JobEvent, _gradpool_v1_JobEvent__Output>;
      JobHistory: MessageTypeDefinition<_gradpool_v1_JobHistory, _gradpool_v1_JobHistory__Output>;
      JobState: EnumTypeDefinition;
      ListDatasetsRequest: MessageTypeDefinition<
        _gradpool_v1_ListDatasetsRequest,
        _gradpool_v1_ListDatasetsRequest__Output
      >;
      ListDatasetsResponse: MessageTypeDefinition<
        _gradpool_v1_ListDatasetsResponse,
        _gradpool_v1_ListDatasetsResponse__Output
      >;
      ListJobsRequest: MessageTypeDefinition<
        _gradpool_v1_ListJobsRequest,
        _gradpool_v1_ListJobsRequest__Output
      >;
      ListJobsResponse: MessageTypeDefinition<
        _gradpool_v1_ListJobsResponse,
        _gradpool_v1_ListJobsResponse__Output
      >;
      ModelChunk: MessageTypeDefinition<_gradpool_v1_ModelChunk, _gradpool_v1_ModelChunk__Output>;
      Params: MessageTypeDefinition<_gradpool_v1_Params, _gradpool_v1_Params__Output>;
      ShardResult: MessageTypeDefinition<_gradpool_v1_ShardResult, _gradpool_v1_ShardResult__Output>;
      ShardTask: MessageTypeDefinition<_gradpool_v1_ShardTask, _gradpool_v1_ShardTask__Output>;
      SubmitJobRequest: MessageTypeDefinition<
        _gradpool_v1_SubmitJobRequest,
        _gradpool_v1_SubmitJobRequest__Output
      >;
      SubmitJobResponse: MessageTypeDefinition<
        _gradpool_v1_SubmitJobResponse,
        _gradpool_v1_SubmitJobResponse__Output
      >;
      TaskFailed: MessageTypeDefinition<_gradpool_v1_TaskFailed, _gradpool_v1_TaskFailed__Output>;
      Tensor: MessageTypeDefinition<_gradpool_v1_Tensor, _gradpool_v1_Tensor__Output>;
      TrialEvent: MessageTypeDefinition<_gradpool_v1_TrialEvent, _gradpool_v1_TrialEvent__Output>;
      UploadDatasetRequest: MessageTypeDefinition<
        _gradpool_v1_UploadDatasetRequest,
        _gradpool_v1_UploadDatasetRequest__Output
      >;
      UploadDatasetResponse: MessageTypeDefinition<
        _gradpool_v1_UploadDatasetResponse,
        _gradpool_v1_UploadDatasetResponse__Output
      >;
      WatchJobRequest: MessageTypeDefinition<
        _gradpool_v1_WatchJobRequest,
        _gradpool_v1_WatchJobRequest__Output
      >;
      WorkerBackend: MessageTypeDefinition<_gradpool_v1_WorkerBackend, _gradpool_v1_WorkerBackend__Output>;
      WorkerMessage: MessageTypeDefinition<_gradpool_v1_WorkerMessage, _gradpool_v1_WorkerMessage__Output>;
      /**
       * Worker plane: one stream per worker, opened by the worker.
       */
      WorkerPlane: SubtypeConstructor<typeof grpc.Client, _gradpool_v1_WorkerPlaneClient> & {
        service: _gradpool_v1_WorkerPlaneDefinition;
      };
    };
  };
}
