/**
 * Where the work of a training step happens. The trainer decides what to compute (which samples, which
 * shards, which parameter version); an executor computes it — in this process on a Backend
 * (LocalExecutor), or on remote workers (the coordinator's RemoteExecutor). Both return shard sums in shard
 * order, so the trainer's reduction, and therefore the parameters, do not depend on who computed.
 */
import type { Data } from '../../kernels/spec';
import type { GradientSums } from '../model/types';

/** One shard of a mini-batch: indices into the training split and the position of its first row. */
export interface ShardPlan {
  /** Indices into the job's training split, in batch order. */
  readonly indices: Uint32Array;
  /** Position of indices[0] in the full mini-batch (seeds dropout masks by position). */
  readonly firstRow: number;
}

/** Which split an evaluation reads. */
export type EvalSplitName = 'train' | 'val' | 'test';

/** Computes gradient sums of shards and evaluation sums, for the parameters at a version. */
export interface StepExecutor {
  /** Element type the executor computes in; parameters and optimizer state are allocated in it. */
  alloc(length: number): Data;
  /**
   * Gradient sums of every shard of step `step` at parameter version `version` (= number of updates applied
   * to `params`), returned in shard order. Noise (dropout) is keyed by (seed, step, row position).
   */
  shardSums(
    step: number,
    version: number,
    params: readonly Data[],
    shards: readonly ShardPlan[],
  ): Promise<GradientSums[]>;
  /** Number of correctly classified samples among `indices` of `split`, in test mode. */
  evaluate(
    version: number,
    params: readonly Data[],
    split: EvalSplitName,
    indices: Uint32Array,
  ): Promise<{ correct: number; count: number; lossSum: number }>;
}
