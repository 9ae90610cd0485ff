/**
 * A worker's cache of uploaded datasets under `dir` (`<dir>/<id>/manifest.json` and `<dir>/<id>/<i>-<role>`,
 * the coordinator's layout). When the worker first sees a job (its Params), prepareSpec() makes sure every
 * `dataset:ID` the spec names is here: an entry already on disk is checked once per process (the id against
 * its manifest, every file's size and sha256) and a corrupt one is removed and fetched again; a missing one
 * is fetched once, checked the same way in a temporary directory, and renamed into place. Checked entries
 * are served to loadSource (which is synchronous) through a DatasetResolver.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkDatasetFormat,
  datasetFileName,
  datasetId,
  isDatasetId,
  type LocalDataset,
} from '../data/dataset-manifest';
import { addDatasetResolver, parseSource } from '../data/load-source';
import type { Logger } from '../shared/log';
import { FetchWriter, type FetchedFile, type FetchedManifest } from './fetch-writer';

export type { FetchedFile } from './fetch-writer';

/** One message of a fetch: the dataset's description first, then its files' bytes in order. */
export type FetchItem =
  | { readonly info: { readonly format: string; readonly files: readonly FetchedFile[] } }
  | { readonly chunk: { readonly fileIndex: number; readonly offset: number; readonly data: Uint8Array } };

/** Streams dataset `id` from the coordinator. */
export type DatasetFetcher = (id: string) => AsyncIterable<FetchItem>;

/** The default cache directory: $XDG_CACHE_HOME/gradpool/datasets, else <tmpdir>/gradpool-cache/datasets. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.XDG_CACHE_HOME
    ? path.join(env.XDG_CACHE_HOME, 'gradpool', 'datasets')
    : path.join(os.tmpdir(), 'gradpool-cache', 'datasets');
}

/** The `dataset:ID` ids that a job spec (JSON) names in data.train and data.test. */
export function datasetIdsOf(specJson: string): string[] {
  let data: unknown;
  try {
    data = (JSON.parse(specJson) as { data?: unknown }).data;
  } catch {
    return []; // the spec's own validation reports it
  }
  if (typeof data !== 'object' || data === null) return [];
  const ids = new Set<string>();
  for (const text of [(data as Record<string, unknown>).train, (data as Record<string, unknown>).test]) {
    if (typeof text !== 'string') continue;
    const s = parseSource(text);
    if (typeof s !== 'string' && s.kind === 'dataset' && isDatasetId(s.ref)) ids.add(s.ref);
  }
  return [...ids];
}

const MANIFEST_FILE = 'manifest.json';
/** Specs already prepared, kept to skip parsing the spec of every Params message again. */
const MAX_PREPARED = 64;

/** Uploaded datasets on this worker's disk. */
export class DatasetCache {
  private readonly verified = new Map<string, LocalDataset>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly prepared = new Set<string>();
  private dropResolver: () => void = () => {};
  private temps = 0;

  constructor(
    readonly dir: string,
    private readonly fetcher: DatasetFetcher,
    private readonly log: Logger,
  ) {}

  /** Serves checked entries to loadSource until close(). */
  start(): void {
    this.dropResolver = addDatasetResolver((id) => this.verified.get(id));
  }

  /** Stops serving entries to loadSource. */
  close(): void {
    this.dropResolver();
  }

  /** Makes every dataset that `specJson` names available (fetching what is missing or corrupt). */
  async prepareSpec(specJson: string): Promise<void> {
    if (this.prepared.has(specJson)) return;
    for (const id of datasetIdsOf(specJson)) await this.ensure(id);
    if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
    this.prepared.add(specJson);
  }

  /** Makes dataset `id` available; concurrent calls share one fetch. */
  ensure(id: string): Promise<void> {
    if (this.verified.has(id)) return Promise.resolve();
    let p = this.pending.get(id);
    if (!p) {
      p = this.load(id).finally(() => this.pending.delete(id));
      this.pending.set(id, p);
    }
    return p;
  }

  private async load(id: string): Promise<void> {
    const entry = path.join(this.dir, id);
    if (fs.existsSync(entry)) {
      const problem = await this.check(id);
      if (problem === null) {
        this.verified.set(id, this.local(id, this.readManifest(id)));
        this.log('info', 'dataset found in cache', { datasetId: id, dir: entry });
        return;
      }
      this.log('warn', 'dataset cache entry is corrupt; fetching it again', { datasetId: id, problem });
      await fs.promises.rm(entry, { recursive: true, force: true });
    }
    const started = Date.now();
    const manifest = await this.fetchInto(id);
    this.verified.set(id, this.local(id, manifest));
    const bytes = manifest.files.reduce((a, f) => a + f.sizeBytes, 0);
    this.log('info', 'dataset fetched', { datasetId: id, bytes, ms: Date.now() - started });
  }

  /** Fetches `id` into a temporary directory, checks every hash, and renames it into place. */
  private async fetchInto(id: string): Promise<FetchedManifest> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const tmp = path.join(
      this.dir,
      `.fetch-${process.pid}-${this.temps++}-${randomBytes(4).toString('hex')}`,
    );
    await fs.promises.mkdir(tmp);
    try {
      const manifest = await this.receive(id, tmp);
      const file = path.join(tmp, MANIFEST_FILE);
      await fs.promises.writeFile(file, JSON.stringify(manifest));
      const fh = await fs.promises.open(file, 'r');
      await fh.sync();
      await fh.close();
      try {
        await fs.promises.rename(tmp, path.join(this.dir, id));
      } catch (e) {
        // Another worker sharing this directory stored the same content first.
        if (!fs.existsSync(path.join(this.dir, id, MANIFEST_FILE))) throw e;
      }
      return manifest;
    } finally {
      await fs.promises.rm(tmp, { recursive: true, force: true });
    }
  }

  /** Receives the fetch of `id` into `tmp` (FetchWriter's checks). */
  private async receive(id: string, tmp: string): Promise<FetchedManifest> {
    const writer = new FetchWriter(id, tmp);
    try {
      for await (const item of this.fetcher(id)) {
        if ('info' in item) await writer.describe(item.info);
        else await writer.chunk(item.chunk);
      }
      return await writer.finish();
    } finally {
      await writer.close();
    }
  }

  /** null when the entry `id` is whole (id, sizes and sha256 as its manifest says), else the problem. */
  private async check(id: string): Promise<string | null> {
    let m: FetchedManifest;
    try {
      m = this.readManifest(id);
      const actual = datasetId(checkDatasetFormat(m.format, 'format'), m.files);
      if (actual !== id) return `its manifest hashes to ${actual}`;
    } catch (e) {
      return `unreadable manifest (${(e as Error).message})`;
    }
    for (const [i, f] of m.files.entries()) {
      const file = path.join(this.dir, id, datasetFileName(i, f.role));
      try {
        const size = (await fs.promises.stat(file)).size;
        if (size !== f.sizeBytes) return `${file} has ${size} bytes, expected ${f.sizeBytes}`;
        const h = createHash('sha256');
        for await (const b of fs.createReadStream(file) as AsyncIterable<Buffer>) h.update(b);
        const digest = h.digest('hex');
        if (digest !== f.sha256) return `${file} has sha256 ${digest}, expected ${f.sha256}`;
      } catch (e) {
        return `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
      }
    }
    return null;
  }

  private readManifest(id: string): FetchedManifest {
    return JSON.parse(fs.readFileSync(path.join(this.dir, id, MANIFEST_FILE), 'utf8')) as FetchedManifest;
  }

  private local(id: string, m: FetchedManifest): LocalDataset {
    return {
      id,
      format: checkDatasetFormat(m.format, 'format'),
      files: m.files.map((f, i) => ({
        role: f.role,
        path: path.join(this.dir, id, datasetFileName(i, f.role)),
      })),
    };
  }
}
