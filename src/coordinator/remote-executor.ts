/**
 * A StepExecutor whose work is done by remote workers through the Scheduler. Computes in float32 (what
 * travels on the wire). The parameters of a version are encoded once and sent by each worker link before
 * the first task that needs them (workers cache by version).
 */
import type { Data } from '../../kernels/spec';
import type { GradientSums } from '../model/types';
import { GradpoolError } from '../shared/errors';
import type { EvalSplitName, ShardPlan, StepExecutor } from '../train/step-executor';
import { encodeTensor, type EncodedTensor } from '../transport/tensor-codec';
import type { Scheduler, StepContext, TaskSpec } from './scheduler';

/** Samples per evaluation task (the worker's own evaluation chunk). */
export const EVAL_CHUNK = 1000;

/** What a worker link needs to send the parameters of a version (StepContext.payload). */
export interface ParamsPayload {
  readonly specJson: string;
  /** The encoded parameters, in model order. */
  readonly values: readonly EncodedTensor[];
}

/** The job a RemoteExecutor works for. */
export interface RemoteJob {
  readonly jobId: string;
  /** The spec the workers build the model and data from. */
  readonly specJson: string;
  /** Shapes of the parameters, in model order. */
  readonly paramShapes: readonly (readonly number[])[];
}

/** Runs shards and evaluations of one job on the scheduler's workers. */
export class RemoteExecutor implements StepExecutor {
  private encoded: { version: number; payload: ParamsPayload } | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly job: RemoteJob,
  ) {}

  alloc(length: number): Data {
    return new Float32Array(length);
  }

  async shardSums(
    step: number,
    version: number,
    params: readonly Data[],
    shards: readonly ShardPlan[],
  ): Promise<GradientSums[]> {
    const specs: TaskSpec[] = shards.map((s, shard) => ({
      kind: 'shard',
      shard,
      indices: s.indices,
      firstRow: s.firstRow,
    }));
    const results = await this.scheduler.submitStep(this.context(step, version, params), specs);
    return results.map((r) => {
      if (r.kind !== 'shard') throw new GradpoolError('E_INTERNAL', 'an eval result for a shard task');
      return r.sums;
    });
  }

  async evaluate(
    version: number,
    params: readonly Data[],
    split: EvalSplitName,
    indices: Uint32Array,
  ): Promise<{ correct: number; count: number; lossSum: number }> {
    const specs: TaskSpec[] = [];
    for (let lo = 0; lo < indices.length; lo += EVAL_CHUNK) {
      const chunk = indices.subarray(lo, Math.min(indices.length, lo + EVAL_CHUNK));
      specs.push({ kind: 'eval', evalId: this.scheduler.nextEvalId(), split, indices: chunk });
    }
    const results = await this.scheduler.submitStep(this.context(version, version, params), specs);
    let correct = 0;
    let lossSum = 0;
    for (const r of results) {
      if (r.kind !== 'eval') continue;
      correct += r.correct;
      lossSum += r.lossSum;
    }
    return { correct, count: indices.length, lossSum };
  }

  private context(step: number, version: number, params: readonly Data[]): StepContext {
    if (this.encoded?.version !== version) {
      const values = params.map((p, i) => encodeTensor(this.job.paramShapes[i], p));
      this.encoded = { version, payload: { specJson: this.job.specJson, values } };
    }
    return {
      jobId: this.job.jobId,
      step,
      version,
      paramLengths: params.map((p) => p.length),
      payload: this.encoded.payload,
    };
  }
}
