/**
 * IDX files, the MNIST / Fashion-MNIST layout (plain or gzip): an images file with magic 0x00000803,
 * dims [N, rows, cols] big-endian uint32 and N·rows·cols uint8 pixels, and a labels file with magic
 * 0x00000801, dim [N] and N uint8 labels. Pixels are scaled to [0, 1]; samples are [1, rows, cols].
 */
import type { Dataset } from '../dataset';
import { classesOf, dataError, readDataFile, scaleBytes } from './read-data-file';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

/** Reads the header of an IDX file: checks the magic and the payload size; returns dims and data offset. */
function idxHeader(
  file: string,
  buf: Buffer,
  magic: number,
  what: string,
): { dims: number[]; offset: number } {
  const ndims = magic & 0xff;
  const offset = 4 + 4 * ndims;
  if (buf.length < 4 || buf.readUInt32BE(0) !== magic) {
    const found =
      buf.length < 4 ? `only ${buf.length} bytes` : `0x${buf.readUInt32BE(0).toString(16).padStart(8, '0')}`;
    throw dataError(
      file,
      'byte 0',
      `expected the IDX magic 0x${magic.toString(16).padStart(8, '0')} (${what}), found ${found}`,
    );
  }
  if (buf.length < offset) {
    throw dataError(
      file,
      `byte ${buf.length}`,
      `expected a ${offset}-byte header, the file ends after ${buf.length} bytes`,
    );
  }
  const dims = Array.from({ length: ndims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const found = buf.length - offset;
  if (found !== expected) {
    throw dataError(
      file,
      `byte ${offset}`,
      `expected ${expected} bytes of data for dims [${dims}], found ${found}` +
        (found < expected ? ' (truncated)' : ''),
    );
  }
  return { dims, offset };
}

/** Reads an IDX images file and its labels file into a dataset (`source` names both). */
export function readIdx(imagesFile: string, labelsFile: string): Dataset {
  const imgBuf = readDataFile(imagesFile, true);
  const img = idxHeader(imagesFile, imgBuf, IMAGES_MAGIC, 'uint8 images, 3 dimensions');
  const labBuf = readDataFile(labelsFile, true);
  const lab = idxHeader(labelsFile, labBuf, LABELS_MAGIC, 'uint8 labels, 1 dimension');
  const [count, rows, cols] = img.dims;
  if (lab.dims[0] !== count) {
    throw dataError(
      labelsFile,
      'byte 4',
      `expected ${count} labels (the count of ${imagesFile}), found ${lab.dims[0]}`,
    );
  }
  const labels = new Uint8Array(labBuf.subarray(lab.offset, lab.offset + count));
  return Object.freeze({
    source: `idx:${imagesFile},${labelsFile}`,
    x: scaleBytes(imgBuf.subarray(img.offset)),
    labels,
    count,
    sampleShape: [1, rows, cols],
    numClasses: classesOf(labels),
  });
}
