/**
 * `gradpool data upload PATH... --name NAME [--format F]` and `gradpool data list`: uploaded datasets on a
 * coordinator (docs/data.md). Each PATH is a file, or ROLE=FILE to give its role; without one the role
 * and the format are told from the file name (see planUpload).
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { CoordinatorClient, DatasetInfo, UploadResult } from '../coordinator/client';
import {
  checkDatasetFormat,
  checkDatasetName,
  checkRoles,
  DATASET_FORMATS,
  datasetId,
  formatBytes,
  rolesOf,
  type DatasetFormat,
} from '../data/dataset-manifest';
import { GradpoolError } from '../shared/errors';
import type { Io } from './jobs';

/** Bytes per uploaded chunk (the protocol's largest, 1 MiB). */
const CHUNK_BYTES = 1024 * 1024;

/** A file to upload. */
export interface PlannedFile {
  readonly path: string;
  readonly role: string;
  readonly fileName: string;
  readonly sizeBytes: number;
}

/** Every role of every format (to recognise ROLE=FILE arguments). */
const ALL_ROLES = new Set(DATASET_FORMATS.flatMap((f) => rolesOf(f)));

/** The format a file name suggests, if any. */
function formatOfName(name: string): DatasetFormat | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.npy')) return 'npy';
  if (n.endsWith('.csv')) return 'csv';
  if (/idx[13]|ubyte/.test(n)) return 'idx';
  if (n.endsWith('.bin') && n.includes('batch')) return 'cifar';
  return undefined;
}

/** The role a file name suggests for `format`, or undefined. */
function roleOfName(name: string, format: DatasetFormat): string | undefined {
  const n = name.toLowerCase();
  const part = /(^|[^a-z0-9])(test|t10k)/.test(n) ? 'test' : 'train';
  if (format === 'cifar' || format === 'csv') return part;
  if (/label|idx1|(^|[^a-z])y([^a-z]|$)/.test(n)) return `${part}-labels`;
  if (/image|idx3|(^|[^a-z])x([^a-z]|$)/.test(n)) return `${part}-images`;
  return undefined;
}

/**
 * The files of an upload with their roles: `ROLE=FILE` arguments keep theirs; other files get one from
 * their name (`test`/`t10k` → test, else train; idx/npy: `labels`/`idx1`/`y` → labels, `images`/`idx3`/
 * `x` → images). The format is `format`, else the one every file name suggests (.npy, .csv, idx1/idx3/
 * ubyte, *batch*.bin). Throws E_BAD_ARGS naming the file and the fix.
 */
export function planUpload(
  args: readonly string[],
  format?: string,
): { format: DatasetFormat; files: PlannedFile[] } {
  if (args.length === 0) throw new GradpoolError('E_BAD_ARGS', 'give at least one file to upload');
  const parsed = args.map((a) => {
    const eq = a.indexOf('=');
    const role = eq > 0 ? a.slice(0, eq) : '';
    return ALL_ROLES.has(role) ? { role, path: a.slice(eq + 1) } : { role: '', path: a };
  });
  let fmt: DatasetFormat;
  if (format !== undefined) fmt = checkDatasetFormat(format, '--format');
  else {
    const guesses = new Set(parsed.map((p) => formatOfName(basename(p.path))));
    const [only] = guesses;
    if (guesses.size !== 1 || only === undefined) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `cannot tell the format from the file names (${parsed.map((p) => basename(p.path)).join(', ')}); give --format ${DATASET_FORMATS.join('|')}`,
      );
    }
    fmt = only;
  }
  const files = parsed.map(({ role, path }) => {
    let size: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch (e) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    const r = role || roleOfName(basename(path), fmt);
    if (r === undefined) {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `cannot tell the role of ${path} from its name; write it as ROLE=${path} with ROLE one of ${rolesOf(fmt).join(', ')}`,
      );
    }
    return { path, role: r, fileName: basename(path), sizeBytes: size };
  });
  checkRoles(
    fmt,
    files.map((f) => f.role),
    `the files' roles (${files.map((f) => `${f.role}=${f.fileName}`).join(', ')})`,
  );
  const rank = rolesOf(fmt);
  files.sort((a, b) => rank.indexOf(a.role) - rank.indexOf(b.role)); // stable: batches keep their order
  return { format: fmt, files };
}

/** Hex SHA-256 of a file, read in chunks. */
async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>)
    h.update(b);
  return h.digest('hex');
}

/** `gradpool data upload`: prints the dataset id on stdout (JSON with --json). */
export async function dataUploadCommand(
  client: CoordinatorClient,
  args: readonly string[],
  opts: { name: string; format?: string },
  io: Io,
): Promise<number> {
  const name = checkDatasetName(opts.name, '--name');
  const plan = planUpload(args, opts.format);
  const files = await Promise.all(plan.files.map(async (f) => ({ ...f, sha256: await sha256Of(f.path) })));
  // The same content under the same name is stored already: nothing to send.
  const id = datasetId(plan.format, files);
  const stored = (await client.listDatasets()).find((d) => d.id === id && d.names.includes(name));
  if (stored) return printUploaded(name, { dataset: stored, existed: true, previousId: '' }, io);
  const total = files.reduce((a, f) => a + f.sizeBytes, 0);
  let sent = 0;
  let shown = '';
  const show = () => {
    if (!io.progress) return;
    const pct = total > 0 ? Math.floor((100 * sent) / total) : 100;
    shown = `uploading ${name}: ${formatBytes(sent)} / ${formatBytes(total)} (${pct}%)`;
    process.stderr.write('\r' + shown);
  };
  async function* chunks() {
    for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
      let offset = 0;
      const stream = createReadStream(files[fileIndex].path, { highWaterMark: CHUNK_BYTES });
      for await (const data of stream as AsyncIterable<Buffer>) {
        yield { fileIndex, offset, data };
        offset += data.length;
        sent += data.length;
        show();
      }
    }
  }
  let result;
  try {
    result = await client.uploadDataset(
      {
        name,
        format: plan.format,
        files: files.map((f) => ({
          role: f.role,
          fileName: f.fileName,
          sizeBytes: f.sizeBytes,
          sha256: f.sha256,
        })),
      },
      chunks(),
    );
  } finally {
    if (shown) process.stderr.write('\r' + ' '.repeat(shown.length) + '\r');
  }
  return printUploaded(name, result, io);
}

/** Prints an upload's outcome: the id on stdout, what was stored on stderr (one JSON object with --json). */
function printUploaded(name: string, result: UploadResult, io: Io): number {
  const d = result.dataset as DatasetInfo;
  if (io.json) {
    io.out(
      JSON.stringify({
        type: 'uploaded',
        name,
        existed: result.existed,
        previousId: result.previousId,
        ...datasetJson(d),
      }),
    );
    return 0;
  }
  io.err(
    `${result.existed ? 'already stored' : 'stored'} ${name}: ${d.format}, ${d.files.length} files, ${formatBytes(Number(d.sizeBytes))}, ` +
      `${d.trainCount} train${d.testCount > 0 ? ` + ${d.testCount} test` : ''} samples of [${d.sampleShape}]` +
      (result.previousId ? ` (the name pointed to ${result.previousId.slice(0, 12)} before)` : ''),
  );
  io.err(
    `use it in a job spec as  data: { train: "dataset:${name}"${d.testCount > 0 ? `, test: "dataset:${name}:test"` : ''} }`,
  );
  io.out(d.id);
  return 0;
}

/** `gradpool data list`: one line per stored dataset (JSON objects with --json). */
export async function dataListCommand(client: CoordinatorClient, io: Io): Promise<number> {
  const datasets = await client.listDatasets();
  if (io.json) {
    for (const d of datasets) io.out(JSON.stringify({ type: 'dataset', ...datasetJson(d) }));
    return 0;
  }
  if (datasets.length === 0) {
    io.err('no datasets; add one with gradpool data upload PATH... --name NAME');
    return 0;
  }
  const rows = [['NAME', 'ID', 'FORMAT', 'SIZE', 'SAMPLES', 'CREATED']];
  for (const d of datasets) {
    rows.push([
      d.names.length > 0 ? d.names.join(',') : '-',
      d.id.slice(0, 12),
      d.format,
      formatBytes(Number(d.sizeBytes)),
      `${d.trainCount}${d.testCount > 0 ? `+${d.testCount}` : ''} × [${d.sampleShape}]`,
      new Date(Number(d.createdMs)).toISOString().replace(/\.\d+Z$/, 'Z'),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows)
    io.out(
      r
        .map((v, c) => v.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}

function datasetJson(d: DatasetInfo): Record<string, unknown> {
  return {
    id: d.id,
    names: d.names,
    format: d.format,
    sizeBytes: Number(d.sizeBytes),
    createdMs: Number(d.createdMs),
    trainCount: d.trainCount,
    testCount: d.testCount,
    sampleShape: d.sampleShape,
    files: d.files.map((f) => ({
      role: f.role,
      fileName: f.fileName,
      sizeBytes: Number(f.sizeBytes),
      sha256: f.sha256,
    })),
  };
}
