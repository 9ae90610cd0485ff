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
import { summaryLine } from '../train/kfold-format';
import { ChildJobRunner, type ActiveParent, type ChildJobRunnerDeps } from './child-job-runner';
import { planJob } from './job-plan';
import type { JobState, JobStore, StoredFold } from './job-store';

/** What a KFoldRunner works with. */
export type KFoldRunnerDeps = ChildJobRunnerDeps;

/** The k-fold jobs in progress. */
export class KFoldRunner extends ChildJobRunner {
  constructor(deps: KFoldRunnerDeps) {
    super(deps, 'k-fold');
  }

  protected override async run(k: ActiveParent): Promise<void> {
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
      if (!this.stopped) await this.cancelChildren(k.id);
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
  private async createFold(k: ActiveParent, raw: Record<string, unknown>, fold: number): Promise<string> {
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
  private async awaitFold(k: ActiveParent, jobId: string, fold: number, folds: number): Promise<void> {
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
