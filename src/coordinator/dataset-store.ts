/**
 * The coordinator's uploaded datasets, content-addressed and durable under `<dataDir>/datasets/`:
 *
 *   <id>/manifest.json     format, files (role, file name, size, sha256), counts, shape, creation time
 *   <id>/<i>-<role>        the i-th file's bytes, as uploaded
 *   names.json             name → id (written atomically)
 *   .upload-*              an upload in progress (removed when it fails, and at startup)
 *
 * An upload is written into its own temporary directory, validated there (DatasetUpload), and renamed to
 * `<id>` (then the parent directory is fsynced) before the name is recorded: a crash leaves either the
 * whole dataset or nothing. Stored content never changes; a name can be re-pointed to other content, and
 * the old content stays (jobs pinned to its id keep working). There is no delete.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  checkDatasetFormat,
  datasetFileName,
  isDatasetId,
  type DatasetFormat,
  type LocalDataset,
} from '../data/dataset-manifest';
import { GradpoolError } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/log';
import { fsyncDir, writeFileAtomic } from './atomic-file';

/** A stored file. */
export interface StoredFile {
  readonly role: string;
  /** Base name on the uploading machine (messages only). */
  readonly fileName: string;
  readonly sizeBytes: number;
  /** Lowercase hex SHA-256. */
  readonly sha256: string;
}

/** A stored dataset's manifest (manifest.json). */
export interface StoredDataset {
  readonly id: string;
  readonly format: DatasetFormat;
  readonly files: readonly StoredFile[];
  /** Sum of the files' sizes, in bytes. */
  readonly sizeBytes: number;
  /** Milliseconds since the Unix epoch when first stored. */
  readonly createdMs: number;
  readonly trainCount: number;
  readonly testCount: number;
  readonly sampleShape: readonly number[];
}

/** A stored dataset with the names that point to it. */
export interface DatasetListing extends StoredDataset {
  readonly names: readonly string[];
}

/** What a commit did. */
export interface CommitResult {
  readonly dataset: DatasetListing;
  /** The content was stored already. */
  readonly existed: boolean;
  /** The id `name` pointed to before, when it pointed elsewhere; '' otherwise. */
  readonly previousId: string;
}

const NAMES_FILE = 'names.json';
const MANIFEST_FILE = 'manifest.json';
const TEMP_PREFIX = '.upload-';

/** Uploaded datasets under one directory. */
export class DatasetStore {
  private readonly manifests = new Map<string, StoredDataset>();
  private names = new Map<string, string>();
  /** Serialises commits (directory renames and names.json writes). */
  private lock: Promise<unknown> = Promise.resolve();
  private temps = 0;

  private constructor(
    /** `<dataDir>/datasets`. */
    readonly root: string,
    private readonly log: Logger,
  ) {}

  /** Opens (creating) `<dataDir>/datasets`: drops unfinished uploads, reads manifests and names. */
  static async open(dataDir: string, log: Logger = silentLogger): Promise<DatasetStore> {
    const store = new DatasetStore(path.join(dataDir, 'datasets'), log);
    await fs.promises.mkdir(store.root, { recursive: true });
    for (const entry of await fs.promises.readdir(store.root, { withFileTypes: true })) {
      if (entry.name.startsWith(TEMP_PREFIX)) {
        await fs.promises.rm(path.join(store.root, entry.name), { recursive: true, force: true });
        log('info', 'removed an unfinished dataset upload', { dir: entry.name });
      } else if (entry.isDirectory() && isDatasetId(entry.name)) {
        const manifest = store.readManifest(entry.name);
        if (manifest) store.manifests.set(manifest.id, manifest);
      }
    }
    store.names = store.readNames();
    return store;
  }

  /** A new empty temporary directory for an upload (removed by open() if the process dies). */
  async tempDir(): Promise<string> {
    const dir = path.join(
      this.root,
      `${TEMP_PREFIX}${process.pid}-${this.temps++}-${randomBytes(4).toString('hex')}`,
    );
    await fs.promises.mkdir(dir);
    return dir;
  }

  /**
   * Stores the validated files in `tempDir` (named datasetFileName(i, role), fsynced) as `dataset`, then
   * points `name` at it. When the content is stored already, `tempDir` is removed instead.
   */
  commit(tempDir: string, dataset: StoredDataset, name: string): Promise<CommitResult> {
    const run = this.lock.then(() => this.commitNow(tempDir, dataset, name));
    this.lock = run.catch(() => {});
    return run;
  }

  /** The id `ref` (a name or an id) stands for; undefined when unknown. */
  idOf(ref: string): string | undefined {
    if (isDatasetId(ref)) return this.manifests.has(ref) ? ref : undefined;
    return this.names.get(ref);
  }

  /** A stored dataset by id, with its names; undefined when unknown. */
  get(id: string): DatasetListing | undefined {
    const m = this.manifests.get(id);
    return m && { ...m, names: this.namesOf(id) };
  }

  /** Every stored dataset, newest first. */
  list(): DatasetListing[] {
    return [...this.manifests.values()]
      .sort((a, b) => b.createdMs - a.createdMs || a.id.localeCompare(b.id))
      .map((m) => ({ ...m, names: this.namesOf(m.id) }));
  }

  /** Local path of file `index` of dataset `id`. */
  filePath(id: string, index: number): string {
    const m = this.manifests.get(id);
    if (!m || index < 0 || index >= m.files.length)
      throw new GradpoolError('E_NOT_FOUND', `dataset ${id} has no file ${index}`);
    return path.join(this.root, id, datasetFileName(index, m.files[index].role));
  }

  /** The dataset's local files, for load-source's resolvers; undefined when unknown. */
  readonly resolve = (id: string): LocalDataset | undefined => {
    const m = this.manifests.get(id);
    if (!m) return undefined;
    return {
      id,
      format: m.format,
      files: m.files.map((f, i) => ({ role: f.role, path: this.filePath(id, i) })),
    };
  };

  private async commitNow(tempDir: string, dataset: StoredDataset, name: string): Promise<CommitResult> {
    let existed = this.manifests.has(dataset.id);
    if (existed) {
      await fs.promises.rm(tempDir, { recursive: true, force: true });
    } else {
      await writeFileAtomic(path.join(tempDir, MANIFEST_FILE), JSON.stringify({ version: 1, ...dataset }));
      const final = path.join(this.root, dataset.id);
      try {
        await fs.promises.rename(tempDir, final);
      } catch (e) {
        // Another process's upload of the same content (same id, same bytes) got there first.
        if (!fs.existsSync(path.join(final, MANIFEST_FILE))) throw e;
        await fs.promises.rm(tempDir, { recursive: true, force: true });
        existed = true;
      }
      await fsyncDir(this.root);
      this.manifests.set(dataset.id, this.readManifest(dataset.id) ?? dataset);
    }
    const previousId = this.names.get(name) ?? '';
    if (previousId !== dataset.id) {
      const next = new Map(this.names).set(name, dataset.id);
      const json = JSON.stringify({ version: 1, names: Object.fromEntries(next) }, null, 1);
      await writeFileAtomic(path.join(this.root, NAMES_FILE), json);
      this.names = next;
    }
    this.log('info', existed ? 'dataset name recorded' : 'dataset stored', {
      name,
      datasetId: dataset.id,
      ...(previousId && previousId !== dataset.id ? { previousId } : {}),
    });
    return {
      dataset: { ...(this.manifests.get(dataset.id) as StoredDataset), names: this.namesOf(dataset.id) },
      existed,
      previousId: previousId === dataset.id ? '' : previousId,
    };
  }

  private namesOf(id: string): string[] {
    return [...this.names.entries()].filter(([, v]) => v === id).map(([k]) => k);
  }

  /** The manifest of `<id>/`, or undefined (logged) when it is missing or unreadable. */
  private readManifest(id: string): StoredDataset | undefined {
    const file = path.join(this.root, id, MANIFEST_FILE);
    try {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredDataset & { version?: number };
      if (raw.id !== id || !Array.isArray(raw.files)) throw new Error('manifest does not describe ' + id);
      const { version: _version, ...m } = raw;
      return { ...m, format: checkDatasetFormat(m.format, `${file} format`) };
    } catch (e) {
      this.log('warn', 'ignoring a dataset directory without a valid manifest', {
        dir: path.join(this.root, id),
        error: (e as Error).message,
      });
      return undefined;
    }
  }

  private readNames(): Map<string, string> {
    const file = path.join(this.root, NAMES_FILE);
    if (!fs.existsSync(file)) return new Map();
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { names?: Record<string, string> };
    const names = new Map<string, string>();
    for (const [k, v] of Object.entries(raw.names ?? {})) {
      if (this.manifests.has(v)) names.set(k, v);
      else this.log('warn', 'dataset name points to missing content; dropped', { name: k, datasetId: v });
    }
    return names;
  }
}
