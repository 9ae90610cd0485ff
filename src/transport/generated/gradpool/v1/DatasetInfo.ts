// Original file: proto/gradpool/v1/coordinator.proto

import type {
  DatasetFile as _gradpool_v1_DatasetFile,
  DatasetFile__Output as _gradpool_v1_DatasetFile__Output,
} from '../../gradpool/v1/DatasetFile';
import type { Long } from '@grpc/proto-loader';

/**
 * A stored dataset.
 */
export interface DatasetInfo {
  /**
   * Content address: lowercase hex SHA-256 of the canonical manifest (format and each file's role, size
   * and sha256; see src/data/dataset-manifest.ts).
   */
  id?: string;
  /**
   * Names that point to it now (empty when every name was re-pointed elsewhere).
   */
  names?: string[];
  /**
   * "idx", "cifar", "csv" or "npy".
   */
  format?: string;
  /**
   * The files in manifest order, sha256 set.
   */
  files?: _gradpool_v1_DatasetFile[];
  /**
   * Sum of the files' sizes, in bytes.
   */
  sizeBytes?: number | string | Long;
  /**
   * Milliseconds since the Unix epoch when the content was first stored.
   */
  createdMs?: number | string | Long;
  /**
   * Samples in the train part and in the test part (0 without test files).
   */
  trainCount?: number;
  testCount?: number;
  /**
   * Shape of one sample as read, e.g. [1, 28, 28] ([D] for csv without data.shape).
   */
  sampleShape?: number[];
}

/**
 * A stored dataset.
 */
export interface DatasetInfo__Output {
  /**
   * Content address: lowercase hex SHA-256 of the canonical manifest (format and each file's role, size
   * and sha256; see src/data/dataset-manifest.ts).
   */
  id: string;
  /**
   * Names that point to it now (empty when every name was re-pointed elsewhere).
   */
  names: string[];
  /**
   * "idx", "cifar", "csv" or "npy".
   */
  format: string;
  /**
   * The files in manifest order, sha256 set.
   */
  files: _gradpool_v1_DatasetFile__Output[];
  /**
   * Sum of the files' sizes, in bytes.
   */
  sizeBytes: number;
  /**
   * Milliseconds since the Unix epoch when the content was first stored.
   */
  createdMs: number;
  /**
   * Samples in the train part and in the test part (0 without test files).
   */
  trainCount: number;
  testCount: number;
  /**
   * Shape of one sample as read, e.g. [1, 28, 28] ([D] for csv without data.shape).
   */
  sampleShape: number[];
}
