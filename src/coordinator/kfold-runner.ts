/**
 * Runs k-fold cross-validation jobs (a spec with `data.split.folds: k` and no `fold`). Fold i is an
 * ordinary child job (parentId = the k-fold job) whose spec is the parent's with `data.split.fold: i`; the
 * JobRunner trains the folds like any job, as many at once as it has slots, across the pool.
 *
 * Each ended fold is recorded on the parent (`kfold.results`, durable) and announced as a `fold` event; when
 * all k have ended the parent records the mean, sample std, min and max of the finished folds' validation
 * accuracies and ends (FINISHED when every fold finished; else DIVERGED or FAILED naming the folds).
 * Restart: fold jobs are submitted with the request id `kfold:<id>:<fold>`, so a restarted coordinator finds
 * the folds it had already created (ended ones are recorded, unfinished ones resume from their own
 * checkpoints) and creates only the missing ones; no fold is trained twice. A k-fold job holds no runner
 * slot itself.
 */
import { foldSummary } from '../data/kfold';
import type { Logger } from '../shared/log';
import { summaryLine } from '../train/kfold-format';
import { endJob } from './end-job';
import type { JobEvents } from './job-events';
import { planJob } from './job-plan';
import { TERMINAL_STATES, type JobRecord, type JobState, type JobStore, type StoredFold } from './job-store';

/** What a KFoldRunner works with. */
export interface KFoldRunnerDeps {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly log: Logger;
  /** Queues a fold job for training (the JobRunner's enqueue). */
  readonly enqueue: (id: string) => void;
  /** Cancels a fold job (the JobRunner's cancel). */
  readonly cancel: (id: string) => Promise<void>;
  /** Milliseconds since the Unix epoch (default Date.now). */
  readonly now?: () => number;
}

/** A k-fold job being run. */
interface ActiveKFold {
  readonly id: string;
  cancelled: boolean;
  /** Set when a fold could not be created or recorded: the other folds are cancelled. */
  error: unknown;
  /** Serialises read-modify-write updates of the parent record. */
  chain: Promise<unknown>;
  done: Promise<void>;
}

/** The k-fold jobs in progress. */
export class KFoldRunner {
  private readonly active = new Map<string, ActiveKFold>();
  private readonly stopWaiters = new Set<() => void>();
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: KFoldRunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts (or, after a restart, resumes) k-fold job `id`; a no-op if it is running already. */
  start(id: string): void {
    if (this.stopped || this.active.has(id)) return;
    const k: ActiveKFold = {
      id,
      cancelled: false,
      error: undefined,
      chain: Promise.resolve(),
      done: Promise.resolve(),
    };
    this.active.set(id, k);
    k.done = this.run(k)
      .catch((e: unknown) => this.deps.log('error', 'k-fold runner failed', { jobId: id, error: String(e) }))
      .finally(() => this.active.delete(id));
  }

  /** Cancels k-fold job `id` and its unfinished folds; resolves when it has ended. */
  async cancel(id: string): Promise<void> {
    const k = this.active.get(id);
    if (!k) {
      if (TERMINAL_STATES.includes(this.deps.store.get(id).state)) return;
      await this.cancelFolds(id);
      return this.end(id, 'CANCELLED', 'cancelled');
    }
    k.cancelled = true;
    await this.cancelFolds(id);
    await k.done;
  }

  /** Stops every k-fold job where it is (it stays RUNNING and resumes on the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.stopWaiters]) wake();
    await Promise.all([...this.active.values()].map((k) => k.done));
  }

  private async run(k: ActiveKFold): Promise<void> {
    const { store, events, log } = this.deps;
    const rec = store.get(k.id);
    const folds = rec.kfold?.folds ?? 0;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(rec.specJson) as Record<string, unknown>;
    } catch (e) {
      return this.end(k.id, 'FAILED', e instanceof Error ? e.message : String(e));
    }
    const startedMs = (await store.update(k.id, { state: 'RUNNING' })).startedMs ?? this.now();
    events.emit(k.id, { type: 'state', state: 'RUNNING' });
    const ended = new Set((rec.kfold?.results ?? []).map((r) => r.fold));
    log('info', rec.state === 'RUNNING' ? 'k-fold job resumed' : 'k-fold job started', {
      jobId: k.id,
      folds,
      foldsEnded: ended.size,
    });
    const todo = [...Array(folds).keys()].filter((f) => !ended.has(f));
    // Fold jobs are created one after the other (planning one loads and splits the data: the event loop
    // breathes in between) and queued at once; the JobRunner's slots decide how many train together.
    // The first fold that cannot be created or recorded cancels the others; all are awaited.
    const fail = async (e: unknown) => {
      if (k.error !== undefined) return;
      k.error = e;
      if (!this.stopped) await this.cancelFolds(k.id);
    };
    const waits: Promise<void>[] = [];
    for (const f of todo) {
      if (k.cancelled || this.stopped || k.error !== undefined) break;
      try {
        const jobId = await this.createFold(k, raw, f);
        waits.push(this.awaitFold(k, jobId, f, folds).catch(fail));
      } catch (e) {
        await fail(e);
      }
    }
    await Promise.all(waits);
    if (this.stopped) return;
    if (k.error !== undefined) {
      const why = k.error instanceof Error ? k.error.message : String(k.error);
      return this.end(k.id, 'FAILED', `k-fold job failed: ${why}`);
    }
    if (k.cancelled) return this.end(k.id, 'CANCELLED', 'cancelled');
    await this.finish(k.id, (this.now() - startedMs) / 1000);
  }

  /** Creates (or finds again) the job of fold `fold` and queues it; returns its id. */
  private async createFold(k: ActiveKFold, raw: Record<string, unknown>, fold: number): Promise<string> {
    const planned = planJob(foldSpecOf(raw, fold));
    const { job } = await this.deps.store.submit({
      ...planned.job,
      name: `${planned.job.name}-fold${fold}`,
      requestId: `kfold:${k.id}:${fold}`,
      parentId: k.id,
    });
    // A cancel (or a failed fold) that came while this fold was being created did not see it.
    if (k.cancelled || k.error !== undefined) await this.deps.cancel(job.id);
    else this.deps.enqueue(job.id);
    return job.id;
  }

  /** Waits for the end of fold job `jobId` and records it on the k-fold job. */
  private async awaitFold(k: ActiveKFold, jobId: string, fold: number, folds: number): Promise<void> {
    const { store } = this.deps;
    const endedJob = await this.whenEnded(jobId);
    if (!endedJob || (k.cancelled && endedJob.state === 'CANCELLED')) return;
    const stored: StoredFold = {
      jobId,
      fold,
      folds,
      valAcc: endedJob.bestValAcc,
      state: endedJob.state,
      reason: endedJob.state === 'FINISHED' ? '' : endedJob.message,
    };
    await this.serial(k, async () => {
      const rec = store.get(k.id);
      const results = [...(rec.kfold?.results ?? []), stored];
      const finished = results.filter((r) => r.state === 'FINISHED').map((r) => r.valAcc);
      await store.update(k.id, {
        kfold: { folds, results, ...(finished.length > 0 ? { summary: foldSummary(finished) } : {}) },
        epoch: results.length,
        iteration: rec.iteration + endedJob.iteration,
        bestValAcc: finished.length > 0 ? foldSummary(finished).mean : 0,
      });
      this.deps.events.emit(k.id, { type: 'fold', fold: stored });
    });
  }

  /** Ends the k-fold job from its recorded folds. */
  private async finish(id: string, seconds: number): Promise<void> {
    const kfold = this.deps.store.get(id).kfold;
    const results = kfold?.results ?? [];
    const bad = results.filter((r) => r.state !== 'FINISHED');
    if (bad.length === 0 && kfold?.summary) {
      return this.end(id, 'FINISHED', summaryLine(results.length, kfold.summary), seconds);
    }
    const which = bad
      .sort((a, b) => a.fold - b.fold)
      .map((r) => `fold ${r.fold} ${r.state.toLowerCase()}${r.reason ? ` (${r.reason})` : ''}`)
      .join('; ');
    const state: JobState = bad.some((r) => r.state === 'DIVERGED') ? 'DIVERGED' : 'FAILED';
    return this.end(id, state, `${bad.length} of ${results.length} folds did not finish: ${which}`, seconds);
  }

  /** The job record once `jobId` has ended; null when the runner stops first. */
  private whenEnded(jobId: string): Promise<JobRecord | null> {
    const { store, events } = this.deps;
    return new Promise((resolve) => {
      if (this.stopped) return resolve(null);
      const rec = store.get(jobId);
      if (TERMINAL_STATES.includes(rec.state)) return resolve(rec);
      const finish = (r: JobRecord | null) => {
        unsubscribe();
        this.stopWaiters.delete(wake);
        resolve(r);
      };
      const wake = () => finish(null);
      const unsubscribe = events.subscribe(jobId, (e) => {
        if (e.type === 'done') finish(store.get(jobId));
      });
      this.stopWaiters.add(wake);
    });
  }

  /** Cancels every unfinished fold of k-fold job `id`. */
  private async cancelFolds(id: string): Promise<void> {
    const open = this.deps.store
      .list()
      .filter((j) => j.parentId === id && !TERMINAL_STATES.includes(j.state));
    for (const j of open) await this.deps.cancel(j.id);
  }

  private end(id: string, state: JobState, message: string, seconds = 0): Promise<void> {
    return endJob(this.deps, id, state, message, { seconds, samplesPerSecond: 0 });
  }

  private serial(k: ActiveKFold, fn: () => Promise<void>): Promise<void> {
    const run = k.chain.then(fn);
    k.chain = run.catch(() => {});
    return run;
  }
}

/** The spec of fold `fold`: the k-fold spec with `data.split.fold` set. */
export function foldSpecOf(raw: Record<string, unknown>, fold: number): Record<string, unknown> {
  const data = (raw.data ?? {}) as Record<string, unknown>;
  const split = (data.split ?? {}) as Record<string, unknown>;
  return { ...raw, data: { ...data, split: { ...split, fold } } };
}

/** Updates made so far by the fold jobs of k-fold job `id` (its live progress). */
export function foldIterations(store: JobStore, id: string): number {
  return store
    .list()
    .filter((j) => j.parentId === id)
    .reduce((a, j) => a + j.iteration, 0);
}
