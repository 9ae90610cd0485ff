/**
 * NumPy `.npy` files (format 1.0, 2.0 or 3.0), C order, little-endian: an images file [N, ...] of
 * `<u1`/`|u1` (uint8, scaled to [0, 1]) or `<f4` (float32, kept as is), and a labels file [N] of
 * `<u1`/`|u1`, `<i4` or `<i8` with values in 0–255. A sample [H, W] becomes [1, H, W].
 */
import type { Dataset } from '../dataset';
import { classesOf, dataError, readDataFile, sampleShapeOf, scaleBytes } from './read-data-file';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ITEM_SIZE: Record<string, number> = { '<u1': 1, '|u1': 1, '<f4': 4, '<i4': 4, '<i8': 8 };

/** A parsed `.npy` array: dtype, shape and where its data starts. */
interface NpyArray {
  readonly descr: string;
  readonly shape: number[];
  readonly offset: number;
}

/** Parses the header of `buf` and checks dtype, order and the data size. */
function npyHeader(file: string, buf: Buffer, dtypes: readonly string[]): NpyArray {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw dataError(
      file,
      'byte 0',
      `expected the NPY magic \\x93NUMPY, found ${JSON.stringify(buf.subarray(0, 6).toString('latin1'))}`,
    );
  }
  const major = buf[6];
  if (major < 1 || major > 3)
    throw dataError(file, 'byte 6', `expected NPY format version 1, 2 or 3, found ${major}`);
  const lenSize = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.length >= 12 ? buf.readUInt32LE(8) : -1;
  const start = 8 + lenSize;
  if (headerLen < 0 || start + headerLen > buf.length) {
    throw dataError(
      file,
      `byte ${start}`,
      `expected a ${headerLen}-byte header, the file ends after ${buf.length} bytes`,
    );
  }
  const header = buf.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw dataError(
      file,
      `byte ${start}`,
      `expected a header dict with 'descr', 'fortran_order' and 'shape', found ${header.trim()}`,
    );
  }
  if (!dtypes.includes(descr))
    throw dataError(file, `byte ${start}`, `expected dtype ${dtypes.join(' or ')}, found '${descr}'`);
  if (fortran === 'True') {
    throw dataError(
      file,
      `byte ${start}`,
      'expected fortran_order False (C order), found True; save with np.ascontiguousarray',
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0))
    throw dataError(file, `byte ${start}`, `expected a shape of integers, found (${shapeText})`);
  const offset = start + headerLen;
  const expected = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[descr];
  const found = buf.length - offset;
  if (found !== expected) {
    throw dataError(
      file,
      `byte ${offset}`,
      `expected ${expected} bytes of data for shape (${shape}) of '${descr}', found ${found}` +
        (found < expected ? ' (truncated)' : ''),
    );
  }
  return { descr, shape, offset };
}

/** The sample values of an images array, as float32 (uint8 scaled by 1/255). */
function imageValues(file: string, buf: Buffer, a: NpyArray): Float32Array {
  if (a.descr !== '<f4') return scaleBytes(buf.subarray(a.offset));
  const x = new Float32Array((buf.length - a.offset) / 4);
  for (let i = 0; i < x.length; i++) {
    x[i] = buf.readFloatLE(a.offset + 4 * i);
    if (!Number.isFinite(x[i]))
      throw dataError(file, `byte ${a.offset + 4 * i}`, `expected a finite float32, found ${x[i]}`);
  }
  return x;
}

/** The labels, checked to lie in 0–255. */
function labelValues(file: string, buf: Buffer, a: NpyArray, count: number): Uint8Array {
  const size = ITEM_SIZE[a.descr];
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const at = a.offset + size * i;
    const v = size === 1 ? buf[at] : size === 4 ? buf.readInt32LE(at) : Number(buf.readBigInt64LE(at));
    if (v < 0 || v > 255) throw dataError(file, `byte ${at}`, `expected a label in 0–255, found ${v}`);
    labels[i] = v;
  }
  return labels;
}

/** Reads an images `.npy` file and its labels `.npy` file into a dataset. */
export function readNpy(imagesFile: string, labelsFile: string): Dataset {
  const imgBuf = readDataFile(imagesFile);
  const img = npyHeader(imagesFile, imgBuf, ['<u1', '|u1', '<f4']);
  if (img.shape.length < 2) {
    throw dataError(
      imagesFile,
      'byte 8',
      `expected an images array [N, ...] of 2 or more dimensions, found (${img.shape})`,
    );
  }
  const labBuf = readDataFile(labelsFile);
  const lab = npyHeader(labelsFile, labBuf, ['<u1', '|u1', '<i4', '<i8']);
  const count = img.shape[0];
  if (lab.shape.length !== 1 || lab.shape[0] !== count) {
    throw dataError(
      labelsFile,
      'byte 8',
      `expected a labels array of shape (${count},) (the count of ${imagesFile}), found (${lab.shape})`,
    );
  }
  const labels = labelValues(labelsFile, labBuf, lab, count);
  return Object.freeze({
    source: `npy:${imagesFile},${labelsFile}`,
    x: imageValues(imagesFile, imgBuf, img),
    labels,
    count,
    sampleShape: sampleShapeOf(img.shape.slice(1)),
    numClasses: classesOf(labels),
  });
}
