/**
 * The one interface the trainer, and later the worker, need: "compute the gradient sums of a shard".
 * A backend owns where kernels run (float64 loops, gpu.js, a thread pool); callers never see kernels.
 */
import type { KernelRunner, DType } from '../../kernels/runner';
import type { Data } from '../../kernels/spec';
import type { Sequential } from '../model/sequential';
import type { GradientSums, NoiseKeys } from '../model/types';

/** One shard of a mini-batch, already gathered into the backend's element type. */
export interface ShardInput {
  /** Samples [n, ...inputShape], flat. */
  readonly x: Data;
  /** Labels [n] as numbers. */
  readonly labels: Data;
  /** Number of samples in the shard. */
  readonly count: number;
  /** Seeds per-sample noise (dropout) by position in the full mini-batch. */
  readonly noise: NoiseKeys;
}

/** Loss and accuracy sums of an evaluation pass. */
export interface EvalSums {
  readonly lossSum: number;
  readonly correct: number;
  readonly count: number;
}

/** Computes shard gradient sums and evaluations for a network. */
export interface Backend {
  /** Backend name for logs and job listings. */
  readonly name: string;
  /** Element type of parameters and inputs this backend takes. */
  readonly dtype: DType;
  /** Allocates a zeroed array of this backend's dtype. */
  alloc(length: number): Data;
  /** Σ loss, Σ gradients (data loss only) and #correct over the shard, in training mode. */
  gradientSums(net: Sequential, params: readonly Data[], shard: ShardInput): Promise<GradientSums>;
  /**
   * Optional: the sums of several shards at the same parameters, each bit for bit what gradientSums returns
   * for it, in shard order. A backend with threads computes them together at less cost per shard.
   */
  gradientSumsOfShards?(
    net: Sequential,
    params: readonly Data[],
    shards: readonly ShardInput[],
  ): Promise<GradientSums[]>;
  /** Σ loss and #correct in test mode (dropout scaled, no masks). */
  evaluate(net: Sequential, params: readonly Data[], x: Data, labels: Data, count: number): Promise<EvalSums>;
  /** Releases threads, compiled kernels and devices. */
  close(): Promise<void>;
}

/** A backend that runs every kernel of a shard on one synchronous KernelRunner in this thread. */
export class RunnerBackend implements Backend {
  readonly name: string;
  readonly dtype: DType;

  constructor(private readonly runner: KernelRunner) {
    this.name = runner.name;
    this.dtype = runner.dtype;
  }

  alloc(length: number): Data {
    return this.runner.alloc(length);
  }

  async gradientSums(net: Sequential, params: readonly Data[], shard: ShardInput): Promise<GradientSums> {
    const x = { shape: [shard.count, ...net.inputShape], data: shard.x };
    return net.gradientSums(
      { runner: this.runner, training: true, noise: shard.noise },
      params,
      x,
      shard.labels,
    );
  }

  async evaluate(
    net: Sequential,
    params: readonly Data[],
    x: Data,
    labels: Data,
    count: number,
  ): Promise<EvalSums> {
    const input = { shape: [count, ...net.inputShape], data: x };
    const r = net.lossSum({ runner: this.runner, training: false }, params, input, labels);
    return { lossSum: r.lossSum, correct: r.correct, count };
  }

  async close(): Promise<void> {
    this.runner.close();
  }
}
