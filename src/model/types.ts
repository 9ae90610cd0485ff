/** Types shared by the model's layers, the network and its callers (trainer, backends). */
import type { KernelRunner } from '../../kernels/runner';
import type { Data, Tensor } from '../../kernels/spec';

/** Parsed layer specs (see spec.ts for the accepted YAML/JSON forms). */
export type LayerSpec =
  | {
      readonly type: 'conv';
      readonly filters: number;
      readonly size: number;
      readonly stride: number;
      readonly pad: number;
    }
  | { readonly type: 'relu' }
  | { readonly type: 'pool'; readonly size: number; readonly stride: number }
  | { readonly type: 'affine'; readonly units: number }
  | { readonly type: 'dropout'; readonly p: number; readonly inverted: boolean };

/** Weight initialisation: N(0, std²) ('gaussian'), He N(0, 2/fanIn), Xavier N(0, 1/fanIn). */
export type InitSpec =
  { readonly type: 'gaussian'; readonly std: number } | { readonly type: 'he' } | { readonly type: 'xavier' };

/** A validated model spec. */
export interface ModelSpec {
  /** Per-sample input shape: [C, H, W] for images or [D] for vectors. */
  readonly input: readonly number[];
  readonly layers: readonly LayerSpec[];
  /** 'softmax' (cross-entropy) or 'svm' (multiclass hinge, Δ = 1). */
  readonly loss: 'softmax' | 'svm';
  readonly init: InitSpec;
  /** Constant every bias starts at (default 0). */
  readonly biasInit: number;
}

/** One trainable parameter, in the network's documented order (layer order; weight before bias). */
export interface ParamInfo {
  /** `<layer>.<param>`, e.g. `conv1.weight`, `fc2.bias`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Biases are excluded from regularisation and max-norm. */
  readonly kind: 'weight' | 'bias';
  /** Inputs feeding one output unit (C·KH·KW for conv, D_in for affine); used by He/Xavier. */
  readonly fanIn: number;
}

/**
 * Keys that seed per-sample noise (dropout masks), so a sample's mask depends only on the job seed, the
 * step and the sample's position in the full mini-batch — never on how the batch was sharded.
 */
export interface NoiseKeys {
  readonly seed: number;
  readonly step: number;
  /** For each row of this (sub-)batch, its position in the full mini-batch. */
  readonly rows: readonly number[];
}

/** Context of one forward pass. */
export interface ForwardContext {
  readonly runner: KernelRunner;
  /** Training mode: dropout samples masks; otherwise it applies its test-time scaling. */
  readonly training: boolean;
  /** Required when training with dropout. */
  readonly noise?: NoiseKeys;
}

/** Sums over the rows of one (sub-)batch: what a worker returns for a shard. */
export interface GradientSums {
  /** Σ_i ∂L_i/∂θ for every parameter, in ParamInfo order (data loss only, no regulariser). */
  readonly grads: Data[];
  /** Σ_i L_i (data loss only). */
  readonly lossSum: number;
  /** Rows whose argmax score equals the label. */
  readonly correct: number;
  /** Number of rows. */
  readonly count: number;
}

/** The network's scores for a batch: [N, numClasses]. */
export type Scores = Tensor;
