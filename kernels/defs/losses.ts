/**
 * Classification losses on scores [N, C] with integer labels [N] (stored as floats). Each returns the
 * per-sample loss; the gradients are those of the per-sample loss (not divided by N): workers return sums.
 *   softmax:  L_i = −s_{y_i} + log Σ_j exp(s_j),     ∂L_i/∂s_j = softmax(s)_j − [j = y_i]
 *   SVM:      L_i = Σ_{j≠y_i} max(0, s_j − s_{y_i} + Δ),
 *             ∂L_i/∂s_j = [margin_j > 0] for j ≠ y_i,   ∂L_i/∂s_{y_i} = −#{j ≠ y_i : margin_j > 0}
 */
import {
  HingeLoss,
  HingeLossGrad,
  SoftmaxCrossEntropy,
  SoftmaxCrossEntropyGrad,
  type HingeAttrs,
  type NoAttrs,
} from '../names';
import { expectShape, type KernelSpec, type KernelThis, type Shapes } from '../spec';

interface LossConstants {
  N: number;
  C: number;
  delta: number;
}

function lossDims(shapes: Shapes, kernel: string, delta: number): LossConstants {
  const [s, y] = shapes;
  expectShape(s.length === 2, kernel, `scores must be [N, C], got [${s}]`);
  expectShape(y.length === 1 && y[0] === s[0], kernel, `labels must be [${s[0]}], got [${y}]`);
  return { N: s[0], C: s[1], delta };
}

/** Per-sample softmax cross-entropy, computed stably around the row maximum. */
export function softmaxCrossEntropy(this: KernelThis<LossConstants>, s: number[], labels: number[]): number {
  const row = this.thread.x * this.constants.C;
  let m = s[row];
  for (let j = 1; j < this.constants.C; j++) {
    m = Math.max(m, s[row + j]);
  }
  let z = 0;
  for (let j = 0; j < this.constants.C; j++) {
    z += Math.exp(s[row + j] - m);
  }
  const y = Math.floor(labels[this.thread.x]);
  return Math.log(z) - (s[row + y] - m);
}

/** SoftmaxCrossEntropy: inputs scores [N, C], labels [N]; output [N]. */
export const softmaxCrossEntropySpec: KernelSpec<NoAttrs> = {
  name: SoftmaxCrossEntropy,
  body: softmaxCrossEntropy,
  inputs: ['scores', 'labels'],
  outputShape: (shapes) => [lossDims(shapes, SoftmaxCrossEntropy, 0).N],
  constants: (shapes) => ({ ...lossDims(shapes, SoftmaxCrossEntropy, 0) }),
};

/** One element ∂L_n/∂s[n,j] = softmax(s_n)_j − [j = y_n]. */
export function softmaxCrossEntropyGrad(
  this: KernelThis<LossConstants>,
  s: number[],
  labels: number[],
): number {
  const n = Math.floor(this.thread.x / this.constants.C);
  const j = this.thread.x - n * this.constants.C;
  const row = n * this.constants.C;
  let m = s[row];
  for (let k = 1; k < this.constants.C; k++) {
    m = Math.max(m, s[row + k]);
  }
  let z = 0;
  for (let k = 0; k < this.constants.C; k++) {
    z += Math.exp(s[row + k] - m);
  }
  const p = Math.exp(s[row + j] - m) / z;
  return Math.floor(labels[n]) === j ? p - 1 : p;
}

/** SoftmaxCrossEntropyGrad: inputs scores [N, C], labels [N]; output [N, C]. */
export const softmaxCrossEntropyGradSpec: KernelSpec<NoAttrs> = {
  name: SoftmaxCrossEntropyGrad,
  body: softmaxCrossEntropyGrad,
  inputs: ['scores', 'labels'],
  outputShape: ([s]) => [...s],
  constants: (shapes) => ({ ...lossDims(shapes, SoftmaxCrossEntropyGrad, 0) }),
};

/** Per-sample multiclass SVM (hinge) loss. */
export function hingeLoss(this: KernelThis<LossConstants>, s: number[], labels: number[]): number {
  const row = this.thread.x * this.constants.C;
  const y = Math.floor(labels[this.thread.x]);
  const sy = s[row + y];
  let sum = 0;
  for (let j = 0; j < this.constants.C; j++) {
    if (j !== y) {
      sum += Math.max(0, s[row + j] - sy + this.constants.delta);
    }
  }
  return sum;
}

/** HingeLoss: inputs scores [N, C], labels [N]; attribute delta; output [N]. */
export const hingeLossSpec: KernelSpec<HingeAttrs> = {
  name: HingeLoss,
  body: hingeLoss,
  inputs: ['scores', 'labels'],
  outputShape: (shapes) => [lossDims(shapes, HingeLoss, 0).N],
  constants: (shapes, attrs) => ({ ...lossDims(shapes, HingeLoss, attrs.delta) }),
};

/** One element ∂L_n/∂s[n,j] of the hinge loss (subgradient 0 at a margin of exactly 0). */
export function hingeLossGrad(this: KernelThis<LossConstants>, s: number[], labels: number[]): number {
  const n = Math.floor(this.thread.x / this.constants.C);
  const j = this.thread.x - n * this.constants.C;
  const row = n * this.constants.C;
  const y = Math.floor(labels[n]);
  const sy = s[row + y];
  let result = 0;
  if (j === y) {
    for (let k = 0; k < this.constants.C; k++) {
      if (k !== y && s[row + k] - sy + this.constants.delta > 0) {
        result -= 1;
      }
    }
  } else {
    result = s[row + j] - sy + this.constants.delta > 0 ? 1 : 0;
  }
  return result;
}

/** HingeLossGrad: inputs scores [N, C], labels [N]; attribute delta; output [N, C]. */
export const hingeLossGradSpec: KernelSpec<HingeAttrs> = {
  name: HingeLossGrad,
  body: hingeLossGrad,
  inputs: ['scores', 'labels'],
  outputShape: ([s]) => [...s],
  constants: (shapes, attrs) => ({ ...lossDims(shapes, HingeLossGrad, attrs.delta) }),
};
