/**
 * What a worker computes, without any gRPC: per-job contexts (model, data splits, a LocalExecutor on the
 * worker's backend) and the parameters the coordinator sent, keyed by (job id, version). Workers keep no
 * training state besides these two caches, and both are bounded.
 */
import type { Data } from '../../kernels/spec';
import type { Backend } from '../backend/backend';
import { Sequential } from '../model/sequential';
import type { GradientSums, ParamInfo } from '../model/types';
import { GradpoolError } from '../shared/errors';
import { parseJobSpec, type JobSpec } from '../train/job-spec';
import { LocalExecutor } from '../train/local-executor';
import { checkModelFitsData, loadJobData } from '../train/run-job';
import type { EvalSplitName, ShardPlan } from '../train/step-executor';

/** Default number of job contexts a worker keeps. */
export const DEFAULT_MAX_JOBS = 8;

/** Everything a worker needs to run one job's tasks. */
export interface JobContext {
  readonly jobId: string;
  /** The spec exactly as received; a different spec under the same id rebuilds the context. */
  readonly specJson: string;
  readonly spec: JobSpec;
  readonly net: Sequential;
  readonly executor: LocalExecutor;
  /** Parameters by version, at most `versionsPerJob` of the newest. */
  readonly params: Map<number, readonly Data[]>;
}

/** Sums of an evaluation. `lossSum` is present when the executor reports it. */
export interface EvalSums {
  readonly lossSum?: number;
  readonly correct: number;
  readonly count: number;
}

/** Cache bounds of a ShardRunner. */
export interface ShardRunnerOptions {
  /**
   * Job contexts kept, least recently used dropped first (default DEFAULT_MAX_JOBS: twice the jobs a
   * coordinator trains at once by default, so concurrent jobs such as a search's trials do not evict each
   * other's contexts and rebuild them, data splits included, on every switch).
   */
  readonly maxJobs?: number;
  /** Parameter versions kept per job, the newest (default 2). */
  readonly versionsPerJob?: number;
}

/** Builds job contexts on demand, caches parameters, and runs shard and evaluation tasks. */
export class ShardRunner {
  private readonly jobs = new Map<string, JobContext>();
  private readonly maxJobs: number;
  private readonly versionsPerJob: number;

  constructor(
    private readonly backend: Backend,
    options: ShardRunnerOptions = {},
  ) {
    this.maxJobs = Math.max(1, options.maxJobs ?? DEFAULT_MAX_JOBS);
    this.versionsPerJob = Math.max(1, options.versionsPerJob ?? 2);
  }

  /**
   * The context of `jobId`, built from `specJson` when it is new (or its spec changed). Throws
   * GradpoolError (E_BAD_SPEC, E_BAD_DATA) when the spec is invalid or does not fit the data.
   */
  job(jobId: string, specJson: string): JobContext {
    const cached = this.jobs.get(jobId);
    if (cached && cached.specJson === specJson) {
      this.touch(cached);
      return cached;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(specJson);
    } catch (e) {
      throw new GradpoolError('E_BAD_SPEC', `job ${jobId}: spec is not valid JSON (${(e as Error).message})`);
    }
    const spec = parseJobSpec(raw);
    const net = Sequential.fromSpec(spec.model);
    const splits = loadJobData(spec.data, spec.train.seed);
    checkModelFitsData(net, splits.train, spec.data.augment);
    const executor = new LocalExecutor(this.backend, net, splits, spec);
    const ctx: JobContext = { jobId, specJson, spec, net, executor, params: new Map() };
    this.jobs.delete(jobId);
    this.touch(ctx);
    return ctx;
  }

  /** The network of a job whose context exists; undefined otherwise. */
  netOf(jobId: string): Sequential | undefined {
    return this.jobs.get(jobId)?.net;
  }

  /** Parameter shapes of a job whose context exists; undefined otherwise. */
  paramInfo(jobId: string): readonly ParamInfo[] | undefined {
    return this.jobs.get(jobId)?.net.params;
  }

  /** Stores `values` as version `version` of `jobId` (its context must exist); keeps the newest versions. */
  putParams(jobId: string, version: number, values: readonly Data[]): void {
    const ctx = this.jobs.get(jobId);
    if (!ctx) throw new GradpoolError('E_NOT_FOUND', `job ${jobId} has no context; send its Params first`);
    ctx.params.set(version, values);
    const versions = [...ctx.params.keys()].sort((a, b) => b - a);
    for (const old of versions.slice(this.versionsPerJob)) ctx.params.delete(old);
  }

  /** Whether version `version` of `jobId`'s parameters is cached. */
  hasParams(jobId: string, version: number): boolean {
    return this.jobs.get(jobId)?.params.has(version) ?? false;
  }

  /** Gradient sums of one shard at a parameter version; null when those parameters are not cached. */
  async shardSums(
    jobId: string,
    step: number,
    version: number,
    plan: ShardPlan,
  ): Promise<GradientSums | null> {
    const ctx = this.jobs.get(jobId);
    const params = ctx?.params.get(version);
    if (!ctx || !params) return null;
    this.touch(ctx);
    const [sums] = await ctx.executor.shardSums(step, version, params, [plan]);
    return sums;
  }

  /** Evaluation sums over `indices` of `split`; null when the parameters are not cached. */
  async evaluate(
    jobId: string,
    version: number,
    split: EvalSplitName,
    indices: Uint32Array,
  ): Promise<EvalSums | null> {
    const ctx = this.jobs.get(jobId);
    const params = ctx?.params.get(version);
    if (!ctx || !params) return null;
    this.touch(ctx);
    return ctx.executor.evaluate(version, params, split, indices);
  }

  /** Drops every context and parameter. */
  clear(): void {
    this.jobs.clear();
  }

  /** Job ids with a context, least recently used first. */
  jobIds(): string[] {
    return [...this.jobs.keys()];
  }

  /** Marks `ctx` most recently used and evicts the least recently used beyond maxJobs. */
  private touch(ctx: JobContext): void {
    this.jobs.delete(ctx.jobId);
    this.jobs.set(ctx.jobId, ctx);
    for (const id of this.jobs.keys()) {
      if (this.jobs.size <= this.maxJobs) break;
      this.jobs.delete(id);
    }
  }
}
