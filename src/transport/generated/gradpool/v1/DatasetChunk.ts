// Original file: proto/gradpool/v1/coordinator.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A piece of one file, in an upload or a fetch.
 */
export interface DatasetChunk {
  /**
   * Index of the file in the metadata's (or DatasetInfo's) files list.
   */
  fileIndex?: number;
  /**
   * Byte offset of `data` in that file.
   */
  offset?: number | string | Long;
  /**
   * The file's bytes [offset, offset + len(data)); at most 1 MiB.
   */
  data?: Buffer | Uint8Array | string;
}

/**
 * A piece of one file, in an upload or a fetch.
 */
export interface DatasetChunk__Output {
  /**
   * Index of the file in the metadata's (or DatasetInfo's) files list.
   */
  fileIndex: number;
  /**
   * Byte offset of `data` in that file.
   */
  offset: number;
  /**
   * The file's bytes [offset, offset + len(data)); at most 1 MiB.
   */
  data: Buffer;
}
