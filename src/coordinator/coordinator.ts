/**
 * The coordinator: job store, checkpoints, scheduler, job runner, and one gRPC server carrying the
 * Coordinator API, the worker plane and grpc.health.v1. The plain async methods here are what the gRPC
 * handlers (service.ts) translate to and from.
 */
import * as grpc from '@grpc/grpc-js';
import { Sequential } from '../model/sequential';
import { GradpoolError, specError } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/log';
import { parseJobSpec } from '../train/job-spec';
import { serializeStats } from '../data/preprocess-codec';
import { loadJobData, loadJobDataAndStats } from '../train/run-job';
import type { EvalSplitName } from '../train/step-executor';
import { serverOptions } from '../transport/channel-options';
import { serverCredentials, type ServerTlsFiles } from '../transport/credentials';
import { HealthService } from '../transport/health';
import { protos, SERVICE_NAMES } from '../transport/proto';
import { addDatasetResolver } from '../data/load-source';
import { CheckpointStore, type SavedModel } from './checkpoint-store';
import { systemClock, type Clock } from './clock';
import { DatasetService, DEFAULT_MAX_DATASET_BYTES } from './dataset-service';
import { DatasetStore } from './dataset-store';
import { DashboardData } from './http/dashboard-data';
import { diskFullError, isDiskFull } from './disk-full';
import { DashboardServer } from './http/dashboard-server';
import { JobEvents, type WatchedEvent } from './job-events';
import { planJob } from './job-plan';
import { JobRunner } from './job-runner';
import { foldIterations } from './kfold-runner';
import { JobStore, TERMINAL_STATES, type JobRecord } from './job-store';
import { CoordinatorMetrics, MetricsServer } from './metrics';
import { RemoteExecutor } from './remote-executor';
import { Auth } from './auth';
import { Limits } from './limits';
import { Scheduler } from './scheduler';
import { coordinatorHandlers } from './service';
import { StepHistory } from './step-history';
import { WorkerPlane } from './worker-plane';

/** Coordinator settings. */
export interface CoordinatorOptions {
  /** Directory of job records and checkpoints. */
  readonly dataDir: string;
  /** Milliseconds a worker has per task before it is re-issued (default 10 000). */
  readonly leaseMs?: number;
  /** Iterations between checkpoints, besides every epoch end (default 50). */
  readonly checkpointEvery?: number;
  /** Milliseconds close() waits for open calls before cancelling them (default 2000). */
  readonly shutdownGraceMs?: number;
  /** Jobs trained at the same time, e.g. a search's trials (default 4). */
  readonly maxRunningJobs?: number;
  /** Port of the live dashboard (0 = any free port); no dashboard when undefined. */
  readonly httpPort?: number;
  /** Address the dashboard binds (default: the gRPC host). */
  readonly httpHost?: string;
  /** Largest dataset an upload may declare, in bytes (default DEFAULT_MAX_DATASET_BYTES, 2 GiB). */
  readonly maxDatasetBytes?: number;
  /** TLS files of the gRPC port; plaintext when undefined (credentials.ts). */
  readonly tls?: ServerTlsFiles;
  /** Who may call what (default: open, every caller may do everything). */
  readonly auth?: Auth;
  /** Admission limits of SubmitJob (default: limits.ts DEFAULT_LIMITS). */
  readonly limits?: Limits;
  /** Port of a plaintext server carrying only grpc.health.v1, for Kubernetes probes (none when undefined). */
  readonly healthPort?: number;
  /** Port of a plain `/metrics` server on the gRPC host (0 = any free port); none when undefined. */
  readonly metricsPort?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** A job as the API reports it. */
/** Parameter versions of Coordinator.evaluate start here, far above any training step's version. */
const EVAL_VERSION_BASE = 2 ** 40;

export interface JobView extends JobRecord {
  readonly waitingForWorkers: boolean;
}

/** The coordinator process's core. */
export class Coordinator {
  private store: JobStore | null = null;
  private runner: JobRunner | null = null;
  private server: grpc.Server | null = null;
  private healthServer: { server: grpc.Server; port: number } | null = null;
  private readonly auth: Auth;
  private readonly limits: Limits;
  private readonly scheduler: Scheduler;
  private readonly checkpoints: CheckpointStore;
  private readonly events = new JobEvents();
  /** Recent per-step costs, for the dashboard's late joiners. */
  private readonly steps = new StepHistory();
  private dashboard: { server: DashboardServer; data: DashboardData } | null = null;
  private readonly plane: WorkerPlane;
  private readonly health = new HealthService({
    '': 'SERVING',
    [SERVICE_NAMES.coordinator]: 'SERVING',
    [SERVICE_NAMES.workerPlane]: 'SERVING',
  });
  private readonly log: Logger;
  private evalSeq = 0;
  private datasets: DatasetService | null = null;
  private dropDatasetResolver: () => void = () => {};
  /** Prometheus metrics, at /metrics on the dashboard's port and on metricsPort. */
  readonly metrics = new CoordinatorMetrics();
  private metricsServer: MetricsServer | null = null;
  /** Set by close(): new jobs are refused from then on. */
  private closing = false;

  constructor(private readonly options: CoordinatorOptions) {
    this.log = options.log ?? silentLogger;
    this.auth = options.auth ?? Auth.open();
    this.limits = options.limits ?? new Limits();
    this.scheduler = new Scheduler({
      leaseMs: options.leaseMs,
      clock: options.clock ?? systemClock,
      log: this.log,
      observer: this.metrics,
    });
    this.checkpoints = new CheckpointStore(options.dataDir, this.log);
    this.plane = new WorkerPlane(this.scheduler, this.log, (workerId, jobId, backend, detail) =>
      this.store?.recordWorkerBackend(jobId, { workerId, backend, detail }),
    );
    this.events.subscribeAll((id, e) => {
      if (e.type !== 'step') return;
      this.steps.record(id, e);
      this.metrics.stepDone();
    });
    this.metrics.attach({
      stats: () => this.scheduler.stats,
      workerCount: () => this.scheduler.workerCount,
      jobStates: () => this.store?.list().map((j) => j.state) ?? [],
    });
  }

  /** The dashboard's address (http://host:port/) once started with httpPort; undefined otherwise. */
  get dashboardUrl(): string | undefined {
    return this.dashboard?.server.url;
  }

  /** The plaintext health port, once started with healthPort; undefined otherwise. */
  get healthPort(): number | undefined {
    return this.healthServer?.port;
  }

  /** Workers connected now. */
  get workerCount(): number {
    return this.scheduler.workerCount;
  }

  /** Opens the store, resumes unfinished jobs, and serves on host:port; resolves with the bound port. */
  async start(port: number, host = '127.0.0.1'): Promise<number> {
    // Before anything is opened: a bad certificate or key fails here, naming its flag.
    const credentials = serverCredentials(this.options.tls);
    // Before the job store: resumed jobs may load uploaded datasets.
    const datasetStore = await DatasetStore.open(this.options.dataDir, this.log);
    const datasets = new DatasetService(
      datasetStore,
      this.options.maxDatasetBytes ?? DEFAULT_MAX_DATASET_BYTES,
      this.log,
    );
    this.datasets = datasets;
    this.dropDatasetResolver = addDatasetResolver(datasetStore.resolve);
    this.store = await JobStore.open(this.options.dataDir, { log: this.log });
    this.runner = new JobRunner({
      store: this.store,
      checkpoints: this.checkpoints,
      scheduler: this.scheduler,
      events: this.events,
      log: this.log,
      checkpointEvery: this.options.checkpointEvery,
      maxRunning: this.options.maxRunningJobs,
    });
    const server = new grpc.Server(serverOptions);
    server.addService(protos().coordinator, coordinatorHandlers(this, datasets, this.auth, this.log));
    // Only principals with the worker role (a token or a client certificate) get a stream or a dataset.
    server.addService(
      protos().workerPlane,
      this.auth.guard(
        protos().workerPlane,
        { ...this.plane.handlers, FetchDataset: datasets.fetch },
        (rpc, peer, reason) => this.log('warn', 'worker call refused', { rpc, peer, reason }),
      ),
    );
    this.health.addTo(server);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    try {
      if (this.options.healthPort !== undefined) await this.startHealthServer(this.options.healthPort, host);
      if (this.options.httpPort !== undefined) await this.startDashboard(this.options.httpPort, host);
    } catch (e) {
      server.forceShutdown();
      this.healthServer?.server.forceShutdown();
      throw e;
    }
    if (this.options.metricsPort !== undefined) {
      const metrics = new MetricsServer(() => this.metrics.scrape(), this.log);
      try {
        await metrics.start(this.options.metricsPort, host);
      } catch (e) {
        server.forceShutdown();
        this.healthServer?.server.forceShutdown();
        await this.dashboard?.server.close();
        throw e;
      }
      this.metricsServer = metrics;
      this.log('info', 'metrics listening', { url: this.metricsUrl });
    }
    this.server = server;
    this.runner.resumeAll();
    this.log('info', 'coordinator listening', {
      host,
      port: bound,
      tls: this.options.tls ? (this.options.tls.ca ? 'mutual' : 'server') : 'off',
      auth: this.auth.enabled ? this.auth.summary : 'open',
      ...(this.healthServer && { healthPort: this.healthServer.port }),
    });
    return bound;
  }

  /** The metrics server's address (http://host:port/metrics) once started with metricsPort. */
  get metricsUrl(): string | undefined {
    if (!this.metricsServer) return undefined;
    return `http://127.0.0.1:${this.metricsServer.boundPort}/metrics`;
  }

  /**
   * Validates and records a job (durable before this resolves), then queues it. `owner` is the submitting
   * principal (auth.ts): it is recorded, keys the per-client limits and scopes the request id.
   */
  async submit(
    specJson: string,
    requestId: string,
    owner?: string,
  ): Promise<{ job: JobView; duplicate: boolean }> {
    if (this.closing) {
      throw new GradpoolError(
        'E_UNAVAILABLE',
        'the coordinator is shutting down; submit again once it is back',
      );
    }
    const store = this.requireStore();
    this.limits.checkSpecSize(specJson);
    let raw: unknown;
    try {
      raw = JSON.parse(specJson);
    } catch (e) {
      throw specError('spec', `is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Another client's request id must not return (or block) this client's job.
    const scopedId = requestId && owner !== undefined ? `${owner}/${requestId}` : requestId;
    const earlier = scopedId ? store.list().find((j) => j.requestId === scopedId) : undefined;
    if (earlier) return { job: this.view(earlier), duplicate: true };
    this.limits.checkParams(raw);
    const release = this.limits.admitJob(owner ?? '', store.list());
    try {
      const pinned = this.datasets ? this.datasets.pin(raw) : raw; // dataset:NAME → dataset:ID
      const planned = planJob(pinned).job;
      const { job, duplicate } = await store
        .submit({
          ...planned,
          requestId: scopedId,
          ...(owner !== undefined ? { owner } : {}),
        })
        .catch((e: unknown) => {
          throw isDiskFull(e) ? diskFullError('recording the job') : e;
        });
      if (!duplicate) this.requireRunner().enqueue(job.id);
      return { job: this.view(job), duplicate };
    } finally {
      release();
    }
  }

  /** One job; throws E_NOT_FOUND. */
  getJob(id: string): JobView {
    return this.view(this.requireStore().get(id));
  }

  /** Every job, newest first. */
  listJobs(): JobView[] {
    return this.requireStore()
      .list()
      .map((j) => this.view(j));
  }

  /** Cancels a queued or running job; a no-op for finished ones. */
  async cancelJob(id: string): Promise<JobView> {
    const rec = this.requireStore().get(id);
    if (!TERMINAL_STATES.includes(rec.state)) await this.requireRunner().cancel(id);
    return this.getJob(id);
  }

  /**
   * Calls `fn` with the job's history (epochs, then its end if it ended) and then live events until it
   * ends; returns an unsubscribe function. `fn` receives a done event last.
   */
  watchJob(id: string, fn: (e: WatchedEvent) => void): () => void {
    const rec = this.requireStore().get(id);
    for (const epoch of rec.epochEvents) fn({ type: 'epoch', epoch });
    for (const trial of rec.trials ?? []) fn({ type: 'trial', trial });
    for (const fold of rec.kfold?.results ?? []) fn({ type: 'fold', fold });
    if (TERMINAL_STATES.includes(rec.state)) {
      fn({
        type: 'done',
        done: {
          state: rec.state,
          bestValAcc: rec.bestValAcc,
          fingerprint: rec.fingerprint,
          paramCount: rec.paramCount,
          seconds: 0,
          samplesPerSecond: 0,
          message: rec.message,
          bestSpecJson: rec.search?.bestSpecJson ?? '',
          bestTrialJobId: rec.search?.bestTrialJobId ?? '',
          ...(rec.kfold ? { kfold: rec.kfold } : {}),
        },
      });
      return () => {};
    }
    // Replay and subscription happen in one synchronous turn: no event is missed or repeated.
    return this.events.subscribe(id, (e) => {
      if (e.type !== 'step') fn(e);
    });
  }

  /**
   * A job's curves: the cost of every update (from the running job's state, else its newest checkpoint)
   * and the accuracies of its epoch events.
   */
  async jobHistory(id: string): Promise<{ loss: number[]; trainAcc: number[]; valAcc: number[] }> {
    const rec = this.requireStore().get(id);
    const live = this.runner?.liveState(id);
    const loss = live ? [...live.lossHistory] : ((await this.checkpoints.load(id))?.lossHistory ?? []);
    return {
      loss,
      trainAcc: rec.epochEvents.map((e) => e.trainAcc),
      valAcc: rec.epochEvents.map((e) => e.valAcc),
    };
  }

  /**
   * Evaluates the job's saved best parameters on `split` through the workers (waits while none is
   * connected). A look at the test split increments the job's durable testLooks before this returns.
   */
  async evaluate(
    id: string,
    split: string,
  ): Promise<{ split: EvalSplitName; accuracy: number; loss: number; count: number; testLooks: number }> {
    if (split !== 'train' && split !== 'val' && split !== 'test') {
      throw new GradpoolError('E_BAD_ARGS', `split must be train, val or test, got "${split}"`);
    }
    const store = this.requireStore();
    const rec = store.get(id);
    const model = await this.checkpoints.loadModel(id);
    if (!model) {
      throw new GradpoolError(
        'E_FAILED_PRECONDITION',
        `job "${id}" has no saved parameters yet (state ${rec.state})`,
      );
    }
    const spec = parseJobSpec(JSON.parse(rec.specJson));
    const net = Sequential.fromSpec(spec.model);
    const count = loadJobData(spec.data, spec.train.seed)[split].count;
    const executor = new RemoteExecutor(this.scheduler, {
      jobId: id,
      specJson: rec.specJson,
      paramShapes: net.params.map((p) => p.shape),
    });
    // A version no training step uses, so a worker's cached training parameters are never mistaken.
    const version = EVAL_VERSION_BASE + this.evalSeq++;
    const indices = Uint32Array.from({ length: count }, (_, i) => i);
    const sums = await executor.evaluate(version, model.bestParams, split, indices);
    let testLooks = rec.testLooks ?? 0;
    if (split === 'test')
      testLooks = (await store.update(id, { testLooks: (store.get(id).testLooks ?? 0) + 1 })).testLooks ?? 0;
    return {
      split,
      accuracy: count > 0 ? sums.correct / count : 0,
      loss: count > 0 ? sums.lossSum / count : 0,
      count,
      testLooks,
    };
  }

  /**
   * Parameter names and shapes of a job's model, with its saved (best) parameters and the preprocessing
   * statistics stored with it (preprocess-codec.ts bytes; null when the job preprocesses nothing).
   */
  async exportModel(
    id: string,
  ): Promise<{ names: string[]; shapes: number[][]; model: SavedModel; preprocess: Buffer | null }> {
    const rec = this.requireStore().get(id);
    const model = await this.checkpoints.loadModel(id);
    if (!model) {
      throw new GradpoolError(
        'E_FAILED_PRECONDITION',
        `job "${id}" has no saved parameters yet (state ${rec.state})`,
      );
    }
    const spec = parseJobSpec(JSON.parse(rec.specJson));
    const net = Sequential.fromSpec(spec.model);
    let preprocess = (await this.checkpoints.loadPreprocess(id)) ?? null;
    if (!preprocess) {
      // A job recorded before statistics were stored: the same deterministic fit on its training split.
      const stats = loadJobDataAndStats(spec.data, spec.train.seed).preprocess;
      if (stats) {
        this.log('warn', 'preprocessing statistics refitted for export: none stored', { jobId: id });
        preprocess = serializeStats(stats);
      }
    }
    return {
      names: net.params.map((p) => p.name),
      shapes: net.params.map((p) => [...p.shape]),
      model,
      preprocess,
    };
  }

  /** Stops accepting work, checkpoints the running job, and shuts the servers down. */
  async close(): Promise<void> {
    this.closing = true;
    this.health.setAll('NOT_SERVING');
    await this.metricsServer?.close();
    this.metricsServer = null;
    const dashboard = this.dashboard;
    this.dashboard = null;
    dashboard?.data.close();
    await dashboard?.server.close();
    if (this.runner) {
      this.log('info', 'stopping: checkpointing running jobs', { jobs: this.runner.runningJobIds });
      await this.runner.stop();
    }
    this.scheduler.close();
    this.plane.close();
    this.health.close();
    this.healthServer?.server.forceShutdown();
    this.healthServer = null;
    const server = this.server;
    this.server = null;
    if (server) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, this.options.shutdownGraceMs ?? 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    await this.store?.close();
    this.dropDatasetResolver();
  }

  /** A plaintext server with grpc.health.v1 only: Kubernetes gRPC probes speak no TLS. */
  private async startHealthServer(port: number, host: string): Promise<void> {
    const server = new grpc.Server(serverOptions);
    this.health.addTo(server);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    this.healthServer = { server, port: bound };
  }

  private async startDashboard(port: number, grpcHost: string): Promise<void> {
    const data = new DashboardData({
      listJobs: () => this.listJobs(),
      getJob: (id) => this.getJob(id),
      events: this.events,
      steps: this.steps,
      checkpoints: this.checkpoints,
      liveState: (id) => this.runner?.liveState(id),
    });
    const server = new DashboardServer(data, { log: this.log, metrics: () => this.metrics.scrape() });
    try {
      await server.start(port, this.options.httpHost ?? grpcHost);
    } catch (e) {
      data.close();
      throw e;
    }
    this.dashboard = { server, data };
    this.log('info', 'dashboard listening', { url: server.url });
  }

  private view(j: JobRecord): JobView {
    const live =
      j.kfold && j.state === 'RUNNING' ? { iteration: foldIterations(this.requireStore(), j.id) } : {};
    return { ...j, ...live, waitingForWorkers: j.state === 'RUNNING' && this.scheduler.workerCount === 0 };
  }

  private requireStore(): JobStore {
    if (!this.store) throw new GradpoolError('E_UNAVAILABLE', 'the coordinator is not started');
    return this.store;
  }

  private requireRunner(): JobRunner {
    if (!this.runner) throw new GradpoolError('E_UNAVAILABLE', 'the coordinator is not started');
    return this.runner;
  }
}
