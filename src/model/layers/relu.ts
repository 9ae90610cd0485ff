/** ReLU: y = max(0, x); dx = dy where x > 0 (the subgradient at 0 is 0). */
import { Relu, ReluGrad } from '../../../kernels/names';
import type { Data, Tensor } from '../../../kernels/spec';
import type { ForwardContext, ParamInfo } from '../types';
import type { BackwardResult, ForwardResult, Layer } from './layer';

/** A ReLU nonlinearity; saves its input for the backward pass. */
export class ReluLayer implements Layer<Tensor> {
  readonly params: readonly ParamInfo[] = [];
  readonly outputShape: readonly number[];

  constructor(
    readonly name: string,
    readonly index: number,
    readonly inputShape: readonly number[],
  ) {
    this.outputShape = inputShape;
  }

  forward(ctx: ForwardContext, x: Tensor): ForwardResult<Tensor> {
    return { y: ctx.runner.run(Relu, [x], {}), saved: x };
  }

  backward(
    ctx: ForwardContext,
    dy: Tensor,
    x: Tensor,
    _params: readonly Data[],
    needDx: boolean,
  ): BackwardResult {
    return needDx ? { dx: ctx.runner.run(ReluGrad, [dy, x], {}), grads: [] } : { grads: [] };
  }
}
