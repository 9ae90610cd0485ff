/**
 * Serialises fitted preprocessing stats so they can be stored with a model and sent to workers: UTF-8 JSON
 * whose float arrays are base64 of little-endian float64, so a round trip is bit-exact.
 */
import { GradpoolError } from '../shared/errors';
import { parsePreprocess, type PreprocessStats } from './preprocess';
import type { PcaStats } from './preprocess-pca';

const FORMAT = 'gradpool.preprocess/1';

/** Encodes stats as UTF-8 JSON (float arrays as base64 float64 LE). */
export function serializeStats(stats: PreprocessStats): Buffer {
  const pca = stats.pca;
  const doc = {
    format: FORMAT,
    spec: stats.spec,
    sampleShape: stats.sampleShape,
    mean: encode(stats.mean),
    std: encode(stats.std),
    pca: pca && {
      center: encode(pca.center),
      components: encode(pca.components),
      eigenvalues: encode(pca.eigenvalues),
      totalVariance: pca.totalVariance,
      whiten: pca.whiten,
      eps: pca.eps,
    },
  };
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

/** Decodes `serializeStats` output; throws E_BAD_DATA on anything malformed or inconsistent. */
export function deserializeStats(buf: Uint8Array): PreprocessStats {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8'));
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== FORMAT) throw bad(`format is not ${FORMAT}`);
  const spec = parsePreprocess(doc.spec, 'spec');
  const shape = doc.sampleShape;
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s > 0))
    throw bad('bad sampleShape');
  const dim = shape.reduce((a: number, b: number) => a * b, 1);
  const groups = spec.mean === 'per-pixel' ? dim : shape.length >= 2 ? shape[0] : 1;
  const mean = spec.mean === 'none' ? null : decode(doc.mean, groups, 'mean');
  const std = spec.std ? decode(doc.std, groups, 'std') : null;
  const usesPca = spec.pca > 0 || spec.whiten;
  const pca = usesPca ? decodePca(doc.pca, dim, spec.pca === 0 ? dim : spec.pca) : null;
  return { spec, sampleShape: shape as number[], mean, std, pca };
}

function decodePca(raw: unknown, dim: number, k: number): PcaStats {
  if (raw === null || typeof raw !== 'object') throw bad('missing pca');
  const p = raw as Record<string, unknown>;
  if (typeof p.totalVariance !== 'number' || typeof p.eps !== 'number' || typeof p.whiten !== 'boolean') {
    throw bad('bad pca scalars');
  }
  return {
    center: decode(p.center, dim, 'pca.center'),
    components: decode(p.components, k * dim, 'pca.components'),
    eigenvalues: decode(p.eigenvalues, k, 'pca.eigenvalues'),
    totalVariance: p.totalVariance,
    whiten: p.whiten,
    eps: p.eps,
  };
}

function encode(a: Float64Array | null): string | null {
  if (!a) return null;
  const b = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) b.writeDoubleLE(a[i], i * 8);
  return b.toString('base64');
}

function decode(raw: unknown, length: number, name: string): Float64Array {
  if (typeof raw !== 'string') throw bad(`missing ${name}`);
  const b = Buffer.from(raw, 'base64');
  if (b.length !== length * 8) throw bad(`${name} has ${b.length / 8} values, expected ${length}`);
  const a = new Float64Array(length);
  for (let i = 0; i < length; i++) a[i] = b.readDoubleLE(i * 8);
  return a;
}

function bad(why: string): GradpoolError {
  return new GradpoolError('E_BAD_DATA', `preprocess stats: ${why}`);
}
