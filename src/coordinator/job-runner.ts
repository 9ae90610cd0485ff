/**
 * Runs jobs one at a time, in submission order, with the in-process Trainer on a RemoteExecutor (the same
 * loop as `gradpool train`, so results match runJob). Checkpoints every `checkpointEvery` iterations and at
 * every epoch end; a job found QUEUED or RUNNING at start resumes from its newest valid checkpoint.
 */
import type { Data } from '../../kernels/spec';
import { initParams } from '../model/init';
import { Sequential } from '../model/sequential';
import type { Logger } from '../shared/log';
import { fingerprint } from '../train/fingerprint';
import { parseJobSpec } from '../train/job-spec';
import { checkModelFitsData, loadJobData } from '../train/run-job';
import type { TrainState } from '../train/train-state';
import { Trainer, type TrainEvent } from '../train/trainer';
import type { CheckpointStore } from './checkpoint-store';
import type { JobEvents } from './job-events';
import type { JobRecord, JobState, JobStore } from './job-store';
import { RemoteExecutor } from './remote-executor';
import type { Scheduler } from './scheduler';

/** What a JobRunner works with. */
export interface JobRunnerDeps {
  readonly store: JobStore;
  readonly checkpoints: CheckpointStore;
  readonly scheduler: Scheduler;
  readonly events: JobEvents;
  readonly log: Logger;
  /** Iterations between checkpoints (besides every epoch end); default 50. */
  readonly checkpointEvery?: number;
}

/** Why a running job is being interrupted. */
type Interrupt = 'cancel' | 'stop';

class Interrupted extends Error {
  constructor(readonly why: Interrupt) {
    super(why === 'cancel' ? 'the job was cancelled' : 'the coordinator is stopping');
  }
}

/** The job queue and the one job running. */
export class JobRunner {
  private readonly queue: string[] = [];
  private current: { id: string; interrupt: Interrupt | null; snapshot?: TrainState } | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly deps: JobRunnerDeps) {}

  /** Queues every job left QUEUED or RUNNING (oldest first), e.g. after a restart. */
  resumeAll(): void {
    for (const j of this.deps.store.list().reverse()) {
      if (j.state === 'QUEUED' || j.state === 'RUNNING') this.enqueue(j.id);
    }
  }

  /** Adds a job to the queue and starts the loop if idle. */
  enqueue(id: string): void {
    if (this.stopped || this.queue.includes(id) || this.current?.id === id) return;
    this.queue.push(id);
    this.loop ??= this.drain().finally(() => (this.loop = null));
  }

  /** The id of the running job, if any. */
  get runningJobId(): string | undefined {
    return this.current?.id;
  }

  /**
   * The running job's state after its latest update (a copy the trainer no longer writes to; treat it as
   * read-only), for live views; undefined when `id` is not running or has made no update yet.
   */
  liveState(id: string): TrainState | undefined {
    return this.current?.id === id ? this.current.snapshot : undefined;
  }

  /** Cancels a queued or running job (no-op for finished ones). */
  async cancel(id: string): Promise<void> {
    const i = this.queue.indexOf(id);
    if (i >= 0) {
      this.queue.splice(i, 1);
      await this.end(id, 'CANCELLED', 'cancelled before it started');
    } else if (this.current?.id === id) {
      this.current.interrupt = 'cancel';
      this.deps.scheduler.abortJob(id, new Interrupted('cancel'));
    }
    const rec = this.deps.store.get(id);
    if (rec.state === 'QUEUED') await this.end(id, 'CANCELLED', 'cancelled');
  }

  /** Stops after checkpointing the running job (which stays RUNNING, to resume on the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    if (this.current) {
      this.current.interrupt = 'stop';
      this.deps.scheduler.abortJob(this.current.id, new Interrupted('stop'));
    }
    await this.loop;
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined; id = this.queue.shift()) {
      this.current = { id, interrupt: null };
      try {
        await this.runOne(this.deps.store.get(id));
      } catch (e) {
        this.deps.log('error', 'job runner failed', { jobId: id, error: String(e) });
      }
      this.current = null;
    }
  }

  private async runOne(job: JobRecord): Promise<void> {
    const { store, checkpoints, scheduler, events, log } = this.deps;
    const every = this.deps.checkpointEvery ?? 50;
    let spec, net, counts;
    try {
      spec = parseJobSpec(JSON.parse(job.specJson));
      net = Sequential.fromSpec(spec.model);
      const splits = loadJobData(spec.data, spec.train.seed);
      checkModelFitsData(net, splits.train);
      counts = { train: splits.train.count, val: splits.val.count };
    } catch (e) {
      await this.end(job.id, 'FAILED', e instanceof Error ? e.message : String(e));
      return;
    }
    const resume = await checkpoints.load(job.id);
    const epochEvents = job.epochEvents.filter((e) => e.iteration < (resume?.iteration ?? 0));
    await store.update(job.id, {
      state: 'RUNNING',
      iteration: resume?.iteration ?? 0,
      epoch: resume?.epoch ?? 0,
      epochEvents,
    });
    events.emit(job.id, { type: 'state', state: 'RUNNING' });
    log('info', resume ? 'job resumed' : 'job started', { jobId: job.id, iteration: resume?.iteration ?? 0 });

    const initial = initParams(net, spec.train.seed, (n) => new Float32Array(n));
    const executor = new RemoteExecutor(scheduler, {
      jobId: job.id,
      specJson: job.specJson,
      paramShapes: net.params.map((p) => p.shape),
    });
    let snapshot: TrainState | undefined = resume;
    let savedIteration = resume?.iteration ?? 0;
    const current = this.current;
    const onEvent = (e: TrainEvent) => {
      if (e.type === 'hint') return events.emit(job.id, { type: 'hint', message: e.message });
      const { type: _type, ...epoch } = e;
      void _type;
      const rec = store.get(job.id);
      pending = pending.then(() =>
        store.update(job.id, {
          epochEvents: [...rec.epochEvents, epoch],
          epoch: epoch.epoch,
          bestValAcc: Math.max(rec.bestValAcc, epoch.valAcc),
        }),
      );
      events.emit(job.id, { type: 'epoch', epoch });
    };
    let pending: Promise<unknown> = Promise.resolve();
    try {
      const result = await new Trainer(executor).train(net, initial, counts, spec.train, {
        resume,
        onEvent,
        afterIteration: async (state, epochEnd) => {
          await pending;
          snapshot = cloneState(state);
          if (current) current.snapshot = snapshot;
          const last = state.lossHistory.length - 1;
          events.emit(job.id, { type: 'step', iteration: last, cost: state.lossHistory[last] });
          if (epochEnd || state.iteration % every === 0) {
            await checkpoints.save(job.id, snapshot);
            savedIteration = state.iteration;
          }
          await store.update(job.id, {
            iteration: state.iteration,
            epoch: state.epoch,
            bestValAcc: state.bestValAcc,
          });
          if (current?.interrupt) throw new Interrupted(current.interrupt);
        },
      });
      await pending;
      const fp = fingerprint(result.finalParams);
      await checkpoints.saveModel(job.id, {
        finalParams: result.finalParams.map(f32),
        bestParams: result.bestParams.map(f32),
      });
      await store.update(job.id, { fingerprint: fp, bestValAcc: result.bestValAcc });
      await this.end(job.id, result.status === 'finished' ? 'FINISHED' : 'DIVERGED', result.diagnosis ?? '', {
        seconds: result.seconds,
        samplesPerSecond: result.samplesPerSecond,
      });
    } catch (e) {
      await pending.catch(() => {});
      const why = e instanceof Interrupted ? e.why : current?.interrupt;
      if (why === 'stop') {
        if (snapshot && snapshot.iteration > savedIteration) await checkpoints.save(job.id, snapshot);
        log('info', 'job checkpointed for shutdown', { jobId: job.id, iteration: snapshot?.iteration ?? 0 });
      } else if (why === 'cancel') {
        if (snapshot)
          await checkpoints.saveModel(job.id, {
            finalParams: snapshot.params.map(f32),
            bestParams: snapshot.bestParams.map(f32),
          });
        await this.end(job.id, 'CANCELLED', 'cancelled');
      } else {
        await this.end(job.id, 'FAILED', e instanceof Error ? e.message : String(e));
      }
    }
  }

  /** Records a terminal state and tells watchers. */
  private async end(
    id: string,
    state: JobState,
    message: string,
    timing: { seconds: number; samplesPerSecond: number } = { seconds: 0, samplesPerSecond: 0 },
  ): Promise<void> {
    const rec = await this.deps.store.update(id, { state, message });
    this.deps.log('info', 'job ended', { jobId: id, state, message });
    this.deps.events.emit(id, { type: 'state', state });
    this.deps.events.emit(id, {
      type: 'done',
      done: {
        state,
        bestValAcc: rec.bestValAcc,
        fingerprint: rec.fingerprint,
        paramCount: rec.paramCount,
        message,
        ...timing,
      },
    });
  }
}

function f32(p: Data): Float32Array {
  return p instanceof Float32Array ? p : Float32Array.from(p);
}

function cloneState(s: TrainState): TrainState {
  return {
    ...s,
    params: s.params.map((p) => p.slice()),
    bestParams: s.bestParams.map((p) => p.slice()),
    optimizerSlots: new Map([...s.optimizerSlots].map(([k, v]) => [k, v.slice()])),
    lossHistory: [...s.lossHistory],
    trainAccHistory: [...s.trainAccHistory],
    valAccHistory: [...s.valAccHistory],
  };
}
