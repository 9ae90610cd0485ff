/** Row reductions over the last axis of x viewed as [R, K]: sums and first-argmax. */
import { ArgMax, ReduceSum, type NoAttrs } from '../names';
import { expectShape, sizeOf, type KernelSpec, type KernelThis, type Shapes } from '../spec';

interface RowConstants {
  R: number;
  K: number;
}

function rowDims(shapes: Shapes, kernel: string): RowConstants {
  const x = shapes[0];
  expectShape(x.length >= 1 && x[x.length - 1] >= 1, kernel, `needs a non-empty last axis, got [${x}]`);
  const K = x[x.length - 1];
  return { R: sizeOf(x) / K, K };
}

/** out[r] = Σ_k x[r, k]. */
export function reduceSum(this: KernelThis<RowConstants>, x: number[]): number {
  let sum = 0;
  for (let k = 0; k < this.constants.K; k++) {
    sum += x[this.thread.x * this.constants.K + k];
  }
  return sum;
}

/** ReduceSum: input x [..., K]; output [...] (a 1-D input gives [1]). */
export const reduceSumSpec: KernelSpec<NoAttrs> = {
  name: ReduceSum,
  body: reduceSum,
  inputs: ['x'],
  outputShape: (shapes) => (shapes[0].length === 1 ? [1] : shapes[0].slice(0, -1)),
  constants: (shapes) => ({ ...rowDims(shapes, ReduceSum) }),
};

/** out[r] = the index of the first maximum of row r. */
export function argMax(this: KernelThis<RowConstants>, x: number[]): number {
  const row = this.thread.x * this.constants.K;
  let best = x[row];
  let index = 0;
  for (let k = 1; k < this.constants.K; k++) {
    if (x[row + k] > best) {
      best = x[row + k];
      index = k;
    }
  }
  return index;
}

/** ArgMax: input x [..., K]; output [...] of indices stored as numbers. */
export const argMaxSpec: KernelSpec<NoAttrs> = {
  name: ArgMax,
  body: argMax,
  inputs: ['x'],
  outputShape: (shapes) => (shapes[0].length === 1 ? [1] : shapes[0].slice(0, -1)),
  constants: (shapes) => ({ ...rowDims(shapes, ArgMax) }),
};
