/**
 * Runs up to `maxRunning` jobs at once, started in submission order, each with the in-process Trainer on
 * its own RemoteExecutor (the same loop as `gradpool train`, so results match runJob; the scheduler
 * interleaves the jobs' tasks on the shared pool). Checkpoints every `checkpointEvery` iterations and at
 * every epoch end; a job found QUEUED or RUNNING at start resumes from its newest valid checkpoint.
 * Search jobs are handed to a SearchRunner: they hold no slot, their trials are ordinary jobs queued here.
 */
import type { Data } from '../../kernels/spec';
import { initParams } from '../model/init';
import { Sequential } from '../model/sequential';
import type { Logger } from '../shared/log';
import { fingerprint } from '../train/fingerprint';
import { parseJobSpec } from '../train/job-spec';
import { serializeStats } from '../data/preprocess-codec';
import { checkModelFitsData, loadJobDataAndStats } from '../train/run-job';
import type { TrainState } from '../train/train-state';
import { Trainer, type TrainEvent } from '../train/trainer';
import type { CheckpointStore } from './checkpoint-store';
import { retryWhileDiskFull } from './disk-full';
import { endJob } from './end-job';
import type { JobEvents } from './job-events';
import { TERMINAL_STATES, type JobRecord, type JobState, type JobStore } from './job-store';
import { RemoteExecutor } from './remote-executor';
import type { Scheduler } from './scheduler';
import { KFoldRunner } from './kfold-runner';
import { SearchRunner } from './search-runner';

/** What a JobRunner works with. */
export interface JobRunnerDeps {
  readonly store: JobStore;
  readonly checkpoints: CheckpointStore;
  readonly scheduler: Scheduler;
  readonly events: JobEvents;
  readonly log: Logger;
  /** Iterations between checkpoints (besides every epoch end); default 50. */
  readonly checkpointEvery?: number;
  /** Jobs trained at the same time (default DEFAULT_MAX_RUNNING). */
  readonly maxRunning?: number;
}

/** Default number of jobs trained at the same time. */
export const DEFAULT_MAX_RUNNING = 4;

/** A running job. */
interface Slot {
  interrupt: Interrupt | null;
  /** The trainer's state, from its first update until it stops. */
  live?: TrainState;
  done: Promise<void>;
}

/** Why a running job is being interrupted. */
type Interrupt = 'cancel' | 'stop';

class Interrupted extends Error {
  constructor(readonly why: Interrupt) {
    super(why === 'cancel' ? 'the job was cancelled' : 'the coordinator is stopping');
  }
}

/** The job queue, the jobs running, and the searches. */
export class JobRunner {
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Slot>();
  private readonly maxRunning: number;
  private readonly searches: SearchRunner;
  private readonly kfolds: KFoldRunner;
  private stopped = false;

  constructor(private readonly deps: JobRunnerDeps) {
    this.maxRunning = Math.max(1, deps.maxRunning ?? DEFAULT_MAX_RUNNING);
    this.searches = new SearchRunner({
      store: deps.store,
      checkpoints: deps.checkpoints,
      events: deps.events,
      log: deps.log,
      enqueue: (id) => this.enqueue(id),
      cancel: (id) => this.cancel(id),
    });
    this.kfolds = new KFoldRunner({
      store: deps.store,
      events: deps.events,
      log: deps.log,
      enqueue: (id) => this.enqueue(id),
      cancel: (id) => this.cancel(id),
    });
  }

  /** Queues every job left QUEUED or RUNNING (oldest first), e.g. after a restart; resumes searches. */
  resumeAll(): void {
    for (const j of this.deps.store.list().reverse()) {
      if (j.state === 'QUEUED' || j.state === 'RUNNING') this.enqueue(j.id);
    }
  }

  /** Queues a job (a search job starts its search) and starts it when a slot is free. */
  enqueue(id: string): void {
    if (this.stopped || this.queue.includes(id) || this.running.has(id)) return;
    const rec = this.deps.store.get(id);
    if (TERMINAL_STATES.includes(rec.state)) return;
    if (rec.search) return this.searches.start(id);
    if (rec.kfold) return this.kfolds.start(id);
    this.queue.push(id);
    this.pump();
  }

  /** The id of the oldest running job, if any. */
  get runningJobId(): string | undefined {
    return this.running.keys().next().value;
  }

  /** The ids of the running jobs, oldest first. */
  get runningJobIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * The running job's state, for live views: the trainer's own object, not a copy (read it synchronously
   * and never write to it; an update is applied within one turn of the event loop, so a synchronous reader
   * sees parameters, iteration and loss history that agree). Undefined when `id` is not running or has
   * made no update yet.
   */
  liveState(id: string): TrainState | undefined {
    return this.running.get(id)?.live;
  }

  /** Cancels a queued or running job (no-op for finished ones). */
  async cancel(id: string): Promise<void> {
    if (this.deps.store.get(id).search) return this.searches.cancel(id);
    if (this.deps.store.get(id).kfold) return this.kfolds.cancel(id);
    const i = this.queue.indexOf(id);
    const slot = this.running.get(id);
    if (i >= 0) {
      this.queue.splice(i, 1);
      await this.end(id, 'CANCELLED', 'cancelled before it started');
    } else if (slot) {
      slot.interrupt = 'cancel';
      this.deps.scheduler.abortJob(id, new Interrupted('cancel'));
    }
    const rec = this.deps.store.get(id);
    if (rec.state === 'QUEUED') await this.end(id, 'CANCELLED', 'cancelled');
  }

  /**
   * Stops the searches, then checkpoints the running jobs; all stay RUNNING (or QUEUED), to resume on the
   * next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.searches.stop();
    await this.kfolds.stop();
    for (const [id, slot] of this.running) {
      slot.interrupt = 'stop';
      this.deps.scheduler.abortJob(id, new Interrupted('stop'));
    }
    await Promise.all([...this.running.values()].map((s) => s.done));
  }

  /** Starts queued jobs while slots are free. */
  private pump(): void {
    while (!this.stopped && this.running.size < this.maxRunning && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      const slot: Slot = { interrupt: null, done: Promise.resolve() };
      this.running.set(id, slot);
      slot.done = this.runOne(this.deps.store.get(id))
        .catch((e: unknown) => this.deps.log('error', 'job runner failed', { jobId: id, error: String(e) }))
        .finally(() => {
          this.running.delete(id);
          this.pump();
        });
    }
  }

  private async runOne(job: JobRecord): Promise<void> {
    const { store, checkpoints, scheduler, events, log } = this.deps;
    const every = this.deps.checkpointEvery ?? 50;
    let spec, net, counts;
    try {
      spec = parseJobSpec(JSON.parse(job.specJson));
      net = Sequential.fromSpec(spec.model);
      const { splits, preprocess } = loadJobDataAndStats(spec.data, spec.train.seed);
      checkModelFitsData(net, splits.train, spec.data.augment);
      counts = { train: splits.train.count, val: splits.val.count };
      // Stored with the model: an export applies these very statistics to raw inputs.
      if (preprocess) await checkpoints.savePreprocess(job.id, serializeStats(preprocess));
    } catch (e) {
      await this.end(job.id, 'FAILED', e instanceof Error ? e.message : String(e));
      return;
    }
    const resume = await checkpoints.load(job.id);
    const epochEvents = job.epochEvents.filter((e) => e.iteration < (resume?.iteration ?? 0));
    const current = this.running.get(job.id);
    // A write that finds the data directory full pauses the job until space frees (see disk-full.ts).
    const durable = <T>(what: string, write: () => Promise<T>): Promise<T> =>
      retryWhileDiskFull(write, {
        log,
        jobId: job.id,
        what,
        checkInterrupt: () => {
          if (current?.interrupt) throw new Interrupted(current.interrupt);
        },
        onPause: (paused) =>
          events.emit(job.id, {
            type: 'hint',
            message: paused
              ? "paused: the coordinator's data directory is full; the job goes on once space frees"
              : 'disk space is back; the job goes on',
          }),
      });
    await durable('job record', () =>
      store.update(job.id, {
        state: 'RUNNING',
        iteration: resume?.iteration ?? 0,
        epoch: resume?.epoch ?? 0,
        epochEvents,
      }),
    );
    events.emit(job.id, { type: 'state', state: 'RUNNING' });
    log('info', resume ? 'job resumed' : 'job started', { jobId: job.id, iteration: resume?.iteration ?? 0 });

    const initial = initParams(net, spec.train.seed, (n) => new Float32Array(n));
    const executor = new RemoteExecutor(scheduler, {
      jobId: job.id,
      specJson: job.specJson,
      paramShapes: net.params.map((p) => p.shape),
    });
    /** The trainer's own state, and the iteration at which it was last whole (see afterIteration). */
    let live: TrainState | undefined = resume;
    let wholeAt = resume?.iteration ?? 0;
    let savedIteration = resume?.iteration ?? 0;
    const onEvent = (e: TrainEvent) => {
      if (e.type === 'hint') return events.emit(job.id, { type: 'hint', message: e.message });
      const { type: _type, ...epoch } = e;
      void _type;
      const rec = store.get(job.id);
      pending = pending.then(() =>
        durable('job record', () =>
          store.update(job.id, {
            epochEvents: [...rec.epochEvents, epoch],
            epoch: epoch.epoch,
            bestValAcc: Math.max(rec.bestValAcc, epoch.valAcc),
          }),
        ),
      );
      events.emit(job.id, { type: 'epoch', epoch });
    };
    let pending: Promise<unknown> = Promise.resolve();
    try {
      const result = await new Trainer(executor).train(net, initial, counts, spec.train, {
        resume,
        onEvent,
        // Per step only memory changes (live progress, the step event); the disk is written at
        // checkpoints, epoch ends and state changes.
        afterIteration: async (state, epochEnd) => {
          live = state;
          wholeAt = state.iteration;
          if (current) current.live = state;
          const last = state.lossHistory.length - 1;
          events.emit(job.id, { type: 'step', iteration: last, cost: state.lossHistory[last] });
          store.setProgress(job.id, {
            iteration: state.iteration,
            epoch: state.epoch,
            bestValAcc: state.bestValAcc,
          });
          if (epochEnd || state.iteration % every === 0) {
            await pending;
            // The trainer waits for this hook, so `state` cannot change while it is saved.
            await durable('checkpoint', () => checkpoints.save(job.id, state));
            savedIteration = state.iteration;
            await durable('job record', () => store.update(job.id, {}));
          }
          if (current?.interrupt) throw new Interrupted(current.interrupt);
        },
      });
      await pending;
      const fp = fingerprint(result.finalParams);
      await durable('model', () =>
        checkpoints.saveModel(job.id, {
          finalParams: result.finalParams.map(f32),
          bestParams: result.bestParams.map(f32),
        }),
      );
      await durable('job record', () =>
        store.update(job.id, { fingerprint: fp, bestValAcc: result.bestValAcc }),
      );
      await durable('job record', () =>
        this.end(job.id, result.status === 'finished' ? 'FINISHED' : 'DIVERGED', result.diagnosis ?? '', {
          seconds: result.seconds,
          samplesPerSecond: result.samplesPerSecond,
        }),
      );
    } catch (e) {
      await pending.catch(() => {});
      if (current) current.live = undefined;
      // The trainer has stopped: `live` no longer changes. It is whole when the interrupt came while the
      // next step's gradients were computed (nothing of that step applied yet); an interrupt during an
      // epoch end's evaluation leaves it part-updated, and then the last checkpoint stands.
      const whole = live !== undefined && live.iteration === wholeAt;
      const why = e instanceof Interrupted ? e.why : current?.interrupt;
      if (why === 'stop') {
        if (whole && live && live.iteration > savedIteration) {
          await checkpoints.save(job.id, live);
          savedIteration = live.iteration;
        }
        await store.update(job.id, { iteration: savedIteration });
        log('info', 'job checkpointed for shutdown', { jobId: job.id, iteration: savedIteration });
      } else if (why === 'cancel') {
        if (live)
          await checkpoints.saveModel(job.id, {
            finalParams: live.params.map(f32),
            bestParams: live.bestParams.map(f32),
          });
        await this.end(job.id, 'CANCELLED', 'cancelled');
      } else {
        await this.end(job.id, 'FAILED', e instanceof Error ? e.message : String(e));
      }
    }
  }

  /** Records a terminal state and tells watchers. */
  private end(
    id: string,
    state: JobState,
    message: string,
    timing?: { seconds: number; samplesPerSecond: number },
  ): Promise<void> {
    return endJob(this.deps, id, state, message, timing);
  }
}

function f32(p: Data): Float32Array {
  return p instanceof Float32Array ? p : Float32Array.from(p);
}
