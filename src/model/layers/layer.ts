/**
 * The layer contract. Layers keep no per-call state: forward returns its output and whatever backward
 * needs (`saved`), and backward gets that back. All numbers go through `ctx.runner` kernels.
 */
import type { Data, Tensor } from '../../../kernels/spec';
import type { ForwardContext, ParamInfo } from '../types';

/** Output of a forward pass plus what the matching backward pass needs. */
export interface ForwardResult<S> {
  readonly y: Tensor;
  readonly saved: S;
}

/** Output of a backward pass: the input gradient (when asked for) and one gradient per parameter. */
export interface BackwardResult {
  /** ∂L/∂x, absent when `needDx` was false. */
  readonly dx?: Tensor;
  /** Σ over the batch of ∂L/∂θ, in the layer's `params` order. */
  readonly grads: Data[];
}

/** One layer of a sequential network, bound to its position and input shape. */
export interface Layer<S = unknown> {
  /** Name such as `conv1`, `fc2`, `relu1` (numbered per type). */
  readonly name: string;
  /** Position in the network's layer list (0-based); dropout keys its masks on it. */
  readonly index: number;
  /** Per-sample input shape. */
  readonly inputShape: readonly number[];
  /** Per-sample output shape. */
  readonly outputShape: readonly number[];
  /** This layer's parameters (weight before bias), empty for parameter-free layers. */
  readonly params: readonly ParamInfo[];
  /** y for a batch x [N, ...inputShape]; `params` holds this layer's parameters in `params` order. */
  forward(ctx: ForwardContext, x: Tensor, params: readonly Data[]): ForwardResult<S>;
  /** Gradients given dy = ∂L/∂y; skips dx when `needDx` is false (the first layer). */
  backward(
    ctx: ForwardContext,
    dy: Tensor,
    saved: S,
    params: readonly Data[],
    needDx: boolean,
  ): BackwardResult;
}

/** The same data under another shape (no copy); the sizes must agree. */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  return { shape, data: t.data };
}
