/**
 * What the dashboard shows, read from the coordinator's parts: job summaries, a job's history (per-step
 * costs, per-epoch accuracies, search trials), live events, and the first layer's weights as a PNG.
 * Per-step costs come from the in-memory StepHistory, seeded once from the newest checkpoint's loss history
 * when memory lacks the start of a job (e.g. after a coordinator restart).
 */
import { Sequential } from '../../model/sequential';
import type { ParamInfo } from '../../model/types';
import { firstLayerWeight } from '../../report/first-layer';
import { weightGridPng } from '../../report/weight-grid';
import { parseJobSpec } from '../../train/job-spec';
import type { TrainState } from '../../train/train-state';
import type { CheckpointStore } from '../checkpoint-store';
import type { JobEventBody, JobEvents } from '../job-events';
import type { JobRecord, StoredEpochEvent } from '../job-store';
import { STEP_HISTORY_CAPACITY, type StepHistory, type StepPoint } from '../step-history';

/** A job as the coordinator reports it (JobView). */
export type DashboardJob = JobRecord & { readonly waitingForWorkers: boolean };

/** A job in the dashboard's list. */
export interface JobSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly iteration: number;
  readonly totalIterations: number;
  readonly bestValAcc: number;
  readonly waitingForWorkers: boolean;
  readonly message: string;
  readonly fingerprint: string;
  readonly paramCount: number;
  /** Milliseconds since the Unix epoch. */
  readonly createdMs: number;
  readonly updatedMs: number;
  /** True when the spec has a `search` section (a random search over learning rate and regularisation). */
  readonly search: boolean;
}

/** One job with its history. */
export interface JobDetail {
  readonly job: JobSummary & { readonly spec: unknown };
  readonly history: {
    /** The most recent per-step costs (up to STEP_HISTORY_CAPACITY), oldest first. */
    readonly steps: readonly StepPoint[];
    readonly epochs: readonly StoredEpochEvent[];
    /** Search trials as their events carried them, oldest first (empty for a plain job). */
    readonly trials: readonly unknown[];
  };
}

/** Which parameters the weights picture shows. */
export type WeightsWhich = 'current' | 'best';

/** A rendered weights picture. */
export interface WeightsPicture {
  readonly png: Buffer;
  /** Updates applied to the parameters shown. */
  readonly iteration: number;
}

/** What the dashboard reads from. */
export interface DashboardSource {
  /** Every job, newest first. */
  listJobs(): JobSummary[];
  /** One job; throws E_NOT_FOUND. */
  summary(id: string): JobSummary;
  /** One job and its history; throws E_NOT_FOUND. */
  detail(id: string): Promise<JobDetail>;
  /** Calls `fn` for every later event of the job; returns the unsubscribe. Throws E_NOT_FOUND. */
  subscribe(id: string, fn: (e: JobEventBody) => void): () => void;
  /**
   * The first layer's weights as a grid, at most `maxSide` pixels a side where whole-pixel scaling allows
   * (default 2048), or null when the job has no parameters yet. Throws E_NOT_FOUND.
   */
  weightsPng(id: string, which: WeightsWhich, maxSide?: number): Promise<WeightsPicture | null>;
}

/** The coordinator's parts the dashboard reads. */
export interface DashboardDeps {
  readonly listJobs: () => DashboardJob[];
  /** Throws E_NOT_FOUND. */
  readonly getJob: (id: string) => DashboardJob;
  readonly events: JobEvents;
  readonly steps: StepHistory;
  readonly checkpoints: CheckpointStore;
  /** The running job's state after its latest update, if `id` is running. */
  readonly liveState: (id: string) => TrainState | undefined;
}

/** Trials kept per job in memory. */
const MAX_TRIALS = 10_000;
/** Jobs whose trials, models and pictures are kept in memory. */
const MAX_JOBS = 32;

/** Drops the oldest entries of `m` (insertion order) beyond `max`. */
function trim(m: Map<string, unknown>, max: number): void {
  for (const k of m.keys()) {
    if (m.size <= max) return;
    m.delete(k);
  }
}

/** The coordinator-backed DashboardSource. */
export class DashboardData implements DashboardSource {
  private readonly trials = new Map<string, unknown[]>();
  private readonly seeded = new Set<string>();
  private readonly models = new Map<string, { infos: readonly ParamInfo[]; input: readonly number[] }>();
  private readonly pictures = new Map<string, { key: string; picture: WeightsPicture }>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: DashboardDeps) {
    this.unsubscribe = deps.events.subscribeAll((id, e) => this.remember(id, e));
  }

  listJobs(): JobSummary[] {
    return this.deps.listJobs().map(summarize);
  }

  summary(id: string): JobSummary {
    return summarize(this.deps.getJob(id));
  }

  async detail(id: string): Promise<JobDetail> {
    const rec = this.deps.getJob(id);
    await this.seedSteps(rec);
    const fresh = this.deps.getJob(id);
    const persisted = (fresh as { trials?: unknown }).trials;
    return {
      job: { ...summarize(fresh), spec: JSON.parse(fresh.specJson) as unknown },
      history: {
        steps: this.deps.steps.steps(id),
        epochs: fresh.epochEvents,
        trials: Array.isArray(persisted) ? persisted : (this.trials.get(id) ?? []),
      },
    };
  }

  subscribe(id: string, fn: (e: JobEventBody) => void): () => void {
    this.deps.getJob(id);
    return this.deps.events.subscribe(id, fn);
  }

  async weightsPng(id: string, which: WeightsWhich, maxSide?: number): Promise<WeightsPicture | null> {
    const rec = this.deps.getJob(id);
    const live = this.deps.liveState(id);
    // Saved files change only while a job runs, and then its record's update time changes too.
    const at = live ? `live:${live.iteration}` : `saved:${rec.updatedMs}`;
    const key = `${which}:${maxSide ?? ''}:${at}`;
    const cached = this.pictures.get(id);
    if (cached?.key === key) return cached.picture;
    const params = live
      ? { values: which === 'best' ? live.bestParams : live.params, iteration: live.iteration }
      : await this.savedParams(rec, which);
    if (!params) return null;
    const { infos, input } = this.modelOf(rec);
    const first = firstLayerWeight(infos, params.values);
    if (!first) return null;
    const png = weightGridPng(first.weight, first.shape, input, maxSide === undefined ? {} : { maxSide });
    const picture = { png, iteration: params.iteration };
    this.pictures.delete(id);
    this.pictures.set(id, { key, picture });
    trim(this.pictures, MAX_JOBS);
    return picture;
  }

  /** Stops listening to job events. */
  close(): void {
    this.unsubscribe();
  }

  /** Keeps trial events of every job (bounded), whatever their shape. */
  private remember(id: string, e: JobEventBody): void {
    if ((e as { type: string }).type !== 'trial') return;
    let list = this.trials.get(id);
    if (!list) {
      list = [];
      this.trials.set(id, list);
      trim(this.trials, MAX_JOBS);
    }
    list.push(e);
    if (list.length > MAX_TRIALS) list.splice(0, list.length - MAX_TRIALS);
  }

  /** Loads the checkpoint's loss history once when memory lacks the first steps of a job that has some. */
  private async seedSteps(rec: JobRecord): Promise<void> {
    if (this.seeded.has(rec.id) || rec.iteration === 0) return;
    const steps = this.deps.steps;
    const first = steps.firstIteration(rec.id);
    if (first === 0 || steps.steps(rec.id).length >= STEP_HISTORY_CAPACITY) return;
    this.seeded.add(rec.id);
    const state = await this.deps.checkpoints.load(rec.id);
    if (state) steps.seed(rec.id, state.lossHistory);
  }

  /** A stopped job's parameters: the saved model (final or best), else the newest checkpoint. */
  private async savedParams(
    rec: JobRecord,
    which: WeightsWhich,
  ): Promise<{ values: readonly ArrayLike<number>[]; iteration: number } | null> {
    const model = await this.deps.checkpoints.loadModel(rec.id);
    if (model)
      return { values: which === 'best' ? model.bestParams : model.finalParams, iteration: rec.iteration };
    const state = await this.deps.checkpoints.load(rec.id);
    if (state)
      return { values: which === 'best' ? state.bestParams : state.params, iteration: state.iteration };
    return null;
  }

  private modelOf(rec: JobRecord): { infos: readonly ParamInfo[]; input: readonly number[] } {
    let m = this.models.get(rec.id);
    if (!m) {
      const spec = parseJobSpec(JSON.parse(rec.specJson));
      m = { infos: Sequential.fromSpec(spec.model).params, input: spec.model.input };
      this.models.set(rec.id, m);
      trim(this.models, MAX_JOBS);
    }
    return m;
  }
}

/** The list fields of a job (no spec, no history). */
function summarize(j: DashboardJob): JobSummary {
  let search = false;
  try {
    search = (JSON.parse(j.specJson) as { search?: unknown }).search != null;
  } catch {
    // an unreadable spec fails the job, which says so in its message
  }
  return {
    id: j.id,
    name: j.name,
    state: j.state,
    epoch: j.epoch,
    epochs: j.epochs,
    iteration: j.iteration,
    totalIterations: j.totalIterations,
    bestValAcc: j.bestValAcc,
    waitingForWorkers: j.waitingForWorkers,
    message: j.message,
    fingerprint: j.fingerprint,
    paramCount: j.paramCount,
    createdMs: j.createdMs,
    updatedMs: j.updatedMs,
    search,
  };
}
