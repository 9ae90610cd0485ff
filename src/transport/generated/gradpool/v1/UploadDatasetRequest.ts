// Original file: proto/gradpool/v1/coordinator.proto

import type {
  DatasetUploadMetadata as _gradpool_v1_DatasetUploadMetadata,
  DatasetUploadMetadata__Output as _gradpool_v1_DatasetUploadMetadata__Output,
} from '../../gradpool/v1/DatasetUploadMetadata';
import type {
  DatasetChunk as _gradpool_v1_DatasetChunk,
  DatasetChunk__Output as _gradpool_v1_DatasetChunk__Output,
} from '../../gradpool/v1/DatasetChunk';

/**
 * One message of an upload: metadata first, then chunks.
 */
export interface UploadDatasetRequest {
  /**
   * The first message, and only the first.
   */
  metadata?: _gradpool_v1_DatasetUploadMetadata | null;
  /**
   * Every later message: the files' bytes in order (file_index ascending, offsets contiguous).
   */
  chunk?: _gradpool_v1_DatasetChunk | null;
  msg?: 'metadata' | 'chunk';
}

/**
 * One message of an upload: metadata first, then chunks.
 */
export interface UploadDatasetRequest__Output {
  /**
   * The first message, and only the first.
   */
  metadata?: _gradpool_v1_DatasetUploadMetadata__Output | null;
  /**
   * Every later message: the files' bytes in order (file_index ascending, offsets contiguous).
   */
  chunk?: _gradpool_v1_DatasetChunk__Output | null;
  msg?: 'metadata' | 'chunk';
}
