/**
 * Dropout with p = the probability of KEEPING a unit.
 *   vanilla (the recipe):  training y = x·u,     u ~ Bernoulli(p);   test y = p·x
 *   inverted:              training y = x·u/p;                       test y = x
 * The mask of batch row r is drawn from Rng(seed, RngStream.dropout, step, rows[r], layer index), one
 * uniform per element in row-major order, so a sample's mask depends only on (seed, step, its position in
 * the full mini-batch, layer) and sharding the batch cannot change it.
 */
import { Mul, Scale } from '../../../kernels/names';
import { sizeOf, type Data, type Tensor } from '../../../kernels/spec';
import { Rng, RngStream } from '../../shared/rng';
import type { ForwardContext, NoiseKeys, ParamInfo } from '../types';
import type { BackwardResult, ForwardResult, Layer } from './layer';

/** Saved by the forward pass: the mask used in training (values 0 and 1, or 0 and 1/p), null at test time. */
export interface DropoutSaved {
  readonly mask: Tensor | null;
}

/** A dropout layer; it has no parameters. */
export class DropoutLayer implements Layer<DropoutSaved> {
  readonly params: readonly ParamInfo[] = [];
  readonly outputShape: readonly number[];

  constructor(
    readonly name: string,
    readonly index: number,
    readonly inputShape: readonly number[],
    /** Keep probability, 0 < p ≤ 1. */
    readonly p: number,
    readonly inverted: boolean,
  ) {
    this.outputShape = inputShape;
  }

  forward(ctx: ForwardContext, x: Tensor): ForwardResult<DropoutSaved> {
    if (!ctx.training) {
      const y = this.inverted ? x : ctx.runner.run(Scale, [x], { factor: this.p });
      return { y, saved: { mask: null } };
    }
    if (!ctx.noise) {
      throw new Error(`${this.name}: training with dropout needs ctx.noise (seed, step and batch rows)`);
    }
    const mask = this.mask(ctx, x.shape, ctx.noise);
    return { y: ctx.runner.run(Mul, [x, mask], {}), saved: { mask } };
  }

  backward(
    ctx: ForwardContext,
    dy: Tensor,
    saved: DropoutSaved,
    _params: readonly Data[],
    needDx: boolean,
  ): BackwardResult {
    if (!needDx) return { grads: [] };
    if (saved.mask) return { dx: ctx.runner.run(Mul, [dy, saved.mask], {}), grads: [] };
    return { dx: this.inverted ? dy : ctx.runner.run(Scale, [dy], { factor: this.p }), grads: [] };
  }

  /** The training mask for a batch of shape [N, ...], in the runner's dtype. */
  mask(ctx: ForwardContext, shape: readonly number[], noise: NoiseKeys): Tensor {
    const n = shape[0];
    if (noise.rows.length !== n) {
      throw new Error(
        `${this.name}: ctx.noise.rows has ${noise.rows.length} entries for a batch of ${n} rows`,
      );
    }
    const perRow = sizeOf(shape) / n;
    const keep = this.inverted ? 1 / this.p : 1;
    const data = ctx.runner.alloc(n * perRow);
    for (let r = 0; r < n; r++) {
      const rng = new Rng(noise.seed, RngStream.dropout, noise.step, noise.rows[r], this.index);
      const base = r * perRow;
      for (let j = 0; j < perRow; j++) data[base + j] = rng.uniform() < this.p ? keep : 0;
    }
    return { shape, data };
  }
}
