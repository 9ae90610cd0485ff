/**
 * Shared plumbing of the file readers: reading a whole file (gunzipped when it starts with the gzip
 * magic 1f 8b), E_BAD_DATA errors that name the file and the place, and the uint8 → [0, 1] scaling.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { GradpoolError } from '../../shared/errors';

/** An E_BAD_DATA error: `FILE: WHERE: WHAT` (WHERE is e.g. `byte 16` or `line 3, column 2`). */
export function dataError(file: string, where: string, what: string): GradpoolError {
  return new GradpoolError('E_BAD_DATA', `${file}: ${where}: ${what}`);
}

/** Reads `file` whole; a gzip file (magic 1f 8b) is decompressed when `gunzip` is true. */
export function readDataFile(file: string, gunzip = false): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw dataError(file, 'open', `cannot read the file (${err.code ?? err.message})`);
  }
  if (gunzip && buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw dataError(file, 'gzip', `not a valid gzip stream (${(e as Error).message})`);
    }
  }
  return buf;
}

/** uint8 pixels → float32 in [0, 1] (v / 255), as the builtin MNIST. */
export function scaleBytes(bytes: Uint8Array): Float32Array {
  const x = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) x[i] = bytes[i] / 255;
  return x;
}

/** Number of classes implied by `labels`: max label + 1, at least 2. */
export function classesOf(labels: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  return Math.max(2, max + 1);
}

/** The sample shape of an array whose per-sample dims are `rest`: [H, W] becomes [1, H, W]. */
export function sampleShapeOf(rest: readonly number[]): number[] {
  return rest.length === 2 ? [1, rest[0], rest[1]] : [...rest];
}
