/** Writers of small data files in each format, for the reader tests. */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/** An IDX file: magic 0x0000080<dims>, big-endian dims, uint8 payload; gzipped when `gzip`. */
export function writeIdx(path: string, dims: readonly number[], data: Uint8Array, gzip = false): void {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  const buf = Buffer.concat([head, data]);
  writeFileSync(path, gzip ? gzipSync(buf) : buf);
}

/** An NPY v1.0 file with the given dtype, shape and raw little-endian data. */
export function writeNpy(
  path: string,
  descr: string,
  shape: readonly number[],
  data: Uint8Array,
  fortran = false,
): void {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

/** Bytes of a float32 array, little-endian. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}
