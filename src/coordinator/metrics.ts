/**
 * Prometheus metrics of a coordinator (prom-client, one registry per coordinator), served at `/metrics`
 * on the dashboard's port and/or on `--metrics-port`:
 *   gradpool_steps_total                    counter: parameter updates applied, all jobs
 *   gradpool_steps_per_second               gauge: updates per second over the last RATE_WINDOW_MS
 *   gradpool_samples_total{kind}            counter: samples computed by accepted results (shard | eval)
 *   gradpool_samples_per_second             gauge: shard samples per second over the last RATE_WINDOW_MS
 *   gradpool_shard_latency_seconds          histogram: lease start to accepted result, per shard
 *   gradpool_reissued_tasks_total           counter: tasks re-issued (worker gone, lease expired, invalid
 *                                           result, handed back by a draining worker)
 *   gradpool_duplicated_tasks_total         counter: straggling tasks duplicated to an idle worker
 *   gradpool_invalid_results_total          counter: results rejected by validation
 *   gradpool_dropped_workers_total          counter: workers disconnected for invalid results
 *   gradpool_connected_workers              gauge: workers with an open stream
 *   gradpool_jobs{state}                    gauge: jobs in each state
 * plus prom-client's default process and Node.js metrics. The counters are rate-friendly: use
 * rate(gradpool_steps_total[1m]) for steps/s.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GradpoolError } from '../shared/errors';
import { silentLogger, type Logger } from '../shared/log';
import type { JobState } from './job-store';
import type { SchedulerObserver, SchedulerStats, TaskSpec } from './scheduler';

/** Window of the per-second gauges, in milliseconds. */
const RATE_WINDOW_MS = 10_000;
const JOB_STATES: readonly JobState[] = ['QUEUED', 'RUNNING', 'FINISHED', 'DIVERGED', 'CANCELLED', 'FAILED'];

/** What the metrics read when scraped. */
export interface MetricsSource {
  readonly stats: () => Readonly<SchedulerStats>;
  readonly workerCount: () => number;
  readonly jobStates: () => readonly JobState[];
}

/** A scrape: the exposition text and its content type. */
export interface Scrape {
  readonly contentType: string;
  readonly body: string;
}

/** Amounts added in the last RATE_WINDOW_MS, as a per-second rate. */
class RateWindow {
  private readonly entries: { atMs: number; amount: number }[] = [];

  add(amount: number, nowMs = Date.now()): void {
    this.entries.push({ atMs: nowMs, amount });
    this.trim(nowMs);
  }

  perSecond(nowMs = Date.now()): number {
    this.trim(nowMs);
    return this.entries.reduce((a, e) => a + e.amount, 0) / (RATE_WINDOW_MS / 1000);
  }

  private trim(nowMs: number): void {
    while (this.entries.length > 0 && this.entries[0].atMs <= nowMs - RATE_WINDOW_MS) this.entries.shift();
  }
}

/** The coordinator's metrics registry; the scheduler reports completed tasks to it. */
export class CoordinatorMetrics implements SchedulerObserver {
  readonly registry = new Registry();
  private readonly steps: Counter;
  private readonly samples: Counter<'kind'>;
  private readonly latency: Histogram;
  private readonly stepRate = new RateWindow();
  private readonly sampleRate = new RateWindow();
  private source: MetricsSource | null = null;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.steps = new Counter({
      name: 'gradpool_steps_total',
      help: 'Parameter updates applied, all jobs',
      registers,
    });
    this.samples = new Counter({
      name: 'gradpool_samples_total',
      help: 'Samples computed by accepted worker results, by task kind (shard = training, eval)',
      labelNames: ['kind'],
      registers,
    });
    this.latency = new Histogram({
      name: 'gradpool_shard_latency_seconds',
      help: 'Seconds from a shard lease to its accepted result',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.rateGauge('gradpool_steps_per_second', 'Updates per second over the last 10 s', this.stepRate);
    this.rateGauge(
      'gradpool_samples_per_second',
      'Training samples per second over the last 10 s',
      this.sampleRate,
    );
    this.statCounter('gradpool_reissued_tasks_total', 'Tasks re-issued to another worker', 'reissued');
    this.statCounter('gradpool_duplicated_tasks_total', 'Straggling tasks duplicated', 'duplicated');
    this.statCounter('gradpool_invalid_results_total', 'Worker results rejected', 'invalid');
    this.statCounter('gradpool_dropped_workers_total', 'Workers dropped for invalid results', 'dropped');
    const metrics = this;
    new Gauge({
      name: 'gradpool_connected_workers',
      help: 'Workers with an open stream',
      registers,
      collect() {
        this.set(metrics.source?.workerCount() ?? 0);
      },
    });
    new Gauge({
      name: 'gradpool_jobs',
      help: 'Jobs by state',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = new Map<JobState, number>(JOB_STATES.map((s) => [s, 0]));
        for (const s of metrics.source?.jobStates() ?? []) counts.set(s, (counts.get(s) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
  }

  /** Connects the live sources (the coordinator's scheduler and job store), read at every scrape. */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  /** One parameter update was applied. */
  stepDone(): void {
    this.steps.inc();
    this.stepRate.add(1);
  }

  /** SchedulerObserver: a task completed with `samples` samples, `latencyMs` after its lease. */
  taskDone(kind: TaskSpec['kind'], samples: number, latencyMs: number): void {
    this.samples.inc({ kind }, samples);
    if (kind !== 'shard') return;
    this.sampleRate.add(samples);
    this.latency.observe(latencyMs / 1000);
  }

  /** The exposition text of every metric. */
  async scrape(): Promise<Scrape> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private rateGauge(name: string, help: string, window: RateWindow): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(window.perSecond());
      },
    });
  }

  /** A counter mirroring a scheduler stat: each scrape adds what the stat gained since the last. */
  private statCounter(name: string, help: string, stat: keyof SchedulerStats): void {
    const metrics = this;
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const now = metrics.source?.stats()[stat] ?? 0;
        if (now > seen) this.inc(now - seen);
        seen = Math.max(seen, now);
      },
    });
  }
}

/** A plain HTTP server answering GET /metrics (for `--metrics-port`). */
export class MetricsServer {
  private server: http.Server | null = null;
  private port = 0;

  constructor(
    private readonly scrape: () => Promise<Scrape>,
    private readonly log: Logger = silentLogger,
  ) {}

  /** Listens on host:port (0 = any free port); resolves with the bound port. */
  async start(port: number, host: string): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) =>
        reject(new GradpoolError('E_UNAVAILABLE', `cannot serve metrics on ${host}:${port}: ${e.message}`)),
      );
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => this.log('error', 'metrics server error', { error: String(e) }));
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** The bound port (0 before start). */
  get boundPort(): number {
    return this.port;
  }

  /** Stops the server and drops its connections. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`no page ${path.slice(0, 80)}; metrics are at /metrics\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`${req.method} is not allowed; use GET\n`);
      return;
    }
    try {
      const { contentType, body } = await this.scrape();
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      this.log('error', 'metrics scrape failed', { error: String(e) });
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('metrics scrape failed\n');
    }
  }
}
