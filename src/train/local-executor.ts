/** Runs a step's shards and evaluations in this process, on one Backend, over in-memory splits. */
import type { Data } from '../../kernels/spec';
import type { Backend, ShardInput } from '../backend/backend';
import { augmentBatch, augmentedShape, centerCrop, isIdentity, type AugmentSpec } from '../data/augment';
import { gatherBatch, type Dataset } from '../data/dataset';
import type { Sequential } from '../model/sequential';
import type { GradientSums } from '../model/types';
import type { TrainSpec } from './job-spec';
import type { EvalSplitName, ShardPlan, StepExecutor } from './step-executor';

/** Samples per evaluation chunk (bounds the memory of one evaluation pass). */
const EVAL_CHUNK = 1000;

/** What a LocalExecutor needs of the job spec. */
export interface LocalExecutorSpec {
  readonly train: TrainSpec;
  readonly data: { readonly augment: AugmentSpec };
}

/**
 * A StepExecutor over a Backend; also what a worker runs for each task it receives.
 *
 * With `data.augment`, training shards are augmented as they are gathered, keyed by (train.seed,
 * epoch = ⌊step / itersPerEpoch⌋, the samples' training-split indices), a pure function of the step and
 * the indices, so any shard layout on any number of workers sees the same samples. Evaluation (the
 * train-accuracy subset and validation) sees the centre crop.
 */
export class LocalExecutor implements StepExecutor {
  private readonly seed: number;
  private readonly augment: AugmentSpec;
  /** Iterations per epoch, as the Trainer counts them (see trainer.ts). */
  private readonly itersPerEpoch: number;

  constructor(
    private readonly backend: Backend,
    private readonly net: Sequential,
    private readonly splits: { readonly train: Dataset; readonly val: Dataset; readonly test?: Dataset },
    spec: LocalExecutorSpec,
  ) {
    const t = spec.train;
    this.seed = t.seed;
    this.augment = spec.data.augment;
    this.itersPerEpoch = t.sampleBatches ? Math.max(1, Math.floor(splits.train.count / t.batchSize)) : 1;
  }

  alloc(length: number): Data {
    return this.backend.alloc(length);
  }

  /**
   * Every shard is gathered here, then all are handed to the backend at once (gradientSumsOfShards where
   * the backend has it, else one gradientSums call per shard, concurrently), so a backend with several
   * threads (cpu-pool) computes them side by side; the sums come back in shard order whatever finished
   * first, so the trainer's reduction is unchanged. On a failure every shard is waited for (no thread still
   * works for this step), then the first failure in shard order is thrown.
   */
  async shardSums(
    step: number,
    _version: number,
    params: readonly Data[],
    shards: readonly ShardPlan[],
  ): Promise<GradientSums[]> {
    const inputs = shards.map((shard) => this.shardInput(step, shard));
    if (this.backend.gradientSumsOfShards) {
      return this.backend.gradientSumsOfShards(this.net, params, inputs);
    }
    const settled = await Promise.allSettled(
      inputs.map((input) => this.backend.gradientSums(this.net, params, input)),
    );
    return settled.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
  }

  /** A shard's rows gathered (and augmented) from the training split, with its dropout keys. */
  private shardInput(step: number, shard: ShardPlan): ShardInput {
    for (const i of shard.indices) {
      if (i >= this.splits.train.count)
        throw new RangeError(`sample index ${i} outside the training split (${this.splits.train.count})`);
    }
    const batch = gatherBatch(this.splits.train, shard.indices, (k) => this.backend.alloc(k));
    if (!isIdentity(this.augment)) {
      const keys = {
        seed: this.seed,
        epoch: Math.floor(step / this.itersPerEpoch),
        sampleIndices: shard.indices,
      };
      const out = this.backend.alloc(shard.indices.length * this.augmentedSize());
      batch.x = augmentBatch(this.augment, batch.x, this.splits.train.sampleShape, keys, out);
    }
    const rows = Array.from({ length: shard.indices.length }, (_, i) => shard.firstRow + i);
    return {
      x: batch.x,
      labels: batch.labels,
      count: shard.indices.length,
      noise: { seed: this.seed, step, rows },
    };
  }

  async evaluate(
    _version: number,
    params: readonly Data[],
    split: EvalSplitName,
    indices: Uint32Array,
  ): Promise<{ correct: number; count: number; lossSum: number }> {
    const data = this.splits[split];
    if (!data) throw new RangeError(`this executor holds no ${split} split`);
    let correct = 0;
    let lossSum = 0;
    for (let lo = 0; lo < indices.length; lo += EVAL_CHUNK) {
      const chunk = indices.subarray(lo, Math.min(indices.length, lo + EVAL_CHUNK));
      for (const i of chunk) {
        if (i >= data.count)
          throw new RangeError(`sample index ${i} outside the ${split} split (${data.count})`);
      }
      const batch = gatherBatch(data, chunk, (k) => this.backend.alloc(k));
      if (!isIdentity(this.augment)) {
        const out = this.backend.alloc(chunk.length * this.augmentedSize());
        batch.x = centerCrop(this.augment, batch.x, data.sampleShape, out);
      }
      const sums = await this.backend.evaluate(this.net, params, batch.x, batch.labels, chunk.length);
      correct += sums.correct;
      lossSum += sums.lossSum;
    }
    return { correct, count: indices.length, lossSum };
  }

  /** Values in one augmented training sample. */
  private augmentedSize(): number {
    return augmentedShape(this.augment, this.splits.train.sampleShape).reduce((a, b) => a * b, 1);
  }
}
