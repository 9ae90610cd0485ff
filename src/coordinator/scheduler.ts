/**
 * Leases the tasks of a step (shards or evaluation chunks) to connected workers, up to maxInFlight tasks per
 * worker at a time (the worker queues them, so the next task is already there when one finishes: the round
 * trip is hidden behind compute), and collects their results in task order. Pure logic: workers are WorkerLinks, time is a Clock.
 * - A task whose worker disconnects, or whose lease passes its deadline, goes back to the front of the
 *   queue and is re-issued (to another worker, or the same one once it is idle again).
 * - An idle worker with nothing queued may duplicate a task leased longer than stragglerMs; the first
 *   valid result wins, the other is ignored.
 * - A worker whose lease expired, or whose task a duplicate finished first, is unresponsive (frozen, or
 *   still busy): it gets no new task until it is heard from (a result, a failure report, a heartbeat),
 *   unless no other worker is connected. Otherwise a frozen worker would be handed tasks every step, and
 *   every step would wait stragglerMs for their duplicates.
 * - Results are validated (job, step, version, shard, tensor count and lengths, finiteness, sample count);
 *   an invalid one is rejected and the task re-issued; a worker with maxInvalid invalid results is dropped.
 * - A draining worker (it is shutting down and handed a task back) gets no new task; the task handed back
 *   is re-issued at once, without counting against the worker.
 * Results for unknown, finished or stale tasks are ignored and counted.
 */
import type { Data } from '../../kernels/spec';
import { GradpoolError } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/log';
import type { GradientSums } from '../model/types';
import type { EvalSplitName } from '../train/step-executor';
import { systemClock, type Clock, type Timer } from './clock';

/** What one task computes. */
export type TaskSpec =
  | {
      readonly kind: 'shard';
      readonly shard: number;
      readonly indices: Uint32Array;
      readonly firstRow: number;
    }
  | {
      readonly kind: 'eval';
      readonly evalId: number;
      readonly split: EvalSplitName;
      readonly indices: Uint32Array;
    };

/** What the tasks of one submitStep share. */
export interface StepContext {
  readonly jobId: string;
  /** The update the step belongs to (for evaluations: the version). */
  readonly step: number;
  /** Parameter version the tasks are computed at. */
  readonly version: number;
  /** Element count of every parameter, in model order (results must match). */
  readonly paramLengths: readonly number[];
  /** Opaque to the scheduler: what a link needs to send the parameters of this version first. */
  readonly payload?: unknown;
}

/** A task as handed to a worker. */
export interface LeasedTask {
  readonly ctx: StepContext;
  readonly spec: TaskSpec;
}

/** The scheduler's view of a connected worker. */
export interface WorkerLink {
  readonly id: string;
  /** Sends the task (and, first, the parameters of its version if this worker lacks them). */
  send(task: LeasedTask): void;
  /** Closes the worker's stream (it misbehaved). */
  disconnect(reason: string): void;
}

/** A result as a worker reported it (decoded, not yet validated). */
export type IncomingResult =
  | {
      readonly kind: 'shard';
      readonly jobId: string;
      readonly step: number;
      readonly shard: number;
      readonly version: number;
      readonly lossSum: number;
      readonly correct: number;
      readonly count: number;
      readonly grads: readonly Data[];
      /** Set when the result could not even be decoded; the result is then invalid. */
      readonly decodeError?: string;
    }
  | {
      readonly kind: 'eval';
      readonly jobId: string;
      readonly evalId: number;
      readonly version: number;
      readonly lossSum: number;
      readonly correct: number;
      readonly count: number;
    };

/** A validated result, in the shape of its task. */
export type TaskResult =
  | { readonly kind: 'shard'; readonly sums: GradientSums }
  | { readonly kind: 'eval'; readonly correct: number; readonly count: number; readonly lossSum: number };

/** Told about every task completed by a valid result (metrics). */
export interface SchedulerObserver {
  /** `samples` computed in `latencyMs` from the winning lease's start to its result. */
  taskDone(kind: TaskSpec['kind'], samples: number, latencyMs: number): void;
}

/** Scheduler settings. */
export interface SchedulerOptions {
  /** Milliseconds a worker has for one task before it is re-issued (default 10 000). */
  readonly leaseMs?: number;
  /** Milliseconds after which an idle worker may duplicate a leased task (default leaseMs / 2). */
  readonly stragglerMs?: number;
  /** Invalid results after which a worker is dropped (default 3). */
  readonly maxInvalid?: number;
  /** Tasks leased to one worker at a time (default 2: one computing, one waiting in its queue). */
  readonly maxInFlight?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly observer?: SchedulerObserver;
}

/** Counters, for tests, logs and metrics. */
export interface SchedulerStats {
  issued: number;
  reissued: number;
  duplicated: number;
  /** Results for unknown, stale or already-completed tasks, ignored. */
  ignored: number;
  invalid: number;
  dropped: number;
}

interface Lease {
  readonly workerId: string;
  readonly startMs: number;
  readonly deadlineMs: number;
}

interface Task {
  readonly key: string;
  readonly ctx: StepContext;
  readonly spec: TaskSpec;
  readonly batch: Batch;
  readonly index: number;
  readonly leases: Lease[];
  /** Workers whose lease on this task expired or who returned an invalid result for it. */
  readonly avoid: Set<string>;
  done: boolean;
}

interface Batch {
  readonly results: (TaskResult | undefined)[];
  remaining: number;
  readonly resolve: (r: TaskResult[]) => void;
  readonly reject: (e: Error) => void;
  readonly tasks: Task[];
}

interface WorkerEntry {
  readonly link: WorkerLink;
  /** Keys of the tasks leased to it, in lease order. */
  readonly leased: Set<string>;
  invalid: number;
  /** Lost a lease (expired, or finished by a duplicate) and not heard from since. */
  unresponsive: boolean;
  /** Shutting down: it gets no new task. */
  draining: boolean;
}

/** Hands out tasks to workers and gathers results. */
export class Scheduler {
  readonly stats: SchedulerStats = {
    issued: 0,
    reissued: 0,
    duplicated: 0,
    ignored: 0,
    invalid: 0,
    dropped: 0,
  };
  private readonly leaseMs: number;
  private readonly stragglerMs: number;
  private readonly maxInvalid: number;
  private readonly maxInFlight: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly workers = new Map<string, WorkerEntry>();
  private readonly tasks = new Map<string, Task>();
  /** Tasks without an active lease, in issue order (re-issued tasks go to the front). */
  private queue: Task[] = [];
  private timer: Timer | null = null;
  private nextEval = 1;
  /** Evaluation tasks submitted, by split (the test split only ever through an explicit Evaluate). */
  readonly evalTasksBySplit: Record<EvalSplitName, number> = { train: 0, val: 0, test: 0 };
  /** Jobs aborted (cancelled, stopped): their later steps are refused with the abort's error. */
  private readonly aborted = new Map<string, Error>();
  private closed = false;

  constructor(private readonly options: SchedulerOptions = {}) {
    this.leaseMs = options.leaseMs ?? 10_000;
    this.stragglerMs = options.stragglerMs ?? this.leaseMs / 2;
    this.maxInvalid = options.maxInvalid ?? 3;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
  }

  /** True while tasks are pending and no worker is connected. */
  get waitingForWorkers(): boolean {
    return this.workers.size === 0 && this.tasks.size > 0;
  }

  /** Number of connected workers. */
  get workerCount(): number {
    return this.workers.size;
  }

  /** A fresh evaluation-task id. */
  nextEvalId(): number {
    return this.nextEval++;
  }

  /** Adds a worker (a reconnecting worker registers again under its id, replacing the old link). */
  register(link: WorkerLink): void {
    if (this.workers.has(link.id)) this.unregister(link.id);
    this.workers.set(link.id, {
      link,
      leased: new Set(),
      invalid: 0,
      unresponsive: false,
      draining: false,
    });
    this.log('info', 'worker registered', { workerId: link.id, workers: this.workers.size });
    this.dispatch();
  }

  /**
   * Removes a worker; its leased task goes back to the queue. With `link`, only if that link is still the
   * registered one (an old stream ending after its worker reconnected changes nothing).
   */
  unregister(workerId: string, link?: WorkerLink): void {
    const w = this.workers.get(workerId);
    if (!w || (link !== undefined && w.link !== link)) return;
    this.workers.delete(workerId);
    const released = [...w.leased];
    for (const key of released) this.releaseLease(key, workerId);
    this.log('info', 'worker unregistered', { workerId, workers: this.workers.size, released });
    this.dispatch();
  }

  /** `workerId` sent something (a heartbeat, say): it gets tasks again if it was unresponsive. */
  heardFrom(workerId: string): void {
    const w = this.workers.get(workerId);
    if (w?.unresponsive) {
      this.markResponsive(w);
      this.dispatch();
    }
  }

  /** Computes `specs` at `ctx`; resolves with the results in task order. */
  submitStep(ctx: StepContext, specs: readonly TaskSpec[]): Promise<TaskResult[]> {
    return new Promise((resolve, reject) => {
      const refused = this.closed
        ? new GradpoolError('E_UNAVAILABLE', 'the scheduler is closing')
        : this.aborted.get(ctx.jobId);
      if (refused) return reject(refused);
      const tasks: Task[] = [];
      const batch: Batch = {
        results: specs.map(() => undefined),
        remaining: specs.length,
        resolve,
        reject,
        tasks,
      };
      if (specs.length === 0) return resolve([]);
      specs.forEach((spec, index) => {
        if (spec.kind === 'eval') this.evalTasksBySplit[spec.split]++;
        const task: Task = {
          key: taskKey(ctx, spec),
          ctx,
          spec,
          batch,
          index,
          leases: [],
          avoid: new Set(),
          done: false,
        };
        if (this.tasks.has(task.key)) {
          return reject(new GradpoolError('E_INTERNAL', `task ${task.key} is already pending`));
        }
        tasks.push(task);
      });
      for (const t of tasks) this.tasks.set(t.key, t);
      this.queue.push(...tasks);
      this.dispatch();
    });
  }

  /** Rejects every pending step of `jobId` with `error` (cancellation, shutdown). */
  abortJob(jobId: string, error: Error): void {
    // A step the job submits after this (it may be between steps now) is refused at once, instead of
    // waiting for workers that may never come.
    this.aborted.set(jobId, error);
    const batches = new Set<Batch>();
    for (const t of this.tasks.values()) if (t.ctx.jobId === jobId) batches.add(t.batch);
    for (const b of batches) this.finishBatch(b, error);
  }

  /** Takes a result from `workerId`. */
  onResult(workerId: string, r: IncomingResult): void {
    const key = r.kind === 'shard' ? `${r.jobId}/s${r.step}/${r.shard}` : `${r.jobId}/e${r.evalId}`;
    const task = this.tasks.get(key);
    const w = this.workers.get(workerId);
    w?.leased.delete(key);
    if (w) this.markResponsive(w);
    if (!task || task.done || task.ctx.version !== r.version) {
      this.stats.ignored++;
      this.log('debug', 'stale or duplicate result ignored', { workerId, task: key });
      if (task && !task.done) this.releaseLease(key, workerId);
      this.dispatch();
      return;
    }
    const problem = validate(task, r);
    if (problem) {
      this.stats.invalid++;
      this.log('warn', 'invalid result rejected; task re-issued', { workerId, task: key, problem });
      task.avoid.add(workerId);
      this.releaseLease(key, workerId);
      if (w && ++w.invalid >= this.maxInvalid) {
        this.stats.dropped++;
        this.log('error', 'worker dropped after invalid results', { workerId, invalid: w.invalid });
        this.unregister(workerId);
        w.link.disconnect(`${w.invalid} invalid results; last: ${problem}`);
      }
      this.dispatch();
      return;
    }
    const lease = task.leases.find((l) => l.workerId === workerId);
    this.complete(task, toTaskResult(r));
    this.options.observer?.taskDone(task.spec.kind, r.count, lease ? this.clock.now() - lease.startMs : 0);
    this.dispatch();
  }

  /**
   * `workerId` is shutting down and handed back the task `ref` names (or none): it gets no new task, and
   * the task is re-issued at once, without counting against the worker.
   */
  onDraining(workerId: string, ref: { jobId: string; step?: number; shard?: number; evalId?: number }): void {
    const w = this.workers.get(workerId);
    if (!w) {
      // Its stream ended first: unregister already released (re-issued) every task it held.
      this.log('info', 'task handed back by a worker already unregistered; nothing to re-issue', {
        workerId,
      });
      return;
    }
    if (!w.draining) this.log('info', 'worker draining; no new tasks', { workerId });
    w.draining = true;
    const key = ref.evalId
      ? `${ref.jobId}/e${ref.evalId}`
      : ref.step !== undefined && ref.shard !== undefined
        ? `${ref.jobId}/s${ref.step}/${ref.shard}`
        : null;
    if (key !== null && w.leased.has(key)) {
      this.log('info', 'task handed back by a draining worker; re-issued', { workerId, task: key });
      this.releaseLease(key, workerId);
    } else if (key !== null) {
      // Its lease is gone already (the task was finished or re-issued meanwhile): nothing to re-issue.
      this.log('info', 'task handed back by a draining worker; not leased to it, nothing to re-issue', {
        workerId,
        task: key,
      });
    }
    this.dispatch();
  }

  /**
   * A worker could not run a task (`ref` names it) or the parameters of a job (`ref` without a task): the
   * task is re-issued elsewhere and the failure counts like an invalid result.
   */
  onFailure(
    workerId: string,
    ref: { jobId: string; step?: number; shard?: number; evalId?: number },
    reason: string,
  ): void {
    const w = this.workers.get(workerId);
    let key: string | null = null;
    if (ref.evalId) key = `${ref.jobId}/e${ref.evalId}`;
    else if (ref.step !== undefined && ref.shard !== undefined)
      key = `${ref.jobId}/s${ref.step}/${ref.shard}`;
    if (key === null && w) key = [...w.leased].find((k) => k.startsWith(`${ref.jobId}/`)) ?? null;
    const task = key === null ? undefined : this.tasks.get(key);
    if (w) this.markResponsive(w);
    if (!w || !task || task.done) {
      this.stats.ignored++;
      this.dispatch();
      return;
    }
    this.stats.invalid++;
    task.avoid.add(workerId);
    this.log('warn', 'worker failed a task; task re-issued', { workerId, task: task.key, reason });
    this.releaseLease(task.key, workerId);
    if (++w.invalid >= this.maxInvalid) {
      this.stats.dropped++;
      this.unregister(workerId);
      w.link.disconnect(`${w.invalid} failed or invalid results; last: ${reason}`);
    }
    this.dispatch();
  }

  /** Rejects everything pending and stops the timer. */
  close(): void {
    this.closed = true;
    const batches = new Set([...this.tasks.values()].map((t) => t.batch));
    for (const b of batches)
      this.finishBatch(b, new GradpoolError('E_UNAVAILABLE', 'the scheduler is closing'));
    this.timer?.cancel();
    this.timer = null;
  }

  private complete(task: Task, result: TaskResult): void {
    task.done = true;
    for (const l of task.leases) {
      // The winner's lease is gone already: a worker still holding this task lost the race to a duplicate.
      const w = this.workers.get(l.workerId);
      if (w?.leased.delete(task.key)) this.markUnresponsive(w, task.key);
    }
    task.leases.length = 0;
    this.tasks.delete(task.key);
    const b = task.batch;
    b.results[task.index] = result;
    if (--b.remaining === 0) b.resolve(b.results as TaskResult[]);
  }

  private finishBatch(b: Batch, error: Error): void {
    for (const t of b.tasks) {
      t.done = true;
      this.tasks.delete(t.key);
      for (const l of t.leases) this.workers.get(l.workerId)?.leased.delete(t.key);
    }
    this.queue = this.queue.filter((t) => !t.done);
    b.reject(error);
  }

  /** Drops `workerId`'s lease on task `key`; the task is queued again when no lease is left. */
  private releaseLease(key: string, workerId: string): void {
    const task = this.tasks.get(key);
    this.workers.get(workerId)?.leased.delete(key);
    if (!task || task.done) return;
    const i = task.leases.findIndex((l) => l.workerId === workerId);
    if (i < 0) return;
    task.leases.splice(i, 1);
    if (task.leases.length === 0 && !this.queue.includes(task)) {
      this.stats.reissued++;
      this.queue.unshift(task);
    }
  }

  /** Expires overdue leases, then gives idle workers queued tasks, or duplicates of stragglers. */
  private dispatch(): void {
    const now = this.clock.now();
    for (const t of [...this.tasks.values()]) {
      for (const l of [...t.leases]) {
        if (l.deadlineMs <= now) {
          this.log('warn', 'lease expired; task re-issued', { workerId: l.workerId, task: t.key });
          t.avoid.add(l.workerId);
          this.releaseLease(t.key, l.workerId);
          const w = this.workers.get(l.workerId);
          if (w) this.markUnresponsive(w, t.key);
        }
      }
    }
    // Unresponsive workers get tasks only when every connected worker is unresponsive.
    const all = [...this.workers.values()].filter((w) => !w.draining);
    const responsive = all.filter((w) => !w.unresponsive);
    const candidates = responsive.length > 0 ? responsive : all;
    // Round by round (one task per worker per round, so work spreads evenly): first queued tasks go to
    // workers that have not already failed them; then to anyone with room (the only worker left may retry
    // its own expired lease); a fully idle worker with nothing queued duplicates a straggler.
    for (let round = 0; round < this.maxInFlight; round++) {
      for (const w of candidates) {
        if (w.leased.size > round) continue;
        const i = this.queue.findIndex((t) => !t.avoid.has(w.link.id));
        if (i >= 0) this.lease(w, this.queue.splice(i, 1)[0], now);
      }
    }
    for (let round = 0; round < this.maxInFlight; round++) {
      for (const w of candidates) {
        if (w.leased.size > round) continue;
        const task = this.queue.shift() ?? (w.leased.size === 0 ? this.straggler(w.link.id, now) : undefined);
        if (task) this.lease(w, task, now);
      }
    }
    this.armTimer(now);
  }

  private lease(w: WorkerEntry, task: Task, now: number): void {
    if (task.leases.length > 0) {
      this.stats.duplicated++;
      this.log('info', 'straggling task duplicated', {
        workerId: w.link.id,
        task: task.key,
        holders: task.leases.map((l) => l.workerId),
      });
    }
    task.leases.push({ workerId: w.link.id, startMs: now, deadlineMs: now + this.leaseMs });
    w.leased.add(task.key);
    this.stats.issued++;
    w.link.send({ ctx: task.ctx, spec: task.spec });
  }

  private markResponsive(w: WorkerEntry): void {
    if (!w.unresponsive) return;
    w.unresponsive = false;
    this.log('info', 'worker responsive again', { workerId: w.link.id });
  }

  private markUnresponsive(w: WorkerEntry, task: string): void {
    if (w.unresponsive) return;
    w.unresponsive = true;
    this.log('info', 'worker unresponsive; no new tasks until it is heard from', {
      workerId: w.link.id,
      task,
    });
  }

  /** The longest-leased task held by exactly one other worker for more than stragglerMs. */
  private straggler(workerId: string, now: number): Task | undefined {
    let best: Task | undefined;
    for (const t of this.tasks.values()) {
      if (t.done || t.leases.length !== 1 || t.leases[0].workerId === workerId) continue;
      if (now - t.leases[0].startMs <= this.stragglerMs) continue;
      if (!best || t.leases[0].startMs < best.leases[0].startMs) best = t;
    }
    return best;
  }

  /** Wakes dispatch at the next lease deadline or straggler threshold. */
  private armTimer(now: number): void {
    this.timer?.cancel();
    this.timer = null;
    let next = Infinity;
    for (const t of this.tasks.values()) {
      for (const l of t.leases) next = Math.min(next, l.deadlineMs, l.startMs + this.stragglerMs + 1);
    }
    if (next === Infinity) return;
    this.timer = this.clock.setTimer(
      () => {
        this.timer = null;
        this.dispatch();
      },
      Math.max(1, next - now),
    );
  }
}

function taskKey(ctx: StepContext, spec: TaskSpec): string {
  return spec.kind === 'shard' ? `${ctx.jobId}/s${ctx.step}/${spec.shard}` : `${ctx.jobId}/e${spec.evalId}`;
}

/** Why `r` is not a valid result of `task`, or undefined when it is. */
function validate(task: Task, r: IncomingResult): string | undefined {
  const n = task.spec.indices.length;
  if (r.kind !== task.spec.kind) return `a ${r.kind} result for a ${task.spec.kind} task`;
  if (!Number.isFinite(r.lossSum)) return `lossSum is ${r.lossSum}`;
  if (r.count !== n) return `count ${r.count}, the task has ${n} samples`;
  if (!Number.isInteger(r.correct) || r.correct < 0 || r.correct > n) return `correct ${r.correct} of ${n}`;
  if (r.kind === 'eval') return undefined;
  if (r.decodeError) return r.decodeError;
  const want = task.ctx.paramLengths;
  if (r.grads.length !== want.length)
    return `${r.grads.length} gradients, the model has ${want.length} parameters`;
  for (let i = 0; i < want.length; i++) {
    const g = r.grads[i];
    if (g.length !== want[i]) return `grads[${i}] has ${g.length} values, the parameter has ${want[i]}`;
    for (let j = 0; j < g.length; j++) {
      if (!Number.isFinite(g[j])) return `grads[${i}][${j}] is ${g[j]}`;
    }
  }
  return undefined;
}

function toTaskResult(r: IncomingResult): TaskResult {
  if (r.kind === 'eval') return { kind: 'eval', correct: r.correct, count: r.count, lossSum: r.lossSum };
  return {
    kind: 'shard',
    sums: { grads: [...r.grads], lossSum: r.lossSum, correct: r.correct, count: r.count },
  };
}
