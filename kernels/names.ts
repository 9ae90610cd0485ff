/**
 * Kernel names (stable PascalCase strings) and the attributes each kernel takes. Shapes are never
 * attributes: runners pass input shapes, and each spec derives its output shape and constants from them.
 */

/** C = op(A)·op(B); A is [M,K] (or [K,M] transposed), B is [K,N] (or [N,K] transposed). */
export const MatMul = 'MatMul';
/** y[n,c,s] = x[n,c,s] + b[c]; x is [N, C, ...inner], b is [C]. */
export const BiasAdd = 'BiasAdd';
/** db[c] = Σ_{n,s} dy[n,c,s]; the gradient of BiasAdd with respect to b. */
export const BiasGrad = 'BiasGrad';
/** Direct 2-D convolution (cross-correlation), NCHW input, filters [O, C, KH, KW]. */
export const Conv2D = 'Conv2D';
/** Gradient of Conv2D with respect to its input. */
export const Conv2DBackpropInput = 'Conv2DBackpropInput';
/** Gradient of Conv2D with respect to its filters (sums over batch and positions: shared weights add up). */
export const Conv2DBackpropFilter = 'Conv2DBackpropFilter';
/** Max pooling over size×size windows with a stride; ties go to the first element in row-major order. */
export const MaxPool = 'MaxPool';
/** Gradient of MaxPool: each window routes its dy to its (first) argmax. */
export const MaxPoolGrad = 'MaxPoolGrad';
/** y = max(0, x). */
export const Relu = 'Relu';
/** dx = dy where x > 0, else 0. */
export const ReluGrad = 'ReluGrad';
/** Elementwise product of two equally shaped tensors (dropout masks). */
export const Mul = 'Mul';
/** y = factor · x. */
export const Scale = 'Scale';
/** Per-sample softmax cross-entropy −log softmax(s)[y] for scores [N, C] and labels [N]. */
export const SoftmaxCrossEntropy = 'SoftmaxCrossEntropy';
/** d/ds of the per-sample softmax cross-entropy: softmax(s) − onehot(y), one row per sample. */
export const SoftmaxCrossEntropyGrad = 'SoftmaxCrossEntropyGrad';
/** Per-sample multiclass SVM loss Σ_{j≠y} max(0, s_j − s_y + delta). */
export const HingeLoss = 'HingeLoss';
/** d/ds of the per-sample multiclass SVM loss. */
export const HingeLossGrad = 'HingeLossGrad';
/** out[r] = Σ_k x[r, k] for x viewed as [R, K] (K = last dimension). */
export const ReduceSum = 'ReduceSum';
/** out[r] = index of the first maximum of row r of x [R, K]. */
export const ArgMax = 'ArgMax';

/** Every kernel name. */
export type KernelName =
  | typeof MatMul
  | typeof BiasAdd
  | typeof BiasGrad
  | typeof Conv2D
  | typeof Conv2DBackpropInput
  | typeof Conv2DBackpropFilter
  | typeof MaxPool
  | typeof MaxPoolGrad
  | typeof Relu
  | typeof ReluGrad
  | typeof Mul
  | typeof Scale
  | typeof SoftmaxCrossEntropy
  | typeof SoftmaxCrossEntropyGrad
  | typeof HingeLoss
  | typeof HingeLossGrad
  | typeof ReduceSum
  | typeof ArgMax;

/** Attributes of MatMul. */
export interface MatMulAttrs {
  /** Use Aᵀ (A stored as [K, M]). */
  readonly transposeA: boolean;
  /** Use Bᵀ (B stored as [N, K]). */
  readonly transposeB: boolean;
}
/** Attributes of the convolution kernels. */
export interface Conv2DAttrs {
  /** Step between output positions, in pixels (≥ 1). */
  readonly stride: number;
  /** Zero padding on every side, in pixels (≥ 0). */
  readonly pad: number;
}
/** Conv2DBackpropInput also needs the input shape [N, C, H, W] it reconstructs. */
export interface Conv2DBackpropInputAttrs extends Conv2DAttrs {
  readonly inputShape: readonly number[];
}
/** Conv2DBackpropFilter also needs the filter shape [O, C, KH, KW] it produces. */
export interface Conv2DBackpropFilterAttrs extends Conv2DAttrs {
  readonly filterShape: readonly number[];
}
/** Attributes of the pooling kernels. */
export interface PoolAttrs {
  /** Window height and width, in pixels. */
  readonly size: number;
  /** Step between windows, in pixels. */
  readonly stride: number;
}
/** Attributes of Scale. */
export interface ScaleAttrs {
  readonly factor: number;
}
/** Attributes of the hinge loss kernels. */
export interface HingeAttrs {
  /** The margin Δ (the recipe uses 1). */
  readonly delta: number;
}
/** Kernels that take no attributes. */
export type NoAttrs = Record<string, never>;

/** Maps each kernel name to its attribute type. */
export interface AttrsByKernel {
  MatMul: MatMulAttrs;
  BiasAdd: NoAttrs;
  BiasGrad: NoAttrs;
  Conv2D: Conv2DAttrs;
  Conv2DBackpropInput: Conv2DBackpropInputAttrs;
  Conv2DBackpropFilter: Conv2DBackpropFilterAttrs;
  MaxPool: PoolAttrs;
  MaxPoolGrad: PoolAttrs;
  Relu: NoAttrs;
  ReluGrad: NoAttrs;
  Mul: NoAttrs;
  Scale: ScaleAttrs;
  SoftmaxCrossEntropy: NoAttrs;
  SoftmaxCrossEntropyGrad: NoAttrs;
  HingeLoss: HingeAttrs;
  HingeLossGrad: HingeAttrs;
  ReduceSum: NoAttrs;
  ArgMax: NoAttrs;
}
