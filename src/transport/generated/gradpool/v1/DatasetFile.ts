// Original file: proto/gradpool/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One file of a dataset.
 */
export interface DatasetFile {
  /**
   * What the file holds. idx and npy: "train-images", "train-labels", "test-images", "test-labels" (test
   * optional, both or neither); cifar: "train" (one or more batches) and optionally "test" batches, each
   * part concatenated in file order; csv: one "train" and optionally one "test".
   */
  role?: string;
  /**
   * The file's base name on the uploading machine (no directories), used in messages only.
   */
  fileName?: string;
  /**
   * Size in bytes.
   */
  sizeBytes?: number | string | Long;
  /**
   * Lowercase hex SHA-256 of the file's bytes. Optional in an upload (empty: not checked; else the
   * coordinator rejects different bytes); always set in answers.
   */
  sha256?: string;
}

/**
 * One file of a dataset.
 */
export interface DatasetFile__Output {
  /**
   * What the file holds. idx and npy: "train-images", "train-labels", "test-images", "test-labels" (test
   * optional, both or neither); cifar: "train" (one or more batches) and optionally "test" batches, each
   * part concatenated in file order; csv: one "train" and optionally one "test".
   */
  role: string;
  /**
   * The file's base name on the uploading machine (no directories), used in messages only.
   */
  fileName: string;
  /**
   * Size in bytes.
   */
  sizeBytes: number;
  /**
   * Lowercase hex SHA-256 of the file's bytes. Optional in an upload (empty: not checked; else the
   * coordinator rejects different bytes); always set in answers.
   */
  sha256: string;
}
