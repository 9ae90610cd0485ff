/**
 * The lifecycle shared by the runners of parent jobs whose work is ordinary child jobs (parentId = the
 * parent): search trials (search-runner.ts) and k-fold folds (kfold-runner.ts). It keeps the parents in
 * progress, starts each one's `run` once, cancels a parent with its unfinished children, stops every parent
 * where it is (it stays RUNNING and resumes on the next start), and waits for a child's end. A parent holds
 * no runner slot itself: the JobRunner trains its children like any job.
 */
import type { Logger } from '../shared/log';
import { endJob } from './end-job';
import type { JobEvents } from './job-events';
import { TERMINAL_STATES, type JobRecord, type JobState, type JobStore } from './job-store';

/** What a runner of parent jobs works with. */
export interface ChildJobRunnerDeps {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly log: Logger;
  /** Queues a child job for training (the JobRunner's enqueue). */
  readonly enqueue: (id: string) => void;
  /** Cancels a child job (the JobRunner's cancel). */
  readonly cancel: (id: string) => Promise<void>;
  /** Milliseconds since the Unix epoch (default Date.now). */
  readonly now?: () => number;
}

/** A parent job being run. */
export interface ActiveParent {
  readonly id: string;
  cancelled: boolean;
  /** Set when a child could not be created or recorded: no new children start. */
  error: unknown;
  /** Serialises read-modify-write updates of the parent record. */
  chain: Promise<unknown>;
  done: Promise<void>;
}

/** The parent jobs of one kind in progress; a subclass says how one is run. */
export abstract class ChildJobRunner<D extends ChildJobRunnerDeps = ChildJobRunnerDeps> {
  private readonly active = new Map<string, ActiveParent>();
  private readonly stopWaiters = new Set<() => void>();
  protected stopped = false;
  protected readonly now: () => number;

  /** `kind` names the parent jobs in the log (`<kind> runner failed`). */
  constructor(
    protected readonly deps: D,
    private readonly kind: string,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** Starts (or, after a restart, resumes) parent job `id`; a no-op if it is running already. */
  start(id: string): void {
    if (this.stopped || this.active.has(id)) return;
    const p: ActiveParent = {
      id,
      cancelled: false,
      error: undefined,
      chain: Promise.resolve(),
      done: Promise.resolve(),
    };
    this.active.set(id, p);
    p.done = this.run(p)
      .catch((e: unknown) =>
        this.deps.log('error', `${this.kind} runner failed`, { jobId: id, error: String(e) }),
      )
      .finally(() => this.active.delete(id));
  }

  /** Cancels parent job `id` and its unfinished children; resolves when the parent has ended. */
  async cancel(id: string): Promise<void> {
    const p = this.active.get(id);
    if (!p) {
      if (TERMINAL_STATES.includes(this.deps.store.get(id).state)) return;
      await this.cancelChildren(id);
      return this.end(id, 'CANCELLED', 'cancelled');
    }
    p.cancelled = true;
    await this.cancelChildren(id);
    await p.done;
  }

  /** Stops every parent job where it is (it stays RUNNING and resumes on the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.stopWaiters]) wake();
    await Promise.all([...this.active.values()].map((p) => p.done));
  }

  /** Runs parent job `p.id` until it ends, is cancelled or the runner stops. */
  protected abstract run(p: ActiveParent): Promise<void>;

  /** The job record once `jobId` has ended; null when the runner stops first. */
  protected whenEnded(jobId: string): Promise<JobRecord | null> {
    const { store, events } = this.deps;
    return new Promise((resolve) => {
      if (this.stopped) return resolve(null);
      const rec = store.get(jobId);
      if (TERMINAL_STATES.includes(rec.state)) return resolve(rec);
      // The runner records the end before it emits done, so the record read then is terminal.
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

  /** Cancels every unfinished child of parent job `id`. */
  protected async cancelChildren(id: string): Promise<void> {
    const open = this.deps.store
      .list()
      .filter((j) => j.parentId === id && !TERMINAL_STATES.includes(j.state));
    for (const j of open) await this.deps.cancel(j.id);
  }

  /** Records a terminal state and tells watchers. */
  protected end(id: string, state: JobState, message: string, seconds = 0): Promise<void> {
    return endJob(this.deps, id, state, message, { seconds, samplesPerSecond: 0 });
  }

  /** Runs `fn` after every update of `p`'s record queued before it. */
  protected serial(p: ActiveParent, fn: () => Promise<void>): Promise<void> {
    const run = p.chain.then(fn);
    p.chain = run.catch(() => {});
    return run;
  }
}
