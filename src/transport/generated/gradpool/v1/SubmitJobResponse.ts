// Original file: proto/gradpool/v1/coordinator.proto

import type { Job as _gradpool_v1_Job, Job__Output as _gradpool_v1_Job__Output } from '../../gradpool/v1/Job';

export interface SubmitJobResponse {
  job?: _gradpool_v1_Job | null;
  /**
   * True when request_id matched an earlier submission and no new job was created.
   */
  duplicate?: boolean;
}

export interface SubmitJobResponse__Output {
  job: _gradpool_v1_Job__Output | null;
  /**
   * True when request_id matched an earlier submission and no new job was created.
   */
  duplicate: boolean;
}
