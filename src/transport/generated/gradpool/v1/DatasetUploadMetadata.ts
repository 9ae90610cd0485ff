// Original file: proto/gradpool/v1/coordinator.proto

import type {
  DatasetFile as _gradpool_v1_DatasetFile,
  DatasetFile__Output as _gradpool_v1_DatasetFile__Output,
} from '../../gradpool/v1/DatasetFile';

/**
 * What is being uploaded.
 */
export interface DatasetUploadMetadata {
  /**
   * Name to store the dataset under: 1–64 characters of [A-Za-z0-9._-], starting with a letter or digit,
   * not 64 hex digits. Uploading other content under an existing name re-points the name.
   */
  name?: string;
  /**
   * File format of every file: "idx", "cifar", "csv" or "npy".
   */
  format?: string;
  /**
   * The files, in the order their chunks follow (at most 64).
   */
  files?: _gradpool_v1_DatasetFile[];
}

/**
 * What is being uploaded.
 */
export interface DatasetUploadMetadata__Output {
  /**
   * Name to store the dataset under: 1–64 characters of [A-Za-z0-9._-], starting with a letter or digit,
   * not 64 hex digits. Uploading other content under an existing name re-points the name.
   */
  name: string;
  /**
   * File format of every file: "idx", "cifar", "csv" or "npy".
   */
  format: string;
  /**
   * The files, in the order their chunks follow (at most 64).
   */
  files: _gradpool_v1_DatasetFile__Output[];
}
