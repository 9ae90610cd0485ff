/**
 * A sequential network built from a validated ModelSpec: scores, per-batch gradient sums and loss sums.
 * Parameters live outside the network (the coordinator owns them) and are passed in on every call.
 */
import {
  ArgMax,
  HingeLoss,
  HingeLossGrad,
  ReduceSum,
  SoftmaxCrossEntropy,
  SoftmaxCrossEntropyGrad,
} from '../../kernels/names';
import { sizeOf, type Data, type Tensor } from '../../kernels/spec';
import { AffineLayer } from './layers/affine';
import { ConvLayer } from './layers/conv';
import { DropoutLayer } from './layers/dropout';
import type { Layer } from './layers/layer';
import { PoolLayer } from './layers/pool';
import { ReluLayer } from './layers/relu';
import { inferShapes } from './shapes';
import type { ForwardContext, GradientSums, LayerSpec, ModelSpec, ParamInfo } from './types';

/** Name prefix per layer type; layers are numbered per type from 1 (conv1, fc1, fc2, relu1 …). */
const PREFIX: Record<LayerSpec['type'], string> = {
  conv: 'conv',
  relu: 'relu',
  pool: 'pool',
  affine: 'fc',
  dropout: 'dropout',
};

/** The SVM margin Δ of the recipe. */
const SVM_DELTA = 1;

/** A feed-forward stack of layers with a softmax or SVM loss on top. */
export class Sequential {
  /**
   * Every trainable parameter, in the network's fixed order: layer order, and within a layer the weight
   * before the bias (conv1.weight, conv1.bias, fc1.weight, fc1.bias, …). This order is the model's
   * fingerprint: parameter arrays, gradients, checkpoints and the wire all use it.
   */
  readonly params: readonly ParamInfo[];
  /** Units of the last affine layer. */
  readonly numClasses: number;
  /** Per-sample input shape ([C, H, W] or [D]). */
  readonly inputShape: readonly number[];
  /** Values per sample (the product of inputShape). */
  readonly inputSize: number;
  /** Index into `params` of each layer's first parameter. */
  private readonly offsets: readonly number[];

  private constructor(
    /** The validated spec this network was built from. */
    readonly spec: ModelSpec,
    /** The layers, in order. */
    readonly layers: readonly Layer[],
  ) {
    const offsets: number[] = [];
    const params: ParamInfo[] = [];
    for (const layer of layers) {
      offsets.push(params.length);
      params.push(...layer.params);
    }
    this.offsets = offsets;
    this.params = params;
    this.inputShape = [...spec.input];
    this.inputSize = sizeOf(spec.input);
    this.numClasses = sizeOf(layers[layers.length - 1].outputShape);
  }

  /** Builds the network; throws E_BAD_SPEC naming `model.layers[i]` if the layer shapes do not chain. */
  static fromSpec(spec: ModelSpec): Sequential {
    const shapes = inferShapes(spec);
    const counts: Record<string, number> = {};
    const layers = spec.layers.map((l, i) => {
      counts[l.type] = (counts[l.type] ?? 0) + 1;
      const name = `${PREFIX[l.type]}${counts[l.type]}`;
      const input = i === 0 ? spec.input : shapes[i - 1];
      return createLayer(l, name, i, input, shapes[i]);
    });
    return new Sequential(spec, layers);
  }

  /**
   * Class scores [N, numClasses] for a batch x of N samples. x is [N, ...inputShape], or any shape
   * [N, ...] holding N·inputSize values (it is viewed as [N, ...inputShape] without copying).
   */
  scores(ctx: ForwardContext, params: readonly Data[], x: Tensor): Tensor {
    const input = this.checkArgs(params, x);
    if (input.shape[0] === 0) return { shape: [0, this.numClasses], data: ctx.runner.alloc(0) };
    return this.forward(ctx, params, input).y;
  }

  /**
   * Σ_i ∂L_i/∂θ (data loss only, not divided by N), Σ_i L_i and the number of correct rows for one
   * (sub-)batch. Dropout follows ctx.training (masks need ctx.noise); labels are class indices as numbers.
   */
  gradientSums(ctx: ForwardContext, params: readonly Data[], x: Tensor, labels: Data): GradientSums {
    const input = this.checkArgs(params, x, labels);
    const n = input.shape[0];
    if (n === 0) {
      const grads = this.params.map((p) => ctx.runner.alloc(sizeOf(p.shape)));
      return { grads, lossSum: 0, correct: 0, count: 0 };
    }
    const { y, saved } = this.forward(ctx, params, input);
    const labelTensor: Tensor = { shape: [n], data: labels };
    const { lossSum, correct } = this.evaluate(ctx, y, labelTensor);
    let dy =
      this.spec.loss === 'softmax'
        ? ctx.runner.run(SoftmaxCrossEntropyGrad, [y, labelTensor], {})
        : ctx.runner.run(HingeLossGrad, [y, labelTensor], { delta: SVM_DELTA });
    const grads: Data[] = new Array<Data>(this.params.length);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i];
      // The first layer's dx (the gradient w.r.t. the data) is the costliest and nobody uses it.
      const out = layer.backward(ctx, dy, saved[i], this.layerParams(params, i), i > 0);
      out.grads.forEach((g, k) => (grads[this.offsets[i] + k] = g));
      if (i > 0) {
        if (!out.dx) throw new Error(`${layer.name}: backward returned no dx`);
        dy = out.dx;
      }
    }
    return { grads, lossSum, correct, count: n };
  }

  /** Σ_i L_i (data loss only) and the number of correct rows, forward only (for evaluation). */
  lossSum(
    ctx: ForwardContext,
    params: readonly Data[],
    x: Tensor,
    labels: Data,
  ): { lossSum: number; correct: number } {
    const input = this.checkArgs(params, x, labels);
    const n = input.shape[0];
    if (n === 0) return { lossSum: 0, correct: 0 };
    return this.evaluate(ctx, this.forward(ctx, params, input).y, { shape: [n], data: labels });
  }

  private forward(ctx: ForwardContext, params: readonly Data[], x: Tensor): { y: Tensor; saved: unknown[] } {
    const saved: unknown[] = [];
    let y = x;
    this.layers.forEach((layer, i) => {
      const out = layer.forward(ctx, y, this.layerParams(params, i));
      saved.push(out.saved);
      y = out.y;
    });
    return { y, saved };
  }

  /** Loss sum via the per-sample loss kernel and ReduceSum; correct = rows whose ArgMax equals the label. */
  private evaluate(
    ctx: ForwardContext,
    scores: Tensor,
    labels: Tensor,
  ): { lossSum: number; correct: number } {
    const perSample =
      this.spec.loss === 'softmax'
        ? ctx.runner.run(SoftmaxCrossEntropy, [scores, labels], {})
        : ctx.runner.run(HingeLoss, [scores, labels], { delta: SVM_DELTA });
    const lossSum = ctx.runner.run(ReduceSum, [perSample], {}).data[0];
    const predicted = ctx.runner.run(ArgMax, [scores], {}).data;
    let correct = 0;
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels.data[i]) correct++;
    return { lossSum, correct };
  }

  private layerParams(params: readonly Data[], i: number): readonly Data[] {
    return params.slice(this.offsets[i], this.offsets[i] + this.layers[i].params.length);
  }

  /** Validates the arguments of a call and returns x viewed as [N, ...inputShape]. */
  private checkArgs(params: readonly Data[], x: Tensor, labels?: Data): Tensor {
    if (params.length !== this.params.length) {
      throw new Error(
        `expected ${this.params.length} parameter arrays (${this.paramNames()}), got ${params.length}`,
      );
    }
    params.forEach((p, i) => {
      const info = this.params[i];
      if (p.length !== sizeOf(info.shape)) {
        throw new Error(
          `${info.name} must hold ${sizeOf(info.shape)} values ([${info.shape}]), got ${p.length}`,
        );
      }
    });
    const n = x.shape[0];
    if (x.shape.length < 1 || !Number.isInteger(n) || n < 0 || x.data.length !== n * this.inputSize) {
      throw new Error(
        `x must be [N, ${this.inputShape}] (N·${this.inputSize} values), got shape [${x.shape}] with ${x.data.length} values`,
      );
    }
    if (labels) this.checkLabels(labels, n);
    return { shape: [n, ...this.inputShape], data: x.data };
  }

  private checkLabels(labels: Data, n: number): void {
    if (labels.length !== n) throw new Error(`expected ${n} labels (one per row of x), got ${labels.length}`);
    for (let i = 0; i < n; i++) {
      const v = labels[i];
      if (!Number.isInteger(v) || v < 0 || v >= this.numClasses) {
        throw new Error(`label ${i} is ${v}; labels must be integers in [0, ${this.numClasses})`);
      }
    }
  }

  private paramNames(): string {
    return this.params.map((p) => p.name).join(', ');
  }
}

function createLayer(
  spec: LayerSpec,
  name: string,
  index: number,
  input: readonly number[],
  output: readonly number[],
): Layer {
  switch (spec.type) {
    case 'conv':
      return new ConvLayer(name, index, input, output, spec);
    case 'relu':
      return new ReluLayer(name, index, input);
    case 'pool':
      return new PoolLayer(name, index, input, output, spec.size, spec.stride);
    case 'affine':
      return new AffineLayer(name, index, input, spec.units);
    case 'dropout':
      return new DropoutLayer(name, index, input, spec.p, spec.inverted);
  }
}
