/** Per-channel bias: added along axis 1 of [N, C, ...inner]; its gradient sums over every other axis. */
import { BiasAdd, BiasGrad, type NoAttrs } from '../names';
import { expectShape, sizeOf, type KernelSpec, type KernelThis, type Shapes } from '../spec';

interface BiasConstants {
  N: number;
  C: number;
  /** Product of the dimensions after the channel axis (1 for [N, C]). */
  S: number;
}

function biasDims(shape: readonly number[], kernel: string): BiasConstants {
  expectShape(shape.length >= 2, kernel, `needs an input of rank ≥ 2, got [${shape}]`);
  return { N: shape[0], C: shape[1], S: sizeOf(shape.slice(2)) };
}

/** y[n,c,s] = x[n,c,s] + b[c]. */
export function biasAdd(this: KernelThis<BiasConstants>, x: number[], b: number[]): number {
  const t = Math.floor(this.thread.x / this.constants.S);
  const c = t - Math.floor(t / this.constants.C) * this.constants.C;
  return x[this.thread.x] + b[c];
}

/** BiasAdd: inputs x [N, C, ...], b [C]. */
export const biasAddSpec: KernelSpec<NoAttrs> = {
  name: BiasAdd,
  body: biasAdd,
  inputs: ['x', 'b'],
  outputShape: (shapes: Shapes) => {
    const d = biasDims(shapes[0], BiasAdd);
    expectShape(
      shapes[1].length === 1 && shapes[1][0] === d.C,
      BiasAdd,
      `bias must be [${d.C}], got [${shapes[1]}]`,
    );
    return [...shapes[0]];
  },
  constants: (shapes) => ({ ...biasDims(shapes[0], BiasAdd) }),
};

/** db[c] = Σ_n Σ_s dy[n,c,s]. */
export function biasGrad(this: KernelThis<BiasConstants>, dy: number[]): number {
  const c = this.thread.x;
  let sum = 0;
  for (let n = 0; n < this.constants.N; n++) {
    for (let s = 0; s < this.constants.S; s++) {
      sum += dy[(n * this.constants.C + c) * this.constants.S + s];
    }
  }
  return sum;
}

/** BiasGrad: input dy [N, C, ...]; output [C]. */
export const biasGradSpec: KernelSpec<NoAttrs> = {
  name: BiasGrad,
  body: biasGrad,
  inputs: ['dy'],
  outputShape: (shapes) => [biasDims(shapes[0], BiasGrad).C],
  constants: (shapes) => ({ ...biasDims(shapes[0], BiasGrad) }),
};
