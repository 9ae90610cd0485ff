// Original file: proto/gradpool/v1/coordinator.proto

import type {
  DatasetInfo as _gradpool_v1_DatasetInfo,
  DatasetInfo__Output as _gradpool_v1_DatasetInfo__Output,
} from '../../gradpool/v1/DatasetInfo';
import type {
  DatasetChunk as _gradpool_v1_DatasetChunk,
  DatasetChunk__Output as _gradpool_v1_DatasetChunk__Output,
} from '../../gradpool/v1/DatasetChunk';

/**
 * One message of a fetch: info first, then chunks.
 */
export interface FetchDatasetResponse {
  /**
   * The first message: the dataset's format and files (role, size, sha256) in manifest order.
   */
  info?: _gradpool_v1_DatasetInfo | null;
  /**
   * Every later message: the files' bytes, file_index ascending, offsets contiguous.
   */
  chunk?: _gradpool_v1_DatasetChunk | null;
  msg?: 'info' | 'chunk';
}

/**
 * One message of a fetch: info first, then chunks.
 */
export interface FetchDatasetResponse__Output {
  /**
   * The first message: the dataset's format and files (role, size, sha256) in manifest order.
   */
  info?: _gradpool_v1_DatasetInfo__Output | null;
  /**
   * Every later message: the files' bytes, file_index ascending, offsets contiguous.
   */
  chunk?: _gradpool_v1_DatasetChunk__Output | null;
  msg?: 'info' | 'chunk';
}
