/**
 * Convolution layer: y = Conv2D(x, W) + b, x [N, C, H, W], W [O, C, KH, KW], b [O].
 *   db = BiasGrad(dy),  dW = Conv2DBackpropFilter(x, dy) (sums over batch and positions: shared weights
 *   add up),  dx = Conv2DBackpropInput(dy, W).
 */
import {
  BiasAdd,
  BiasGrad,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  type Conv2DAttrs,
} from '../../../kernels/names';
import type { Data, Tensor } from '../../../kernels/spec';
import type { ForwardContext, LayerSpec, ParamInfo } from '../types';
import type { BackwardResult, ForwardResult, Layer } from './layer';

/** The parsed settings of a conv layer. */
export type ConvSpec = Extract<LayerSpec, { type: 'conv' }>;

/** A convolution layer with parameters `<name>.weight` [O, C, KH, KW] and `<name>.bias` [O]. */
export class ConvLayer implements Layer<Tensor> {
  readonly params: readonly ParamInfo[];
  private readonly attrs: Conv2DAttrs;

  constructor(
    readonly name: string,
    readonly index: number,
    readonly inputShape: readonly number[],
    readonly outputShape: readonly number[],
    spec: ConvSpec,
  ) {
    const c = inputShape[0];
    const fanIn = c * spec.size * spec.size;
    this.attrs = { stride: spec.stride, pad: spec.pad };
    this.params = [
      { name: `${name}.weight`, shape: [spec.filters, c, spec.size, spec.size], kind: 'weight', fanIn },
      { name: `${name}.bias`, shape: [spec.filters], kind: 'bias', fanIn },
    ];
  }

  /** Saves x, which the filter gradient needs. */
  forward(ctx: ForwardContext, x: Tensor, [w, b]: readonly Data[]): ForwardResult<Tensor> {
    const z = ctx.runner.run(Conv2D, [x, { shape: this.params[0].shape, data: w }], this.attrs);
    const y = ctx.runner.run(BiasAdd, [z, { shape: this.params[1].shape, data: b }], {});
    return { y, saved: x };
  }

  backward(
    ctx: ForwardContext,
    dy: Tensor,
    x: Tensor,
    [w]: readonly Data[],
    needDx: boolean,
  ): BackwardResult {
    const filterShape = this.params[0].shape;
    const dw = ctx.runner.run(Conv2DBackpropFilter, [x, dy], { ...this.attrs, filterShape });
    const db = ctx.runner.run(BiasGrad, [dy], {});
    const grads = [dw.data, db.data];
    if (!needDx) return { grads };
    const dx = ctx.runner.run(Conv2DBackpropInput, [dy, { shape: filterShape, data: w }], {
      ...this.attrs,
      inputShape: x.shape,
    });
    return { dx, grads };
  }
}
