/**
 * Uploaded datasets as the data layer sees them: a format, a list of files each with a role, and a
 * content address. The id of a dataset is the hex SHA-256 of its canonical manifest,
 * `{"format":F,"files":[{"role":R,"sizeBytes":N,"sha256":H},…]}` (JSON, these keys in this order, files in
 * the order of rolesOf(format), files of one role in upload order): the same bytes in the same roles give
 * the same id, whatever the file names, the order of the arguments or the time.
 *
 * Roles per format: idx and npy take `train-images`, `train-labels` and optionally `test-images`,
 * `test-labels`; cifar takes one or more `train` batches and optionally `test` batches (concatenated in
 * order); csv takes one `train` and optionally one `test`.
 */
import { createHash } from 'node:crypto';
import { GradpoolError } from '../shared/errors';

/** The formats a dataset can be uploaded in. */
export const DATASET_FORMATS = ['idx', 'cifar', 'csv', 'npy'] as const;
/** One of DATASET_FORMATS. */
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** The two parts of a dataset a job can name. */
export type DatasetPart = 'train' | 'test';

/** A file of a dataset, as the canonical manifest hashes it. */
export interface ManifestFile {
  /** See the module comment. */
  readonly role: string;
  /** Size in bytes. */
  readonly sizeBytes: number;
  /** Hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

/** A dataset's files as found on this machine (by a DatasetResolver). */
export interface LocalDataset {
  readonly id: string;
  readonly format: DatasetFormat;
  /** Files in manifest order with their local paths. */
  readonly files: readonly { readonly role: string; readonly path: string }[];
}

/** Dataset names: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`; never an id. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A dataset id: 64 lowercase hex digits. */
const ID_RE = /^[0-9a-f]{64}$/;

/** Whether `ref` is a dataset id (else it is a name). */
export function isDatasetId(ref: string): boolean {
  return ID_RE.test(ref);
}

/** Checks a dataset name; returns it or throws E_BAD_ARGS naming `field` and the rule. */
export function checkDatasetName(name: string, field: string): string {
  if (!NAME_RE.test(name) || isDatasetId(name)) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `${field} must be 1–64 letters, digits, '.', '_' or '-' starting with a letter or digit (and not a 64-hex-digit id), got ${JSON.stringify(name)}`,
      field,
    );
  }
  return name;
}

/** Checks a format name; throws E_BAD_ARGS listing the formats. */
export function checkDatasetFormat(format: string, field: string): DatasetFormat {
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `${field} must be one of ${DATASET_FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
      field,
    );
  }
  return format as DatasetFormat;
}

/** The roles `format` accepts. */
export function rolesOf(format: DatasetFormat): readonly string[] {
  return format === 'idx' || format === 'npy'
    ? ['train-images', 'train-labels', 'test-images', 'test-labels']
    : ['train', 'test'];
}

/**
 * Checks that `roles` (in upload order) form a dataset of `format` (see the module comment); throws
 * E_BAD_ARGS naming what is missing or extra.
 */
export function checkRoles(format: DatasetFormat, roles: readonly string[], field: string): void {
  const allowed = rolesOf(format);
  const bad = roles.find((r) => !allowed.includes(r));
  const fail = (what: string) => {
    throw new GradpoolError('E_BAD_ARGS', `${field}: ${what} (format ${format})`, field);
  };
  if (bad !== undefined) fail(`unknown role ${JSON.stringify(bad)}; roles are ${allowed.join(', ')}`);
  const count = (r: string) => roles.filter((x) => x === r).length;
  if (format === 'idx' || format === 'npy') {
    for (const r of allowed) if (count(r) > 1) fail(`role ${r} is given ${count(r)} times`);
    if (count('train-images') !== 1 || count('train-labels') !== 1)
      fail('needs one train-images and one train-labels file');
    if (count('test-images') !== count('test-labels'))
      fail('test-images and test-labels come together, or neither');
  } else if (format === 'csv') {
    if (count('train') !== 1) fail(`needs exactly one train file, got ${count('train')}`);
    if (count('test') > 1) fail(`takes at most one test file, got ${count('test')}`);
  } else if (count('train') < 1) {
    fail('needs at least one train batch');
  }
}

/** The files of `part` in the order its reader takes them (images before labels). */
export function filesOfPart<F extends { readonly role: string }>(
  format: DatasetFormat,
  files: readonly F[],
  part: DatasetPart,
): F[] {
  if (format === 'idx' || format === 'npy') {
    const images = files.find((f) => f.role === `${part}-images`);
    const labels = files.find((f) => f.role === `${part}-labels`);
    return images && labels ? [images, labels] : [];
  }
  return files.filter((f) => f.role === part);
}

/** The local file name of a dataset's file `index` with `role` (the coordinator's store, a worker's cache). */
export function datasetFileName(index: number, role: string): string {
  return `${index}-${role}`;
}

/** The canonical manifest text of a dataset (see the module comment). */
export function canonicalManifest(format: DatasetFormat, files: readonly ManifestFile[]): string {
  const rank = rolesOf(format);
  // Stable: files of one role (cifar batches) keep their order, which is the order they are read in.
  const ordered = [...files].sort((a, b) => rank.indexOf(a.role) - rank.indexOf(b.role));
  return JSON.stringify({
    format,
    files: ordered.map((f) => ({ role: f.role, sizeBytes: f.sizeBytes, sha256: f.sha256 })),
  });
}

/** The id of a dataset: hex SHA-256 of its canonical manifest. */
export function datasetId(format: DatasetFormat, files: readonly ManifestFile[]): string {
  return createHash('sha256').update(canonicalManifest(format, files)).digest('hex');
}

/** `n` bytes in readable units (KiB, MiB, GiB). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[u]}`;
}
