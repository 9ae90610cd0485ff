/**
 * CIFAR-10 binary batches (`data_batch_1.bin` …): records of 1 label byte (0–9) and 3072 pixel bytes,
 * channel-major 32×32 (the R plane, then G, then B). Samples are [3, 32, 32] in [0, 1]; several batch
 * files are concatenated in the order given.
 */
import type { Dataset } from '../dataset';
import { dataError, readDataFile } from './read-data-file';

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;
const CLASSES = 10;

/** Reads one or more CIFAR-10 batch files into one dataset. */
export function readCifar(files: readonly string[]): Dataset {
  const bufs = files.map((file) => {
    const buf = readDataFile(file);
    if (buf.length === 0 || buf.length % RECORD !== 0) {
      throw dataError(
        file,
        `size ${buf.length}`,
        `expected a positive multiple of ${RECORD} bytes (1 label + ${PIXELS} pixels per record)`,
      );
    }
    return buf;
  });
  const count = bufs.reduce((a, b) => a + b.length / RECORD, 0);
  const x = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  bufs.forEach((buf, f) => {
    for (let off = 0; off < buf.length; off += RECORD, row++) {
      if (buf[off] >= CLASSES) {
        throw dataError(files[f], `byte ${off}`, `expected a label in 0–${CLASSES - 1}, found ${buf[off]}`);
      }
      labels[row] = buf[off];
      const base = row * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[base + p] = buf[off + 1 + p] / 255;
    }
  });
  return Object.freeze({
    source: `cifar:${files.join(',')}`,
    x,
    labels,
    count,
    sampleShape: [3, 32, 32],
    numClasses: CLASSES,
  });
}
