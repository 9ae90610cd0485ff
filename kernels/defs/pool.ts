/**
 * Max pooling over size×size windows with a stride (no padding): OH = ⌊(H − size)/stride⌋ + 1.
 * Ties go to the first maximum in row-major window order, in the forward pass and in the gradient alike.
 */
import { MaxPool, MaxPoolGrad, type PoolAttrs } from '../names';
import { expectShape, type KernelSpec, type KernelThis } from '../spec';

interface PoolConstants {
  N: number;
  C: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  K: number;
  S: number;
}

function poolDims(x: readonly number[], attrs: PoolAttrs, kernel: string): PoolConstants {
  expectShape(x.length === 4, kernel, `input must be [N,C,H,W], got [${x}]`);
  expectShape(
    attrs.size >= 1 && attrs.stride >= 1,
    kernel,
    `bad size ${attrs.size} or stride ${attrs.stride}`,
  );
  expectShape(
    attrs.size <= x[2] && attrs.size <= x[3],
    kernel,
    `window ${attrs.size} larger than input [${x}]`,
  );
  return {
    N: x[0],
    C: x[1],
    H: x[2],
    W: x[3],
    OH: Math.floor((x[2] - attrs.size) / attrs.stride) + 1,
    OW: Math.floor((x[3] - attrs.size) / attrs.stride) + 1,
    K: attrs.size,
    S: attrs.stride,
  };
}

/** One element y[n,c,oh,ow] = max of its window. */
export function maxPool(this: KernelThis<PoolConstants>, x: number[]): number {
  let t = this.thread.x;
  const ow = t - Math.floor(t / this.constants.OW) * this.constants.OW;
  t = Math.floor(t / this.constants.OW);
  const oh = t - Math.floor(t / this.constants.OH) * this.constants.OH;
  const nc = Math.floor(t / this.constants.OH);
  const base = nc * this.constants.H * this.constants.W;
  let best = x[base + oh * this.constants.S * this.constants.W + ow * this.constants.S];
  for (let kh = 0; kh < this.constants.K; kh++) {
    for (let kw = 0; kw < this.constants.K; kw++) {
      const v = x[base + (oh * this.constants.S + kh) * this.constants.W + ow * this.constants.S + kw];
      if (v > best) {
        best = v;
      }
    }
  }
  return best;
}

/** MaxPool: input x [N,C,H,W]; output [N,C,OH,OW]. */
export const maxPoolSpec: KernelSpec<PoolAttrs> = {
  name: MaxPool,
  body: maxPool,
  inputs: ['x'],
  outputShape: ([x], attrs) => {
    const d = poolDims(x, attrs, MaxPool);
    return [d.N, d.C, d.OH, d.OW];
  },
  constants: ([x], attrs) => ({ ...poolDims(x, attrs, MaxPool) }),
};

/** One element dx[n,c,h,w]: the sum of dy over the windows whose first argmax is (h, w). */
export function maxPoolGrad(this: KernelThis<PoolConstants>, x: number[], dy: number[]): number {
  let t = this.thread.x;
  const iw = t - Math.floor(t / this.constants.W) * this.constants.W;
  t = Math.floor(t / this.constants.W);
  const ih = t - Math.floor(t / this.constants.H) * this.constants.H;
  const nc = Math.floor(t / this.constants.H);
  const base = nc * this.constants.H * this.constants.W;
  let sum = 0;
  for (let dh = 0; dh < this.constants.K; dh++) {
    const th = ih - dh;
    const oh = Math.floor(th / this.constants.S);
    if (th >= 0 && oh * this.constants.S === th && oh < this.constants.OH) {
      for (let dw = 0; dw < this.constants.K; dw++) {
        const tw = iw - dw;
        const ow = Math.floor(tw / this.constants.S);
        if (tw >= 0 && ow * this.constants.S === tw && ow < this.constants.OW) {
          // Recompute this window's first argmax and route dy to it if it is (ih, iw).
          let bestH = oh * this.constants.S;
          let bestW = ow * this.constants.S;
          let best = x[base + bestH * this.constants.W + bestW];
          for (let kh = 0; kh < this.constants.K; kh++) {
            for (let kw = 0; kw < this.constants.K; kw++) {
              const v =
                x[base + (oh * this.constants.S + kh) * this.constants.W + ow * this.constants.S + kw];
              if (v > best) {
                best = v;
                bestH = oh * this.constants.S + kh;
                bestW = ow * this.constants.S + kw;
              }
            }
          }
          if (bestH === ih && bestW === iw) {
            sum += dy[(nc * this.constants.OH + oh) * this.constants.OW + ow];
          }
        }
      }
    }
  }
  return sum;
}

/** MaxPoolGrad: inputs x [N,C,H,W] (the forward input), dy [N,C,OH,OW]; output [N,C,H,W]. */
export const maxPoolGradSpec: KernelSpec<PoolAttrs> = {
  name: MaxPoolGrad,
  body: maxPoolGrad,
  inputs: ['x', 'dy'],
  outputShape: ([x, dy], attrs) => {
    const d = poolDims(x, attrs, MaxPoolGrad);
    expectShape(
      dy.length === 4 && dy[0] === d.N && dy[1] === d.C && dy[2] === d.OH && dy[3] === d.OW,
      MaxPoolGrad,
      `dy must be [${d.N},${d.C},${d.OH},${d.OW}], got [${dy}]`,
    );
    return [...x];
  },
  constants: ([x], attrs) => ({ ...poolDims(x, attrs, MaxPoolGrad) }),
};
