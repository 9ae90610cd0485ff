/** Max pooling over size×size windows; the gradient goes to each window's first argmax. */
import { MaxPool, MaxPoolGrad, type PoolAttrs } from '../../../kernels/names';
import type { Data, Tensor } from '../../../kernels/spec';
import type { ForwardContext, ParamInfo } from '../types';
import type { BackwardResult, ForwardResult, Layer } from './layer';

/** A max-pooling layer; saves its input, from which MaxPoolGrad recomputes each window's argmax. */
export class PoolLayer implements Layer<Tensor> {
  readonly params: readonly ParamInfo[] = [];
  private readonly attrs: PoolAttrs;

  constructor(
    readonly name: string,
    readonly index: number,
    readonly inputShape: readonly number[],
    readonly outputShape: readonly number[],
    size: number,
    stride: number,
  ) {
    this.attrs = { size, stride };
  }

  forward(ctx: ForwardContext, x: Tensor): ForwardResult<Tensor> {
    return { y: ctx.runner.run(MaxPool, [x], this.attrs), saved: x };
  }

  backward(
    ctx: ForwardContext,
    dy: Tensor,
    x: Tensor,
    _params: readonly Data[],
    needDx: boolean,
  ): BackwardResult {
    return needDx ? { dx: ctx.runner.run(MaxPoolGrad, [x, dy], this.attrs), grads: [] } : { grads: [] };
  }
}
