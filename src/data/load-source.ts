/**
 * Data sources named by a string (`data.train`, `data.test`): the builtin digits or files in one of the
 * formats of `formats/`. Paths are read where the job runs (coordinator and every worker), relative to
 * that process's working directory. Loaded files are cached per process, keyed by source, options and
 * each file's path, mtime and size, so a worker does not reload them for every job.
 *
 * `dataset:REF[:train|:test]` names an uploaded dataset (src/data/dataset-manifest.ts): REF is a name or an
 * id; the coordinator pins names to ids at submit, and a process finds an id's files through the
 * DatasetResolvers registered with addDatasetResolver (the coordinator's store, a worker's cache).
 */
import { statSync } from 'node:fs';
import { GradpoolError } from '../shared/errors';
import { loadBuiltinMnist } from './builtin-mnist';
import type { Dataset } from './dataset';
import { filesOfPart, isDatasetId, type DatasetPart, type LocalDataset } from './dataset-manifest';
import { readCifar } from './formats/cifar';
import { readCsv, type CsvOptions } from './formats/csv';
import { readIdx } from './formats/idx';
import { readNpy } from './formats/npy';

/** A parsed source string. */
export type Source =
  | { readonly kind: 'builtin' }
  | { readonly kind: 'idx' | 'npy'; readonly files: readonly [string, string] }
  | { readonly kind: 'cifar'; readonly files: readonly string[] }
  | { readonly kind: 'csv'; readonly files: readonly [string] }
  | { readonly kind: 'dataset'; readonly ref: string; readonly part: DatasetPart };

/** The accepted forms, for error messages and docs. */
export const SOURCE_FORMS = [
  'builtin:mnist',
  'idx:IMAGES,LABELS',
  'cifar:BATCH[,BATCH…]',
  'csv:PATH',
  'npy:IMAGES,LABELS',
  'dataset:NAME|ID[:train|:test]',
] as const;

/** Finds the local files of an uploaded dataset by id; undefined when this process does not have it. */
export type DatasetResolver = (id: string) => LocalDataset | undefined;

const resolvers = new Set<DatasetResolver>();

/** Registers `resolver` for `dataset:ID` sources in this process; returns the function that removes it. */
export function addDatasetResolver(resolver: DatasetResolver): () => void {
  resolvers.add(resolver);
  return () => void resolvers.delete(resolver);
}

/** `dataset:REF[:PART]` parsed, or a reason string. */
function parseDatasetSource(rest: string): Source | string {
  const [ref, part = 'train', ...extra] = rest.split(':');
  if (extra.length > 0 || (part !== 'train' && part !== 'test') || ref === '')
    return `dataset: takes NAME or ID and optionally :train or :test, got "dataset:${rest}"`;
  return { kind: 'dataset', ref, part };
}

/** Parses `text`; returns a reason string (not a Source) when it is not one of SOURCE_FORMS. */
export function parseSource(text: string): Source | string {
  if (text === 'builtin:mnist') return { kind: 'builtin' };
  if (text.startsWith('dataset:')) return parseDatasetSource(text.slice('dataset:'.length));
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const files = text
    .slice(colon + 1)
    .split(',')
    .map((f) => f.trim());
  if (files.some((f) => f === '')) return `an empty path in ${JSON.stringify(text)}`;
  switch (kind) {
    case 'idx':
    case 'npy':
      return files.length === 2
        ? { kind, files: [files[0], files[1]] }
        : `${kind}: takes two paths (images,labels), got ${files.length}`;
    case 'cifar':
      return { kind, files };
    case 'csv':
      return files.length === 1 ? { kind, files: [files[0]] } : `csv: takes one path, got ${files.length}`;
    default:
      return `unsupported source ${JSON.stringify(text)}`;
  }
}

const MAX_CACHED = 4;
const cache = new Map<string, Dataset>();

/** The cache key: source, options, and each file's mtime and size (a changed file is reloaded). */
function cacheKey(source: Source, options: CsvOptions): string {
  if (source.kind === 'dataset') {
    // Content-addressed: an id always names the same bytes.
    return JSON.stringify([
      'dataset',
      source.ref,
      source.part,
      options.shape ?? null,
      options.labelColumn ?? null,
    ]);
  }
  const stamps =
    source.kind === 'builtin'
      ? []
      : source.files.map((f) => {
          try {
            const s = statSync(f);
            return `${f}@${s.mtimeMs}:${s.size}`;
          } catch {
            return `${f}@missing`; // the reader reports the missing file
          }
        });
  return JSON.stringify([source.kind, stamps, options.shape ?? null, options.labelColumn ?? null]);
}

/** Reads `source` (uncached). */
function read(source: Source, options: CsvOptions): Dataset {
  switch (source.kind) {
    case 'builtin':
      return loadBuiltinMnist();
    case 'idx':
      return readIdx(source.files[0], source.files[1]);
    case 'npy':
      return readNpy(source.files[0], source.files[1]);
    case 'cifar':
      return readCifar(source.files);
    case 'csv':
      return readCsv(source.files[0], options);
    case 'dataset': {
      const files = uploadedSource(source.ref, source.part);
      if (files.kind !== 'csv' && (options.shape !== undefined || options.labelColumn !== undefined)) {
        throw new GradpoolError(
          'E_BAD_SPEC',
          `data.shape and data.labelColumn apply to csv data only; dataset ${source.ref} is ${files.kind}: remove them`,
        );
      }
      return read(files, options);
    }
  }
}

/** The file source of part `part` of the uploaded dataset `ref` (an id this process can resolve). */
function uploadedSource(ref: string, part: DatasetPart): Source {
  const where = `dataset:${ref}${part === 'test' ? ':test' : ''}`;
  if (!isDatasetId(ref)) {
    throw new GradpoolError(
      'E_BAD_SPEC',
      `${where}: dataset names are resolved by a coordinator at submit; submit the job with gradpool submit (gradpool data list shows the datasets), or name local files (idx:…, csv:…) to train in this process`,
    );
  }
  let local: LocalDataset | undefined;
  for (const r of resolvers) if ((local = r(ref))) break;
  if (!local) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `${where}: this process does not have dataset ${ref} (a worker fetches it when it first sees the job; gradpool data list shows the coordinator's datasets)`,
    );
  }
  const paths = filesOfPart(local.format, local.files, part).map((f) => f.path);
  if (paths.length === 0) throw new GradpoolError('E_BAD_SPEC', `${where}: the dataset has no ${part} files`);
  switch (local.format) {
    case 'idx':
    case 'npy':
      return { kind: local.format, files: [paths[0], paths[1]] };
    case 'cifar':
      return { kind: 'cifar', files: paths };
    case 'csv':
      return { kind: 'csv', files: [paths[0]] };
  }
}

/**
 * Loads the dataset named by `text` (see SOURCE_FORMS); `options` apply to CSV only. Throws E_BAD_SPEC
 * for an unknown form and E_BAD_DATA (naming the file and the place) for a bad file.
 */
export function loadSource(text: string, options: CsvOptions = {}): Dataset {
  const source = parseSource(text);
  if (typeof source === 'string') {
    throw new GradpoolError('E_BAD_SPEC', `${source}; accepted forms: ${SOURCE_FORMS.join(', ')}`);
  }
  const key = cacheKey(source, options);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const d = read(source, options);
  cache.set(key, d);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return d;
}
