/** Elementwise kernels: ReLU and its gradient, products (dropout masks) and scaling. */
import { Mul, Relu, ReluGrad, Scale, type NoAttrs, type ScaleAttrs } from '../names';
import { expectShape, sizeOf, type KernelSpec, type KernelThis } from '../spec';

/** y = max(0, x). */
export function relu(this: KernelThis<Record<string, never>>, x: number[]): number {
  const v = x[this.thread.x];
  return v > 0 ? v : 0;
}

/** Relu: input x, output of the same shape. */
export const reluSpec: KernelSpec<NoAttrs> = {
  name: Relu,
  body: relu,
  inputs: ['x'],
  outputShape: ([x]) => [...x],
  constants: () => ({}),
};

/** dx = dy where x > 0, else 0 (the subgradient at 0 is 0, as in Relu's forward pass). */
export function reluGrad(this: KernelThis<Record<string, never>>, dy: number[], x: number[]): number {
  const i = this.thread.x;
  return x[i] > 0 ? dy[i] : 0;
}

/** ReluGrad: inputs dy and the forward input x. */
export const reluGradSpec: KernelSpec<NoAttrs> = {
  name: ReluGrad,
  body: reluGrad,
  inputs: ['dy', 'x'],
  outputShape: ([dy, x]) => {
    expectShape(sizeOf(dy) === sizeOf(x), ReluGrad, `dy [${dy}] and x [${x}] differ in size`);
    return [...dy];
  },
  constants: () => ({}),
};

/** y = a · b elementwise. */
export function mul(this: KernelThis<Record<string, never>>, a: number[], b: number[]): number {
  return a[this.thread.x] * b[this.thread.x];
}

/** Mul: inputs a, b of equal size. */
export const mulSpec: KernelSpec<NoAttrs> = {
  name: Mul,
  body: mul,
  inputs: ['a', 'b'],
  outputShape: ([a, b]) => {
    expectShape(sizeOf(a) === sizeOf(b), Mul, `a [${a}] and b [${b}] differ in size`);
    return [...a];
  },
  constants: () => ({}),
};

/** y = factor · x. */
export function scale(this: KernelThis<{ factor: number }>, x: number[]): number {
  return x[this.thread.x] * this.constants.factor;
}

/** Scale: input x; attribute factor. */
export const scaleSpec: KernelSpec<ScaleAttrs> = {
  name: Scale,
  body: scale,
  inputs: ['x'],
  outputShape: ([x]) => [...x],
  constants: (_shapes, attrs) => ({ factor: attrs.factor }),
};
