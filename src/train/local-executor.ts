/** Runs a step's shards and evaluations in this process, on one Backend, over in-memory splits. */
import type { Data } from '../../kernels/spec';
import type { Backend } from '../backend/backend';
import { gatherBatch, type Dataset } from '../data/dataset';
import type { Sequential } from '../model/sequential';
import type { GradientSums } from '../model/types';
import type { EvalSplitName, ShardPlan, StepExecutor } from './step-executor';

/** Samples per evaluation chunk (bounds the memory of one evaluation pass). */
const EVAL_CHUNK = 1000;

/** A StepExecutor over a Backend; also what a worker runs for each task it receives. */
export class LocalExecutor implements StepExecutor {
  constructor(
    private readonly backend: Backend,
    private readonly net: Sequential,
    private readonly splits: { readonly train: Dataset; readonly val: Dataset },
    private readonly seed: number,
  ) {}

  alloc(length: number): Data {
    return this.backend.alloc(length);
  }

  async shardSums(
    step: number,
    _version: number,
    params: readonly Data[],
    shards: readonly ShardPlan[],
  ): Promise<GradientSums[]> {
    const out: GradientSums[] = [];
    for (const shard of shards) {
      for (const i of shard.indices) {
        if (i >= this.splits.train.count)
          throw new RangeError(`sample index ${i} outside the training split (${this.splits.train.count})`);
      }
      const batch = gatherBatch(this.splits.train, shard.indices, (k) => this.backend.alloc(k));
      const rows = Array.from({ length: shard.indices.length }, (_, i) => shard.firstRow + i);
      out.push(
        await this.backend.gradientSums(this.net, params, {
          x: batch.x,
          labels: batch.labels,
          count: shard.indices.length,
          noise: { seed: this.seed, step, rows },
        }),
      );
    }
    return out;
  }

  async evaluate(
    _version: number,
    params: readonly Data[],
    split: EvalSplitName,
    indices: Uint32Array,
  ): Promise<{ correct: number; count: number }> {
    const data = this.splits[split];
    let correct = 0;
    for (let lo = 0; lo < indices.length; lo += EVAL_CHUNK) {
      const chunk = indices.subarray(lo, Math.min(indices.length, lo + EVAL_CHUNK));
      for (const i of chunk) {
        if (i >= data.count)
          throw new RangeError(`sample index ${i} outside the ${split} split (${data.count})`);
      }
      const batch = gatherBatch(data, chunk, (k) => this.backend.alloc(k));
      correct += (await this.backend.evaluate(this.net, params, batch.x, batch.labels, chunk.length)).correct;
    }
    return { correct, count: indices.length };
  }
}
