/**
 * Fully connected layer in the recipe's layout: scores = x·W + b with x flattened to [N, D_in],
 * W [D_in, D_out], b [D_out].
 *   dW = xᵀ·dy,   db = Σ_n dy[n, :],   dx = dy·Wᵀ (reshaped back to the input's shape)
 */
import { BiasAdd, BiasGrad, MatMul } from '../../../kernels/names';
import { sizeOf, type Data, type Tensor } from '../../../kernels/spec';
import type { ForwardContext, ParamInfo } from '../types';
import { reshape, type BackwardResult, type ForwardResult, type Layer } from './layer';

/** Saved by the forward pass: the flattened input and its original shape. */
export interface AffineSaved {
  readonly x2d: Tensor;
  readonly inputShape: readonly number[];
}

/** An affine (fully connected) layer with parameters `<name>.weight` [D_in, D_out] and `<name>.bias` [D_out]. */
export class AffineLayer implements Layer<AffineSaved> {
  readonly params: readonly ParamInfo[];
  readonly outputShape: readonly number[];
  private readonly dIn: number;

  constructor(
    readonly name: string,
    readonly index: number,
    readonly inputShape: readonly number[],
    readonly units: number,
  ) {
    this.dIn = sizeOf(inputShape);
    this.outputShape = [units];
    this.params = [
      { name: `${name}.weight`, shape: [this.dIn, units], kind: 'weight', fanIn: this.dIn },
      { name: `${name}.bias`, shape: [units], kind: 'bias', fanIn: this.dIn },
    ];
  }

  forward(ctx: ForwardContext, x: Tensor, [w, b]: readonly Data[]): ForwardResult<AffineSaved> {
    const x2d = reshape(x, [x.shape[0], this.dIn]);
    const xw = ctx.runner.run(MatMul, [x2d, { shape: this.params[0].shape, data: w }], {
      transposeA: false,
      transposeB: false,
    });
    const y = ctx.runner.run(BiasAdd, [xw, { shape: this.params[1].shape, data: b }], {});
    return { y, saved: { x2d, inputShape: x.shape } };
  }

  backward(
    ctx: ForwardContext,
    dy: Tensor,
    saved: AffineSaved,
    [w]: readonly Data[],
    needDx: boolean,
  ): BackwardResult {
    const dw = ctx.runner.run(MatMul, [saved.x2d, dy], { transposeA: true, transposeB: false });
    const db = ctx.runner.run(BiasGrad, [dy], {});
    const grads = [dw.data, db.data];
    if (!needDx) return { grads };
    const dx2d = ctx.runner.run(MatMul, [dy, { shape: this.params[0].shape, data: w }], {
      transposeA: false,
      transposeB: true,
    });
    return { dx: reshape(dx2d, saved.inputShape), grads };
  }
}
