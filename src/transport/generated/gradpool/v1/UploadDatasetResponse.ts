// Original file: proto/gradpool/v1/coordinator.proto

import type {
  DatasetInfo as _gradpool_v1_DatasetInfo,
  DatasetInfo__Output as _gradpool_v1_DatasetInfo__Output,
} from '../../gradpool/v1/DatasetInfo';

export interface UploadDatasetResponse {
  /**
   * The stored dataset (names include the uploaded name).
   */
  dataset?: _gradpool_v1_DatasetInfo | null;
  /**
   * True when the same content was stored already (only the name was recorded).
   */
  existed?: boolean;
  /**
   * The id the name pointed to before, when this upload re-pointed it to other content; empty otherwise.
   */
  previousId?: string;
}

export interface UploadDatasetResponse__Output {
  /**
   * The stored dataset (names include the uploaded name).
   */
  dataset: _gradpool_v1_DatasetInfo__Output | null;
  /**
   * True when the same content was stored already (only the name was recorded).
   */
  existed: boolean;
  /**
   * The id the name pointed to before, when this upload re-pointed it to other content; empty otherwise.
   */
  previousId: string;
}
