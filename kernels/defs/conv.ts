/**
 * Direct 2-D convolution (cross-correlation, as in every CNN library) and both of its gradients.
 *   y[n,o,oh,ow] = Σ_{c,kh,kw} x[n,c,oh·S−P+kh, ow·S−P+kw] · w[o,c,kh,kw]   (zero outside the image)
 *   dx[n,c,h,w]  = Σ_{o,kh,kw : (h+P−kh) = oh·S} dy[n,o,oh,ow] · w[o,c,kh,kw]
 *   dw[o,c,kh,kw]= Σ_{n,oh,ow} dy[n,o,oh,ow] · x[n,c,oh·S−P+kh, ow·S−P+kw]   (shared weights add up)
 * Output sizes: OH = ⌊(H + 2P − KH)/S⌋ + 1, likewise OW.
 */
import {
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  type Conv2DAttrs,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropInputAttrs,
} from '../names';
import { expectShape, type KernelSpec, type KernelThis } from '../spec';

interface ConvConstants {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  S: number;
  P: number;
}

/** Output height or width of a convolution. */
export function convOutSize(inSize: number, kernelSize: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - kernelSize) / stride) + 1;
}

function convDims(
  x: readonly number[],
  w: readonly number[],
  attrs: Conv2DAttrs,
  kernel: string,
): ConvConstants {
  expectShape(x.length === 4, kernel, `input must be [N,C,H,W], got [${x}]`);
  expectShape(w.length === 4, kernel, `filters must be [O,C,KH,KW], got [${w}]`);
  expectShape(x[1] === w[1], kernel, `input has ${x[1]} channels but filters expect ${w[1]}`);
  expectShape(attrs.stride >= 1 && attrs.pad >= 0, kernel, `bad stride ${attrs.stride} or pad ${attrs.pad}`);
  const OH = convOutSize(x[2], w[2], attrs.stride, attrs.pad);
  const OW = convOutSize(x[3], w[3], attrs.stride, attrs.pad);
  expectShape(OH >= 1 && OW >= 1, kernel, `filter [${w}] larger than padded input [${x}]`);
  return {
    N: x[0],
    C: x[1],
    H: x[2],
    W: x[3],
    O: w[0],
    KH: w[2],
    KW: w[3],
    OH,
    OW,
    S: attrs.stride,
    P: attrs.pad,
  };
}

/** One element y[n,o,oh,ow] of the convolution. */
export function conv2d(this: KernelThis<ConvConstants>, x: number[], w: number[]): number {
  let t = this.thread.x;
  const ow = t - Math.floor(t / this.constants.OW) * this.constants.OW;
  t = Math.floor(t / this.constants.OW);
  const oh = t - Math.floor(t / this.constants.OH) * this.constants.OH;
  t = Math.floor(t / this.constants.OH);
  const o = t - Math.floor(t / this.constants.O) * this.constants.O;
  const n = Math.floor(t / this.constants.O);
  let sum = 0;
  for (let c = 0; c < this.constants.C; c++) {
    for (let kh = 0; kh < this.constants.KH; kh++) {
      const ih = oh * this.constants.S - this.constants.P + kh;
      if (ih >= 0 && ih < this.constants.H) {
        for (let kw = 0; kw < this.constants.KW; kw++) {
          const iw = ow * this.constants.S - this.constants.P + kw;
          if (iw >= 0 && iw < this.constants.W) {
            sum +=
              x[((n * this.constants.C + c) * this.constants.H + ih) * this.constants.W + iw] *
              w[((o * this.constants.C + c) * this.constants.KH + kh) * this.constants.KW + kw];
          }
        }
      }
    }
  }
  return sum;
}

/** Conv2D: inputs x [N,C,H,W], w [O,C,KH,KW]; output [N,O,OH,OW]. */
export const conv2dSpec: KernelSpec<Conv2DAttrs> = {
  name: Conv2D,
  body: conv2d,
  inputs: ['x', 'w'],
  outputShape: ([x, w], attrs) => {
    const d = convDims(x, w, attrs, Conv2D);
    return [d.N, d.O, d.OH, d.OW];
  },
  constants: ([x, w], attrs) => ({ ...convDims(x, w, attrs, Conv2D) }),
};

/** One element dx[n,c,h,w] of the input gradient. */
export function conv2dBackpropInput(this: KernelThis<ConvConstants>, dy: number[], w: number[]): number {
  let t = this.thread.x;
  const iw = t - Math.floor(t / this.constants.W) * this.constants.W;
  t = Math.floor(t / this.constants.W);
  const ih = t - Math.floor(t / this.constants.H) * this.constants.H;
  t = Math.floor(t / this.constants.H);
  const c = t - Math.floor(t / this.constants.C) * this.constants.C;
  const n = Math.floor(t / this.constants.C);
  let sum = 0;
  for (let o = 0; o < this.constants.O; o++) {
    for (let kh = 0; kh < this.constants.KH; kh++) {
      const th = ih + this.constants.P - kh;
      const oh = Math.floor(th / this.constants.S);
      if (th >= 0 && oh * this.constants.S === th && oh < this.constants.OH) {
        for (let kw = 0; kw < this.constants.KW; kw++) {
          const tw = iw + this.constants.P - kw;
          const ow = Math.floor(tw / this.constants.S);
          if (tw >= 0 && ow * this.constants.S === tw && ow < this.constants.OW) {
            sum +=
              dy[((n * this.constants.O + o) * this.constants.OH + oh) * this.constants.OW + ow] *
              w[((o * this.constants.C + c) * this.constants.KH + kh) * this.constants.KW + kw];
          }
        }
      }
    }
  }
  return sum;
}

/** Conv2DBackpropInput: inputs dy [N,O,OH,OW], w [O,C,KH,KW]; attribute inputShape; output [N,C,H,W]. */
export const conv2dBackpropInputSpec: KernelSpec<Conv2DBackpropInputAttrs> = {
  name: Conv2DBackpropInput,
  body: conv2dBackpropInput,
  inputs: ['dy', 'w'],
  outputShape: ([dy, w], attrs) => {
    const d = convDims(attrs.inputShape, w, attrs, Conv2DBackpropInput);
    expectShape(
      dy.length === 4 && dy[0] === d.N && dy[1] === d.O && dy[2] === d.OH && dy[3] === d.OW,
      Conv2DBackpropInput,
      `dy must be [${d.N},${d.O},${d.OH},${d.OW}], got [${dy}]`,
    );
    return [...attrs.inputShape];
  },
  constants: ([, w], attrs) => ({ ...convDims(attrs.inputShape, w, attrs, Conv2DBackpropInput) }),
};

/** One element dw[o,c,kh,kw] of the filter gradient, summed over the batch and all positions. */
export function conv2dBackpropFilter(this: KernelThis<ConvConstants>, x: number[], dy: number[]): number {
  let t = this.thread.x;
  const kw = t - Math.floor(t / this.constants.KW) * this.constants.KW;
  t = Math.floor(t / this.constants.KW);
  const kh = t - Math.floor(t / this.constants.KH) * this.constants.KH;
  t = Math.floor(t / this.constants.KH);
  const c = t - Math.floor(t / this.constants.C) * this.constants.C;
  const o = Math.floor(t / this.constants.C);
  let sum = 0;
  for (let n = 0; n < this.constants.N; n++) {
    for (let oh = 0; oh < this.constants.OH; oh++) {
      const ih = oh * this.constants.S - this.constants.P + kh;
      if (ih >= 0 && ih < this.constants.H) {
        for (let ow = 0; ow < this.constants.OW; ow++) {
          const iw = ow * this.constants.S - this.constants.P + kw;
          if (iw >= 0 && iw < this.constants.W) {
            sum +=
              dy[((n * this.constants.O + o) * this.constants.OH + oh) * this.constants.OW + ow] *
              x[((n * this.constants.C + c) * this.constants.H + ih) * this.constants.W + iw];
          }
        }
      }
    }
  }
  return sum;
}

/** Conv2DBackpropFilter: inputs x [N,C,H,W], dy [N,O,OH,OW]; attribute filterShape; output [O,C,KH,KW]. */
export const conv2dBackpropFilterSpec: KernelSpec<Conv2DBackpropFilterAttrs> = {
  name: Conv2DBackpropFilter,
  body: conv2dBackpropFilter,
  inputs: ['x', 'dy'],
  outputShape: ([x, dy], attrs) => {
    const d = convDims(x, attrs.filterShape, attrs, Conv2DBackpropFilter);
    expectShape(
      dy.length === 4 && dy[0] === d.N && dy[1] === d.O && dy[2] === d.OH && dy[3] === d.OW,
      Conv2DBackpropFilter,
      `dy must be [${d.N},${d.O},${d.OH},${d.OW}], got [${dy}]`,
    );
    return [...attrs.filterShape];
  },
  constants: ([x], attrs) => ({ ...convDims(x, attrs.filterShape, attrs, Conv2DBackpropFilter) }),
};
