/** Live events of jobs, fanned out to watchers (WatchJob streams). */
import type { KFoldState, JobState, StoredEpochEvent, StoredFold, StoredTrial } from './job-store';

/** The end of a job, as DoneEvent reports it. */
export interface DoneInfo {
  readonly state: JobState;
  readonly bestValAcc: number;
  readonly fingerprint: string;
  readonly paramCount: number;
  /** Wall time of training, in seconds. */
  readonly seconds: number;
  readonly samplesPerSecond: number;
  readonly message: string;
  /** A search job: the best trial's spec as JSON (search block removed), and its job id; '' when none. */
  readonly bestSpecJson?: string;
  readonly bestTrialJobId?: string;
  /** A k-fold job: its folds and summary. */
  readonly kfold?: KFoldState;
}

/** One event of a job. */
export type JobEventBody =
  | { readonly type: 'state'; readonly state: JobState }
  | { readonly type: 'epoch'; readonly epoch: StoredEpochEvent }
  | { readonly type: 'hint'; readonly message: string }
  | { readonly type: 'done'; readonly done: DoneInfo }
  /** A search job: one of its trials ended. */
  | { readonly type: 'trial'; readonly trial: StoredTrial }
  /** A k-fold job: one of its folds ended. */
  | { readonly type: 'fold'; readonly fold: StoredFold }
  /** One update: `iteration` counts from 0 like StoredEpochEvent.iteration; `cost` is that batch's cost. */
  | { readonly type: 'step'; readonly iteration: number; readonly cost: number };

/** The events WatchJob streams: per-step costs are for live views (the dashboard) only. */
export type WatchedEvent = Exclude<JobEventBody, { readonly type: 'step' }>;

type Listener = (e: JobEventBody) => void;
type AnyListener = (jobId: string, e: JobEventBody) => void;

/** Subscriptions by job id. */
export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<AnyListener>();

  /** Calls `fn` for every later event of `jobId`; returns the unsubscribe function. */
  subscribe(jobId: string, fn: Listener): () => void {
    const set = this.listeners.get(jobId) ?? new Set<Listener>();
    this.listeners.set(jobId, set);
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  /** Calls `fn` for every later event of every job (e.g. to keep recent history); returns the unsubscribe. */
  subscribeAll(fn: AnyListener): () => void {
    this.anyListeners.add(fn);
    return () => void this.anyListeners.delete(fn);
  }

  /** Tells every subscriber of `jobId`, after the subscribers of all jobs. */
  emit(jobId: string, e: JobEventBody): void {
    for (const fn of [...this.anyListeners]) fn(jobId, e);
    for (const fn of [...(this.listeners.get(jobId) ?? [])]) fn(e);
  }
}
