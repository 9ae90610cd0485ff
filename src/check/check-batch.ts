/** The fixed batches the checks compute on: the first rows of the training split, in the backend's dtype. */
import type { Data } from '../../kernels/spec';
import { gatherBatch, type Dataset } from '../data/dataset';

/** A gathered batch. */
export interface CheckBatch {
  /** Samples [count, ...sampleShape], flat. */
  readonly x: Data;
  /** Labels [count] as numbers. */
  readonly labels: Data;
  readonly count: number;
  /** Noise keys' row positions 0 … count−1 (dropout masks are then fixed by seed and step). */
  readonly rows: readonly number[];
}

/** The first min(count, data.count) samples of `data`, gathered with `alloc`. */
export function firstRows(data: Dataset, count: number, alloc: (n: number) => Data): CheckBatch {
  const n = Math.min(count, data.count);
  const indices = Uint32Array.from({ length: n }, (_, i) => i);
  const { x, labels } = gatherBatch(data, indices, alloc);
  return { x, labels, count: n, rows: Array.from({ length: n }, (_, i) => i) };
}
