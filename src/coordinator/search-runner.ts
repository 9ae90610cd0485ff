/**
 * Runs search jobs (a spec with a `search:` block), coarse to fine. Each trial is an ordinary child job
 * (parentId = the search) with sampled train values, the stage's epochs and the search's stopIfLossAbove;
 * the JobRunner trains it like any job, so up to `concurrency` trials of a search run at once across the
 * pool (and the runner's own limit of running jobs applies on top). A stage starts when every trial of the
 * stage before has ended, with ranges narrowed around its best trials (search-plan.ts).
 *
 * Each ended trial is recorded on the search job (`trials`, durable) and announced as a `trial` event.
 * Restart: trial jobs are submitted with the request id `search:<id>:<stage>:<trial>`, so a restarted
 * coordinator finds the trials it had already created (finished ones are recorded again, unfinished ones
 * resume from their own checkpoints like any job) and creates the rest; nothing is lost or run twice.
 * A search holds no runner slot itself: it only waits for its trials.
 */
import { parseJobSpec, type JobSpec } from '../train/job-spec';
import {
  narrowRanges,
  sampleTrial,
  specWithValues,
  trialSpecOf,
  type ScoredTrial,
} from '../train/search-plan';
import type { SearchRange, SearchSpec } from '../train/search-spec';
import type { CheckpointStore } from './checkpoint-store';
import { ChildJobRunner, type ActiveParent, type ChildJobRunnerDeps } from './child-job-runner';
import { planJob } from './job-plan';
import type { StoredTrial } from './job-store';

/** What a SearchRunner works with. */
export interface SearchRunnerDeps extends ChildJobRunnerDeps {
  readonly checkpoints: CheckpointStore;
}

/** The searches in progress. */
export class SearchRunner extends ChildJobRunner<SearchRunnerDeps> {
  constructor(deps: SearchRunnerDeps) {
    super(deps, 'search');
  }

  protected override async run(s: ActiveParent): Promise<void> {
    const { store, events, log } = this.deps;
    const rec = store.get(s.id);
    let raw: Record<string, unknown>;
    let spec: JobSpec;
    try {
      raw = JSON.parse(rec.specJson) as Record<string, unknown>;
      spec = parseJobSpec(raw);
      if (!spec.search) throw new Error('the spec has no search block');
    } catch (e) {
      await this.end(s.id, 'FAILED', e instanceof Error ? e.message : String(e));
      return;
    }
    const search = spec.search;
    // Wall time counts from the first start, across restarts.
    const startedMs = (await store.update(s.id, { state: 'RUNNING' })).startedMs ?? this.now();
    events.emit(s.id, { type: 'state', state: 'RUNNING' });
    log('info', (rec.trials?.length ?? 0) > 0 ? 'search resumed' : 'search started', {
      jobId: s.id,
      trialsEnded: rec.trials?.length ?? 0,
    });
    try {
      let ranges: readonly SearchRange[] = search.ranges;
      for (let stage = 0; stage < search.stages.length && !s.cancelled; stage++) {
        ranges = await this.stageRanges(s, search, stage, ranges);
        const ended = new Set(this.trialsOf(s.id, stage).map((t) => t.trial));
        const todo = [...Array(search.stages[stage].trials).keys()].filter((t) => !ended.has(t));
        const at = ranges;
        await this.pool(s, todo, search.concurrency, (t) =>
          this.runTrial(s, raw, search, spec, stage, t, at),
        );
        if (this.stopped) return;
        if (s.error !== undefined) throw s.error;
      }
    } catch (e) {
      if (this.stopped) return;
      await this.cancelChildren(s.id);
      await this.end(s.id, 'FAILED', `search failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (s.cancelled) return this.end(s.id, 'CANCELLED', 'cancelled');
    await this.finish(s, raw, (this.now() - startedMs) / 1000);
  }

  /** The ranges of `stage`: as recorded, else the spec's (stage 0) or narrowed from the previous stage. */
  private async stageRanges(
    s: ActiveParent,
    search: SearchSpec,
    stage: number,
    previous: readonly SearchRange[],
  ): Promise<readonly SearchRange[]> {
    const recorded = this.deps.store.get(s.id).search?.stageRanges[stage];
    if (recorded)
      return previous.map((r) => ({ field: r.field, lo: recorded[r.field][0], hi: recorded[r.field][1] }));
    const ranges =
      stage === 0
        ? search.ranges
        : narrowRanges(previous, this.scored(s.id, stage - 1), search.stages[stage].keep);
    await this.serial(s, async () => {
      const rec = this.deps.store.get(s.id);
      const state = rec.search ?? { stageRanges: [], bestTrialJobId: '', bestSpecJson: '' };
      const entry = Object.fromEntries(ranges.map((r) => [r.field, [r.lo, r.hi] as const]));
      await this.deps.store.update(s.id, {
        search: { ...state, stageRanges: [...state.stageRanges, entry] },
      });
    });
    this.deps.log('info', 'search stage started', {
      jobId: s.id,
      stage,
      ranges: Object.fromEntries(ranges.map((r) => [r.field, [r.lo, r.hi]])),
    });
    return ranges;
  }

  /** Runs `fn` over `items`, at most `n` at a time, until the search is cancelled, stopped or failed. */
  private async pool(
    s: ActiveParent,
    items: number[],
    n: number,
    fn: (item: number) => Promise<void>,
  ): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < items.length && !s.cancelled && !this.stopped && s.error === undefined) {
        const item = items[next++];
        try {
          await fn(item);
        } catch (e) {
          s.error ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(n, items.length) }, lane));
  }

  /** Creates (or finds again) one trial job, waits for its end, and records it. */
  private async runTrial(
    s: ActiveParent,
    raw: Record<string, unknown>,
    search: SearchSpec,
    spec: JobSpec,
    stage: number,
    trial: number,
    ranges: readonly SearchRange[],
  ): Promise<void> {
    const { store } = this.deps;
    const values = sampleTrial(ranges, spec.train.seed, stage, trial);
    const planned = planJob(trialSpecOf(raw, values, search, stage, trial));
    const { job } = await store.submit({
      ...planned.job,
      requestId: `search:${s.id}:${stage}:${trial}`,
      parentId: s.id,
      ...(store.get(s.id).owner !== undefined ? { owner: store.get(s.id).owner } : {}),
    });
    // A cancel that ran while this trial was being created did not see it.
    if (s.cancelled) return this.deps.cancel(job.id);
    this.deps.enqueue(job.id);
    const ended = await this.whenEnded(job.id);
    if (!ended || (s.cancelled && ended.state === 'CANCELLED')) return;
    const stored: StoredTrial = {
      jobId: job.id,
      stage,
      stages: search.stages.length,
      trial,
      trials: search.stages[stage].trials,
      epochs: search.stages[stage].epochs,
      values: { ...values } as Record<string, number>,
      valAcc: ended.bestValAcc,
      state: ended.state,
      reason: ended.state === 'FINISHED' ? '' : ended.message,
      startedMs: ended.startedMs ?? ended.updatedMs,
      endedMs: ended.updatedMs,
    };
    await this.serial(s, async () => {
      const rec = store.get(s.id);
      const trials = [...(rec.trials ?? []), stored];
      await store.update(s.id, {
        trials,
        epoch: trials.length,
        iteration: rec.iteration + ended.totalIterations,
      });
      this.deps.events.emit(s.id, { type: 'trial', trial: stored });
    });
  }

  /** Records the best trial (its spec, and its model as the search's model) and ends the search. */
  private async finish(s: ActiveParent, raw: Record<string, unknown>, seconds: number): Promise<void> {
    const { store, checkpoints } = this.deps;
    const rec = store.get(s.id);
    const trials = rec.trials ?? [];
    const best = bestTrial(trials);
    if (!best) {
      const diverged = trials.filter((t) => t.state === 'DIVERGED').length;
      if (trials.length > 0 && diverged === trials.length) {
        return this.end(
          s.id,
          'DIVERGED',
          `all ${trials.length} trials diverged: lower the learningRate range (and check the data and init)`,
          seconds,
        );
      }
      const states = trials.map((t) => t.state.toLowerCase());
      const counts = [...new Set(states)].map((st) => `${states.filter((x) => x === st).length} ${st}`);
      return this.end(s.id, 'FAILED', `no trial finished (${counts.join(', ') || 'none ran'})`, seconds);
    }
    const model = await checkpoints.loadModel(best.jobId);
    if (model) await checkpoints.saveModel(s.id, model);
    const preprocess = await checkpoints.loadPreprocess(best.jobId);
    if (preprocess) await checkpoints.savePreprocess(s.id, preprocess);
    const bestSpecJson = JSON.stringify(specWithValues(raw, best.values));
    await store.update(s.id, {
      bestValAcc: best.valAcc,
      fingerprint: store.get(best.jobId).fingerprint,
      search: {
        stageRanges: rec.search?.stageRanges ?? [],
        bestTrialJobId: best.jobId,
        bestSpecJson,
      },
    });
    const where = `stage ${best.stage + 1}, trial ${best.trial} / ${best.trials}`;
    await this.end(s.id, 'FINISHED', `best trial ${best.jobId} (${where}): val_acc ${best.valAcc}`, seconds);
  }

  private trialsOf(id: string, stage: number): StoredTrial[] {
    return (this.deps.store.get(id).trials ?? []).filter((t) => t.stage === stage);
  }

  private scored(id: string, stage: number): ScoredTrial[] {
    return this.trialsOf(id, stage).map((t) => ({
      trial: t.trial,
      values: t.values,
      valAcc: t.valAcc,
      finished: t.state === 'FINISHED',
    }));
  }
}

/** The finished trial with the best validation accuracy (ties: the later stage, then the lower index). */
export function bestTrial(trials: readonly StoredTrial[]): StoredTrial | undefined {
  let best: StoredTrial | undefined;
  for (const t of trials) {
    if (t.state !== 'FINISHED') continue;
    const better =
      !best ||
      t.valAcc > best.valAcc ||
      (t.valAcc === best.valAcc &&
        (t.stage > best.stage || (t.stage === best.stage && t.trial < best.trial)));
    if (better) best = t;
  }
  return best;
}
