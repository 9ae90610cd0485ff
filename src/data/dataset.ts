/** In-memory labelled datasets and index-based views of them. */

/** A labelled dataset held in memory: samples are rows of `x`, each of `sampleShape`. */
export interface Dataset {
  /** Where the data came from, e.g. `builtin:mnist`. */
  readonly source: string;
  /** Sample values, row-major, `count · sampleSize` floats. */
  readonly x: Float32Array;
  /** Class label of each sample, in [0, numClasses). */
  readonly labels: Uint8Array;
  /** Number of samples. */
  readonly count: number;
  /** Shape of one sample, e.g. [1, 28, 28]. */
  readonly sampleShape: readonly number[];
  /** Number of classes. */
  readonly numClasses: number;
}

/** Elements in one sample. */
export function sampleSize(d: Dataset): number {
  return d.sampleShape.reduce((a, b) => a * b, 1);
}

/** A new dataset holding the samples at `indices`, in that order (copies). */
export function subsetOf(d: Dataset, indices: ArrayLike<number>): Dataset {
  const size = sampleSize(d);
  const x = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    x.set(d.x.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = d.labels[j];
  }
  return { ...d, x, labels, count: indices.length };
}

/**
 * Gathers rows `indices` of `d` into arrays of the requested element type: the batch input
 * [n, ...sampleShape] and labels [n] as floats (the loss kernels read labels as numbers).
 */
export function gatherBatch(
  d: Dataset,
  indices: ArrayLike<number>,
  alloc: (n: number) => Float32Array | Float64Array,
): { x: Float32Array | Float64Array; labels: Float32Array | Float64Array } {
  const size = sampleSize(d);
  const x = alloc(indices.length * size);
  const labels = alloc(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    x.set(d.x.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = d.labels[j];
  }
  return { x, labels };
}
