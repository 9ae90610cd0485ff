/**
 * One dataset upload in progress: checks the metadata (name, format, roles, sizes against the limit),
 * writes each file's chunks in order into the store's temporary directory while hashing them, and at the
 * end validates the files with the format readers (the same errors as loading them in a job, naming the
 * uploaded file) before DatasetStore.commit. Any failure removes the temporary directory.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../data/dataset';
import {
  checkDatasetFormat,
  checkDatasetName,
  checkRoles,
  datasetFileName,
  datasetId,
  filesOfPart,
  formatBytes,
  type DatasetFormat,
  type DatasetPart,
} from '../data/dataset-manifest';
import { readCifar } from '../data/formats/cifar';
import { readCsv } from '../data/formats/csv';
import { readIdx } from '../data/formats/idx';
import { readNpy } from '../data/formats/npy';
import { GradpoolError } from '../shared/errors';
import { type CommitResult, type DatasetStore, type StoredFile } from './dataset-store';

/** Largest chunk accepted, in bytes (1 MiB). */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** Most files in one dataset. */
const MAX_FILES = 64;

/** The metadata message as decoded. */
export interface UploadMetadata {
  readonly name: string;
  readonly format: string;
  readonly files: readonly {
    readonly role: string;
    readonly fileName: string;
    readonly sizeBytes: number;
    readonly sha256: string;
  }[];
}

/** One chunk as decoded. */
export interface UploadChunk {
  readonly fileIndex: number;
  readonly offset: number;
  readonly data: Uint8Array;
}

/** ` (1.5 MiB)` for sizes of 1 KiB and more, '' below. */
const readable = (n: number) => (n >= 1024 ? ` (${formatBytes(n)})` : '');

const badArgs = (msg: string, field?: string) => new GradpoolError('E_BAD_ARGS', msg, field);

/** An upload from its metadata to its commit. */
export class DatasetUpload {
  private current = 0;
  private received = 0;
  private fh: fs.promises.FileHandle | null = null;
  private hash: Hash = createHash('sha256');
  private readonly hashes: string[] = [];

  private constructor(
    private readonly store: DatasetStore,
    private readonly name: string,
    private readonly format: DatasetFormat,
    private readonly files: UploadMetadata['files'],
    private readonly dir: string,
  ) {}

  /** Checks `meta` (E_BAD_ARGS; E_TOO_LARGE over `maxBytes`) and opens a temporary directory. */
  static async begin(store: DatasetStore, meta: UploadMetadata, maxBytes: number): Promise<DatasetUpload> {
    const name = checkDatasetName(meta.name, 'metadata.name');
    const format = checkDatasetFormat(meta.format, 'metadata.format');
    if (meta.files.length === 0 || meta.files.length > MAX_FILES)
      throw badArgs(`metadata.files must list 1 to ${MAX_FILES} files, got ${meta.files.length}`);
    meta.files.forEach((f, i) => {
      if (f.fileName === '' || /[/\\\0]/.test(f.fileName))
        throw badArgs(
          `metadata.files[${i}].file_name must be a base name, got ${JSON.stringify(f.fileName)}`,
        );
      if (!Number.isSafeInteger(f.sizeBytes) || f.sizeBytes < 0)
        throw badArgs(`metadata.files[${i}].size_bytes must be a byte count, got ${f.sizeBytes}`);
      if (f.sha256 !== '' && !/^[0-9a-f]{64}$/.test(f.sha256))
        throw badArgs(`metadata.files[${i}].sha256 must be empty or 64 lowercase hex digits`);
    });
    checkRoles(
      format,
      meta.files.map((f) => f.role),
      'metadata.files[].role',
    );
    const total = meta.files.reduce((a, f) => a + f.sizeBytes, 0);
    if (total > maxBytes) {
      throw new GradpoolError(
        'E_TOO_LARGE',
        `dataset "${name}" is ${total} bytes${readable(total)}, over this coordinator's limit of ${maxBytes} bytes${readable(maxBytes)} (--max-dataset-bytes); start the coordinator with a larger --max-dataset-bytes or upload less`,
      );
    }
    return new DatasetUpload(store, name, format, meta.files, await store.tempDir());
  }

  /** Appends a chunk: it must continue the current file (or start the next once the current is whole). */
  async write(chunk: UploadChunk): Promise<void> {
    const { fileIndex, offset, data } = chunk;
    if (data.length > MAX_CHUNK_BYTES)
      throw badArgs(`chunk of ${data.length} bytes; chunks are at most ${MAX_CHUNK_BYTES} bytes (1 MiB)`);
    if (!Number.isInteger(fileIndex) || fileIndex < 0 || fileIndex >= this.files.length)
      throw badArgs(`chunk.file_index ${fileIndex} is out of range (${this.files.length} files)`);
    while (fileIndex > this.current) {
      if (this.received !== this.files[this.current].sizeBytes)
        throw badArgs(
          `${this.describe(this.current)} is incomplete: chunk for file ${fileIndex} came at byte ${this.received} of it`,
        );
      await this.closeFile();
    }
    if (fileIndex < this.current)
      throw badArgs(`chunk for ${this.describe(fileIndex)}, which is already complete`);
    if (offset !== this.received)
      throw badArgs(
        `${this.describe(fileIndex)}: chunk at offset ${offset}, expected offset ${this.received}`,
      );
    const size = this.files[fileIndex].sizeBytes;
    if (offset + data.length > size)
      throw badArgs(
        `${this.describe(fileIndex)}: chunk ends at byte ${offset + data.length}, past its declared size ${size}`,
      );
    this.fh ??= await fs.promises.open(this.pathOf(fileIndex), 'wx');
    await this.fh.write(data);
    this.hash.update(data);
    this.received += data.length;
  }

  /** Checks that every byte came, validates the files, and stores the dataset. */
  async finish(): Promise<CommitResult> {
    while (this.current < this.files.length) {
      const size = this.files[this.current].sizeBytes;
      if (this.received !== size) {
        throw new GradpoolError(
          'E_BAD_DATA',
          `upload ended at byte ${this.received} of ${this.describe(this.current)}, which declared ${size} bytes: the upload is truncated`,
        );
      }
      await this.closeFile();
    }
    const files: StoredFile[] = this.files.map((f, i) => ({
      role: f.role,
      fileName: f.fileName,
      sizeBytes: f.sizeBytes,
      sha256: this.hashes[i],
    }));
    const train = this.readPart('train');
    const test = this.readPart('test');
    if (test && test.sampleShape.join(',') !== train?.sampleShape.join(',')) {
      throw new GradpoolError(
        'E_BAD_DATA',
        `the test files hold samples of [${test.sampleShape}] but the train files [${train?.sampleShape}]; they must match`,
      );
    }
    return this.store.commit(
      this.dir,
      {
        id: datasetId(this.format, files),
        format: this.format,
        files,
        sizeBytes: files.reduce((a, f) => a + f.sizeBytes, 0),
        createdMs: Date.now(),
        trainCount: train?.count ?? 0,
        testCount: test?.count ?? 0,
        sampleShape: [...(train?.sampleShape ?? [])],
      },
      this.name,
    );
  }

  /** Removes everything written. Safe to call more than once, and after finish(). */
  async abort(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
    await fs.promises.rm(this.dir, { recursive: true, force: true });
  }

  /** Ends the current file: fsync, close, check the declared sha256, move on. */
  private async closeFile(): Promise<void> {
    const i = this.current;
    if (!this.fh) this.fh = await fs.promises.open(this.pathOf(i), 'wx'); // an empty file
    await this.fh.sync();
    await this.fh.close();
    this.fh = null;
    const digest = this.hash.digest('hex');
    const declared = this.files[i].sha256;
    if (declared !== '' && declared !== digest) {
      throw new GradpoolError(
        'E_BAD_DATA',
        `${this.describe(i)}: the bytes received have sha256 ${digest}, but the metadata declared ${declared}`,
      );
    }
    this.hashes.push(digest);
    this.hash = createHash('sha256');
    this.current++;
    this.received = 0;
  }

  /** Reads part `part` with its format's reader; an error names the uploaded file, not the temp path. */
  private readPart(part: DatasetPart): Dataset | undefined {
    const files = filesOfPart(
      this.format,
      this.files.map((f, i) => ({ ...f, path: this.pathOf(i) })),
      part,
    );
    if (files.length === 0) return undefined;
    const paths = files.map((f) => f.path);
    try {
      switch (this.format) {
        case 'idx':
          return readIdx(paths[0], paths[1]);
        case 'npy':
          return readNpy(paths[0], paths[1]);
        case 'cifar':
          return readCifar(paths);
        case 'csv':
          return readCsv(paths[0]);
      }
    } catch (e) {
      if (!(e instanceof GradpoolError)) throw e;
      let msg = e.message;
      for (const f of files) msg = msg.split(f.path).join(`${f.fileName} (${f.role})`);
      throw new GradpoolError('E_BAD_DATA', msg);
    }
  }

  private pathOf(index: number): string {
    return path.join(this.dir, datasetFileName(index, this.files[index].role));
  }

  private describe(index: number): string {
    const f = this.files[index];
    return `file ${index} ${f.fileName} (${f.role})`;
  }
}
