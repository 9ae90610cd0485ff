/**
 * Durable job records: one JSON file per job under <dataDir>/jobs/<id>.json, each replaced atomically
 * (writeFileAtomic). A job is on disk before submit() resolves; ids ("j-000001") increase and survive
 * restarts; submit is idempotent by request id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GradpoolError } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/log';
import { writeFileAtomic } from './atomic-file';

/** Lifecycle of a job (the names of gradpool.v1.JobState). */
export type JobState = 'QUEUED' | 'RUNNING' | 'FINISHED' | 'DIVERGED' | 'CANCELLED' | 'FAILED';

/** States a job never leaves. */
export const TERMINAL_STATES: readonly JobState[] = ['FINISHED', 'DIVERGED', 'CANCELLED', 'FAILED'];

/** One "Finished epoch i / N" line, as stored and replayed to watchers. */
export interface StoredEpochEvent {
  readonly epoch: number;
  readonly epochs: number;
  readonly cost: number;
  readonly trainAcc: number;
  readonly valAcc: number;
  readonly lr: number;
  readonly iteration: number;
}

/** One ended trial of a search job, as stored and replayed to watchers (a `trial` event). */
export interface StoredTrial {
  /** The trial's own job (an ordinary job whose parentId is the search). */
  readonly jobId: string;
  /** 0-based stage, and the number of stages of the search. */
  readonly stage: number;
  readonly stages: number;
  /** 0-based index of the trial in its stage, and the trials of that stage. */
  readonly trial: number;
  readonly trials: number;
  /** Epochs the trial trained for. */
  readonly epochs: number;
  /** The sampled values, by train field name (`reg` = the L2 strength). */
  readonly values: Readonly<Record<string, number>>;
  /** The trial's best validation accuracy, in [0, 1]. */
  readonly valAcc: number;
  /** FINISHED, DIVERGED, FAILED or CANCELLED. */
  readonly state: JobState;
  /** The diagnosis or failure reason; '' when it finished. */
  readonly reason: string;
  /** Milliseconds since the Unix epoch: when the trial first ran, and when it ended. */
  readonly startedMs: number;
  readonly endedMs: number;
}

/** What a search job keeps besides its trials. */
export interface SearchState {
  /** The ranges each begun stage samples from, [lo, hi] by field. */
  readonly stageRanges: readonly Readonly<Record<string, readonly [number, number]>>[];
  /** The best trial's job id and its spec as JSON (search block removed), once the search ended; '' before. */
  readonly bestTrialJobId: string;
  readonly bestSpecJson: string;
}

/** The backend one worker computes a job's shards with, as it reported it. */
export interface WorkerBackendInfo {
  readonly workerId: string;
  /** E.g. "cpu-pool". */
  readonly backend: string;
  /** auto's measurements or a fallback's reason; '' when none. */
  readonly detail: string;
}

/** One ended fold of a k-fold job, as stored and replayed to watchers (a `fold` event). */
export interface StoredFold {
  /** The fold's own job (an ordinary job whose parentId is the k-fold job). */
  readonly jobId: string;
  /** 0-based fold index (the fold validated on), and k. */
  readonly fold: number;
  readonly folds: number;
  /** The fold job's best validation accuracy, in [0, 1]. */
  readonly valAcc: number;
  /** FINISHED, DIVERGED, FAILED or CANCELLED. */
  readonly state: JobState;
  /** Why it did not finish; '' when it finished. */
  readonly reason: string;
}

/** What a k-fold cross-validation job keeps. */
export interface KFoldState {
  /** k. */
  readonly folds: number;
  /** The ended folds, in the order they ended. */
  readonly results: readonly StoredFold[];
  /** Mean, sample std, min and max of the FINISHED folds' val_acc; absent until one finished. */
  readonly summary?: {
    readonly mean: number;
    readonly std: number;
    readonly min: number;
    readonly max: number;
  };
}

/** A job as stored. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  /** The submitted spec as JSON (parseJobSpec accepts it). */
  readonly specJson: string;
  readonly state: JobState;
  /** Client-chosen idempotency key; '' when none was given. */
  readonly requestId: string;
  /** Milliseconds since the Unix epoch. */
  readonly createdMs: number;
  readonly updatedMs: number;
  /** Updates applied so far, and in total. */
  readonly iteration: number;
  readonly totalIterations: number;
  /** Epochs finished so far, and in total. */
  readonly epoch: number;
  readonly epochs: number;
  readonly bestValAcc: number;
  /** Hex SHA-256 of the final parameters, once finished; '' before. */
  readonly fingerprint: string;
  /** Diagnosis or failure reason; '' otherwise. */
  readonly message: string;
  readonly paramCount: number;
  readonly epochEvents: readonly StoredEpochEvent[];
  /** A search's trial: the search job's id. */
  readonly parentId?: string;
  /** Milliseconds since the Unix epoch when the job first went RUNNING. */
  readonly startedMs?: number;
  /** A search job: its ended trials, in the order they ended. */
  readonly trials?: readonly StoredTrial[];
  /** A search job: its stages' ranges and its result. */
  readonly search?: SearchState;
  /** How often the test split was evaluated (Coordinator.evaluate); absent means 0. */
  readonly testLooks?: number;
  /** Name of the principal that submitted it (auth.ts; never a token); absent for older records. */
  readonly owner?: string;
  /** The backend of each worker that computed shards, by first report; absent means none reported. */
  readonly workerBackends?: readonly WorkerBackendInfo[];
  /** A k-fold job: its ended folds and their summary. */
  readonly kfold?: KFoldState;
}

/** What a submission provides. */
export interface NewJob {
  readonly name: string;
  readonly specJson: string;
  readonly requestId: string;
  readonly totalIterations: number;
  readonly epochs: number;
  readonly paramCount: number;
  /** A search's trial: the search job's id. */
  readonly parentId?: string;
  /** A search job: its initial search state (it gets an empty trial list as well). */
  readonly search?: SearchState;
  /** Name of the submitting principal. */
  readonly owner?: string;
  /** A k-fold job: its initial state (no folds ended). */
  readonly kfold?: KFoldState;
}

/** Fields update() may change. */
export type JobPatch = Partial<
  Pick<
    JobRecord,
    | 'state'
    | 'iteration'
    | 'epoch'
    | 'bestValAcc'
    | 'fingerprint'
    | 'message'
    | 'epochEvents'
    | 'trials'
    | 'search'
    | 'testLooks'
    | 'kfold'
  >
>;

/** Live progress of a running job: kept in memory between durable updates. */
export type JobProgress = Partial<Pick<JobRecord, 'iteration' | 'epoch' | 'bestValAcc' | 'workerBackends'>>;

const ID_PATTERN = /^j-(\d{6,})\.json$/;

/** The job store. Writes are serialised; reads come from memory. */
export class JobStore {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly byRequestId = new Map<string, string>();
  /** Progress newer than the record on disk, by job id; folded into the next durable update. */
  private readonly progress = new Map<string, JobProgress>();
  private nextNumber = 1;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  /** Opens (creating if needed) the store under `<dataDir>/jobs`, loading every record. */
  static async open(dataDir: string, options: { now?: () => number; log?: Logger } = {}): Promise<JobStore> {
    const dir = path.join(dataDir, 'jobs');
    await fs.promises.mkdir(dir, { recursive: true });
    const store = new JobStore(dir, options.now ?? Date.now, options.log ?? silentLogger);
    for (const name of await fs.promises.readdir(dir)) {
      const m = ID_PATTERN.exec(name);
      if (!m) continue;
      const file = path.join(dir, name);
      try {
        const rec = JSON.parse(await fs.promises.readFile(file, 'utf8')) as JobRecord;
        store.jobs.set(rec.id, rec);
        if (rec.requestId) store.byRequestId.set(rec.requestId, rec.id);
      } catch (e) {
        store.log('error', 'unreadable job record skipped', { file, error: String(e) });
      }
      store.nextNumber = Math.max(store.nextNumber, Number(m[1]) + 1);
    }
    return store;
  }

  /**
   * Records a new QUEUED job, durably, and returns it; a repeated request id returns the first job with
   * duplicate: true.
   */
  submit(job: NewJob): Promise<{ job: JobRecord; duplicate: boolean }> {
    return this.serial(async () => {
      const existing = job.requestId ? this.byRequestId.get(job.requestId) : undefined;
      if (existing !== undefined) return { job: this.get(existing), duplicate: true };
      const id = `j-${String(this.nextNumber).padStart(6, '0')}`;
      const t = this.now();
      const rec: JobRecord = {
        id,
        name: job.name,
        specJson: job.specJson,
        state: 'QUEUED',
        requestId: job.requestId,
        createdMs: t,
        updatedMs: t,
        iteration: 0,
        totalIterations: job.totalIterations,
        epoch: 0,
        epochs: job.epochs,
        bestValAcc: 0,
        fingerprint: '',
        message: '',
        paramCount: job.paramCount,
        epochEvents: [],
        ...(job.parentId !== undefined ? { parentId: job.parentId } : {}),
        ...(job.search !== undefined ? { search: job.search, trials: [] } : {}),
        ...(job.owner !== undefined ? { owner: job.owner } : {}),
        ...(job.kfold !== undefined ? { kfold: job.kfold } : {}),
      };
      await this.write(rec);
      this.nextNumber++;
      this.jobs.set(id, rec);
      if (job.requestId) this.byRequestId.set(job.requestId, id);
      return { job: rec, duplicate: false };
    });
  }

  /** The job `id` with its live progress; throws E_NOT_FOUND. */
  get(id: string): JobRecord {
    const rec = this.jobs.get(id);
    if (!rec) throw new GradpoolError('E_NOT_FOUND', `no job "${id}"; list jobs with gradpool jobs`);
    const live = this.progress.get(id);
    return live ? { ...rec, ...live } : rec;
  }

  /** Every job with its live progress, newest first. */
  list(): JobRecord[] {
    return [...this.jobs.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).map((id) => this.get(id));
  }

  /**
   * Records a running job's progress in memory only (no disk write): get() and list() show it at once, and
   * the next update() writes it. The durable record may lag by the updates since the last checkpoint, which
   * is where a restart resumes anyway.
   */
  setProgress(id: string, progress: JobProgress): void {
    this.get(id);
    this.progress.set(id, { ...this.progress.get(id), ...progress });
  }

  /**
   * Records (in memory, like setProgress) the backend `info.workerId` computes job `id` with, replacing that
   * worker's earlier report; an unknown job is ignored (a stale result).
   */
  recordWorkerBackend(id: string, info: WorkerBackendInfo): void {
    if (!this.jobs.has(id)) return;
    const list = [...(this.get(id).workerBackends ?? [])];
    const i = list.findIndex((w) => w.workerId === info.workerId);
    if (i >= 0) list[i] = info;
    else list.push(info);
    this.setProgress(id, { workerBackends: list });
  }

  /**
   * Applies `patch` (over any live progress) to job `id` durably and returns the new record (startedMs set
   * on the first RUNNING).
   */
  update(id: string, patch: JobPatch): Promise<JobRecord> {
    return this.serial(async () => {
      const old = this.get(id);
      const folded = this.progress.get(id);
      const t = this.now();
      const started = patch.state === 'RUNNING' && old.startedMs === undefined ? { startedMs: t } : {};
      const rec: JobRecord = { ...old, ...patch, ...started, updatedMs: t };
      await this.write(rec);
      this.jobs.set(id, rec);
      // Progress set while the write ran is newer than `rec`: keep it.
      if (this.progress.get(id) === folded) this.progress.delete(id);
      return rec;
    });
  }

  /** Waits for pending writes. */
  async close(): Promise<void> {
    await this.queue.catch(() => {});
  }

  private write(rec: JobRecord): Promise<void> {
    return writeFileAtomic(path.join(this.dir, `${rec.id}.json`), JSON.stringify(rec));
  }

  /** Runs `fn` after every earlier write (a failed write does not block later ones). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}
