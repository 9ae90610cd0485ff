/**
 * Writes one fetched dataset into a directory while it arrives: the description first (its id must be the
 * one asked for), then each file's chunks in order, each file hashed and checked against its sha256 and
 * fsynced when it ends. Anything inconsistent is an E_BAD_DATA naming the dataset, the file and the place.
 */
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  checkDatasetFormat,
  datasetFileName,
  datasetId,
  type DatasetFormat,
  type ManifestFile,
} from '../data/dataset-manifest';
import { GradpoolError } from '../shared/errors';

/** A file of a fetched dataset, as the coordinator describes it. */
export interface FetchedFile extends ManifestFile {
  /** Base name on the uploading machine (messages only). */
  readonly fileName: string;
}

/** What a complete fetch wrote (the cache's manifest.json). */
export interface FetchedManifest {
  readonly version: number;
  readonly id: string;
  readonly format: DatasetFormat;
  readonly files: readonly FetchedFile[];
}

/** The receiving end of one fetch into `dir`. */
export class FetchWriter {
  private manifest: FetchedManifest | null = null;
  private current = -1;
  private received = 0;
  private hash: Hash = createHash('sha256');
  private fh: fs.promises.FileHandle | null = null;

  constructor(
    private readonly id: string,
    private readonly dir: string,
  ) {}

  /** The description: checks that it hashes to the id asked for, and opens the first file. */
  async describe(info: { readonly format: string; readonly files: readonly FetchedFile[] }): Promise<void> {
    if (this.manifest) throw this.bad('the description came twice');
    const format = checkDatasetFormat(info.format, 'info.format');
    const files = info.files.map((f) => ({ ...f }));
    const actual = datasetId(format, files);
    if (actual !== this.id) throw this.bad(`the coordinator's description hashes to ${actual}`);
    this.manifest = { version: 1, id: this.id, format, files };
    if (files.length > 0) await this.startFile(0);
  }

  /** A chunk: it continues the current file, or starts a later one once the current is whole. */
  async chunk(c: {
    readonly fileIndex: number;
    readonly offset: number;
    readonly data: Uint8Array;
  }): Promise<void> {
    const m = this.manifest;
    if (!m) throw this.bad('a chunk came before the description');
    while (c.fileIndex > this.current && this.current < m.files.length - 1) {
      await this.endFile();
      await this.startFile(this.current + 1);
    }
    if (c.fileIndex !== this.current || c.offset !== this.received) {
      throw this.bad(
        `unexpected chunk of file ${c.fileIndex} at offset ${c.offset} (expected file ${this.current} at ${this.received})`,
      );
    }
    await this.fh?.write(c.data);
    this.hash.update(c.data);
    this.received += c.data.length;
  }

  /** The fetch ended: checks the remaining files (all must be whole) and returns the manifest. */
  async finish(): Promise<FetchedManifest> {
    const m = this.manifest;
    if (!m) throw this.bad('the coordinator sent no description');
    for (;;) {
      await this.endFile();
      if (this.current >= m.files.length - 1) return m;
      await this.startFile(this.current + 1);
    }
  }

  /** Closes the open file, if any (after a failure). */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
  }

  private async startFile(i: number): Promise<void> {
    this.current = i;
    this.received = 0;
    this.hash = createHash('sha256');
    const role = (this.manifest as FetchedManifest).files[i].role;
    this.fh = await fs.promises.open(path.join(this.dir, datasetFileName(i, role)), 'wx');
  }

  /** Checks the current file's size and sha256, fsyncs and closes it. */
  private async endFile(): Promise<void> {
    if (!this.manifest || this.current < 0) return;
    const f = this.manifest.files[this.current];
    if (this.received !== f.sizeBytes)
      throw this.bad(`file ${f.fileName} (${f.role}) ended at byte ${this.received} of ${f.sizeBytes}`);
    const digest = this.hash.digest('hex');
    if (digest !== f.sha256)
      throw this.bad(
        `file ${f.fileName} (${f.role}): the bytes received have sha256 ${digest}, expected ${f.sha256}`,
      );
    await this.fh?.sync();
    await this.close();
  }

  private bad(what: string): GradpoolError {
    return new GradpoolError('E_BAD_DATA', `dataset ${this.id}: ${what}`);
  }
}
