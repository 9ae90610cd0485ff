// Original file: proto/gradpool/v1/coordinator.proto

import type { Job as _gradpool_v1_Job, Job__Output as _gradpool_v1_Job__Output } from '../../gradpool/v1/Job';

export interface ListJobsResponse {
  jobs?: _gradpool_v1_Job[];
}

export interface ListJobsResponse__Output {
  jobs: _gradpool_v1_Job__Output[];
}
