// Original file: proto/gradpool/v1/coordinator.proto

import type {
  DatasetInfo as _gradpool_v1_DatasetInfo,
  DatasetInfo__Output as _gradpool_v1_DatasetInfo__Output,
} from '../../gradpool/v1/DatasetInfo';

export interface ListDatasetsResponse {
  /**
   * Newest first.
   */
  datasets?: _gradpool_v1_DatasetInfo[];
}

export interface ListDatasetsResponse__Output {
  /**
   * Newest first.
   */
  datasets: _gradpool_v1_DatasetInfo__Output[];
}
