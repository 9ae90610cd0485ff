/**
 * The worker's gRPC side: dials WorkerPlane.Connect, says Hello, sends heartbeats, and runs the
 * coordinator's messages one at a time in arrival order on a ShardRunner. It only translates: messages are
 * decoded through the tensor codec, computed by plain functions, and the results encoded back. A broken
 * stream drops everything received on it; the worker reconnects with jittered exponential backoff.
 */
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Backend } from '../backend/backend';
import { GradpoolError } from '../shared/errors';
import type { Logger } from '../shared/log';
import { Rng } from '../shared/rng';
import { clientChannel, type ClientChannel, type ClientSecurity } from '../transport/credentials';
import type { CoordinatorMessage__Output } from '../transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerMessage } from '../transport/generated/gradpool/v1/WorkerMessage';
import { protos } from '../transport/proto';
import { Backoff, seedOf } from './backoff';
import { DatasetCache, defaultCacheDir } from './dataset-cache';
import { grpcDatasetFetcher } from './dataset-fetcher';
import { ShardRunner } from './shard-runner';
import { drainReply } from './shutdown';
import { TaskHandler } from './task-handler';

/** How a worker identifies itself and paces its connection. */
export interface WorkerOptions {
  /** Stable id reported in Hello (hostname-pid, say). */
  readonly workerId: string;
  /** The backend that was asked for (`auto`, `gpujs-cpu` …), for logs; Hello reports the one that started. */
  readonly backendName: string;
  /** Threads the backend computes with, reported in Hello. */
  readonly threads: number;
  /** Interval between heartbeats, in milliseconds (default 1000). */
  readonly heartbeatMs?: number;
  /** First delay before reconnecting, in milliseconds (default 250). */
  readonly reconnectMinMs?: number;
  /** Largest delay before reconnecting, in milliseconds (default 5000). */
  readonly reconnectMaxMs?: number;
  /** Job contexts kept (default 8, see ShardRunnerOptions.maxJobs). */
  readonly maxJobs?: number;
  /** Parameter versions kept per job (default 2). */
  readonly versionsPerJob?: number;
  /** Directory of fetched datasets (default defaultCacheDir()). */
  readonly cacheDir?: string;
  /** TLS and worker token of the stream (default: plaintext, no token). */
  readonly security?: ClientSecurity;
}

/** What the worker is given rather than choosing itself. */
export interface WorkerCollaborators {
  /** Starts the compute backend (e.g. selectBackend); called once, in start(). */
  readonly startBackend: () => Backend;
  readonly log: Logger;
}

type Call = grpc.ClientDuplexStream<WorkerMessage, CoordinatorMessage__Output>;

/** One stream to the coordinator and what hangs off it. */
interface Connection {
  readonly id: number;
  readonly client: grpc.Client;
  readonly call: Call;
  readonly heartbeat: NodeJS.Timeout;
  /** Resolves when the stream is over (status received, or given up on by close()). */
  readonly closed: Promise<void>;
  /** When the stream was opened (Date.now()). */
  readonly openedAtMs: number;
  open: boolean;
}

/** Milliseconds close() waits for the coordinator to end the stream after the worker ended its side. */
const END_GRACE_MS = 1000;

/**
 * HTTP/2 receive window of the stream (bytes). With the default 64 KiB a parameter message of a few hundred
 * KiB arrives only after several WINDOW_UPDATE round trips between the two processes, each a wake-up of
 * both; with this window it arrives in one go (and the task behind it with it).
 */
export const STREAM_WINDOW_BYTES = 8 << 20;

/** A worker: one stream to the coordinator, a backend, and caches of job contexts and parameters. */
export class Worker {
  private readonly heartbeatMs: number;
  private readonly backoff: Backoff;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private backend: Backend | null = null;
  private runner: ShardRunner | null = null;
  private handler: TaskHandler | null = null;
  private datasets: DatasetCache | null = null;
  private conn: Connection | null = null;
  private connections = 0;
  private readonly queue: { conn: Connection; msg: CoordinatorMessage__Output }[] = [];
  private pumping: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private channel: ClientChannel | null = null;

  constructor(
    private readonly coordinatorAddress: string,
    private readonly options: WorkerOptions,
    private readonly collaborators: WorkerCollaborators,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.backoff = new Backoff(new Rng(seedOf(options.workerId)), {
      minMs: options.reconnectMinMs ?? 250,
      maxMs: options.reconnectMaxMs ?? 5000,
    });
  }

  /** True while a stream to the coordinator is open. */
  get connected(): boolean {
    return this.conn !== null;
  }

  /** Starts the backend and dials the coordinator; reconnects on its own until close(). */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new GradpoolError('E_FAILED_PRECONDITION', `worker is ${this.state}`);
    // Read once: a bad TLS file is a configuration error (thrown here), not a reason to reconnect.
    this.channel = clientChannel(this.options.security);
    this.backend = this.collaborators.startBackend();
    this.runner = new ShardRunner(this.backend, {
      maxJobs: this.options.maxJobs,
      versionsPerJob: this.options.versionsPerJob,
    });
    const datasets = new DatasetCache(
      this.options.cacheDir ?? defaultCacheDir(),
      grpcDatasetFetcher(this.coordinatorAddress, this.options.workerId, this.channel),
      this.collaborators.log,
    );
    datasets.start();
    this.datasets = datasets;
    this.handler = new TaskHandler(this.runner, this.backend, this.collaborators.log, (specJson) =>
      datasets.prepareSpec(specJson),
    );
    this.state = 'running';
    this.connect();
  }

  /**
   * Drops queued tasks, lets the current one finish (its result is still sent), ends the stream, and
   * releases the client, the timers and the backend. Resolves when all of that is done.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const wasStarted = this.state !== 'new';
    this.state = 'closing';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    // Tasks not started go back to the coordinator at once (see shutdown.ts); the one running finishes.
    for (const item of this.queue.splice(0)) this.handBack(item.conn, item.msg);
    if (this.pumping) await this.pumping;
    const conn = this.conn;
    if (conn) {
      clearInterval(conn.heartbeat);
      conn.call.end();
      let grace: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (grace = setTimeout(resolve, END_GRACE_MS)));
      await Promise.race([conn.closed, timedOut]);
      clearTimeout(grace);
      if (conn.open) conn.call.cancel();
      this.release(conn);
    }
    this.runner?.clear();
    this.datasets?.close();
    if (this.backend) await this.backend.close();
    this.state = 'closed';
    if (wasStarted) this.collaborators.log('info', 'worker closed', { workerId: this.options.workerId });
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.state !== 'running') return;
    try {
      this.openStream();
    } catch (e) {
      // E.g. an address grpc-js cannot parse; keep trying rather than crash from a timer.
      this.retryLater({ error: (e as Error).message });
    }
  }

  private openStream(): void {
    const backend = this.requireBackend();
    const channel = this.channel ?? clientChannel(this.options.security);
    const client = new (protos().WorkerPlaneClient)(this.coordinatorAddress, channel.credentials, {
      'grpc-node.flow_control_window': STREAM_WINDOW_BYTES,
      ...channel.options,
    });
    const call: Call = client.Connect();
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const heartbeat = setInterval(() => this.send(conn, { heartbeat: {} }), this.heartbeatMs);
    const conn: Connection = {
      id: ++this.connections,
      client,
      call,
      heartbeat,
      closed,
      openedAtMs: Date.now(),
      open: true,
    };
    this.conn = conn;
    call.on('data', (msg: CoordinatorMessage__Output) => {
      this.backoff.reset();
      if (this.state !== 'running') return this.handBack(conn, msg);
      this.queue.push({ conn, msg });
      this.kick();
    });
    call.on('error', () => {}); // reported through 'status', which always follows
    call.on('status', (status: grpc.StatusObject) => {
      markClosed();
      this.onStreamOver(conn, status);
    });
    this.send(conn, {
      hello: {
        workerId: this.options.workerId,
        backend: backend.name,
        threads: this.options.threads,
        dtype: backend.dtype,
      },
    });
    this.collaborators.log(conn.id === 1 ? 'info' : 'debug', 'connecting to coordinator', {
      coordinator: this.coordinatorAddress,
      workerId: this.options.workerId,
      backend: backend.name,
      requestedBackend: this.options.backendName,
      connection: conn.id,
    });
  }

  /** The stream ended: drop what came on it, and reconnect unless closing. */
  private onStreamOver(conn: Connection, status: grpc.StatusObject): void {
    if (!conn.open) return;
    const current = this.conn === conn;
    this.release(conn);
    if (!current || this.state !== 'running') return;
    // A stream that lived a while was a working connection: start the backoff over.
    if (Date.now() - conn.openedAtMs >= (this.options.reconnectMaxMs ?? 5000)) this.backoff.reset();
    if (status.code === grpc.status.UNAUTHENTICATED || status.code === grpc.status.PERMISSION_DENIED) {
      // Keeps retrying (the coordinator's tokens file may be fixed meanwhile), but says why loudly.
      this.collaborators.log('error', "coordinator refused this worker's credentials", {
        coordinator: this.coordinatorAddress,
        details: status.details,
        fix: 'give a token of a principal with the worker role (--token, --token-file or GRADPOOL_TOKEN)',
      });
    }
    this.retryLater({ status: grpc.status[status.code] ?? status.code, details: status.details });
  }

  private retryLater(reason: object): void {
    const delayMs = Math.round(this.backoff.next());
    this.collaborators.log('warn', 'stream to coordinator ended; reconnecting', {
      coordinator: this.coordinatorAddress,
      ...reason,
      retryInMs: delayMs,
    });
    this.reconnectTimer = setTimeout(() => this.connect(), delayMs);
  }

  /** Releases a connection and everything received on it: queued tasks, parameters, job contexts. */
  private release(conn: Connection): void {
    conn.open = false;
    clearInterval(conn.heartbeat);
    conn.client.close();
    if (this.conn !== conn) return;
    this.conn = null;
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].conn === conn) this.queue.splice(i, 1);
    this.runner?.clear();
  }

  /** Hands a task back to the coordinator while shutting down (nothing for parameters). */
  private handBack(conn: Connection, msg: CoordinatorMessage__Output): void {
    const reply = drainReply(msg);
    if (!reply) return;
    this.collaborators.log('info', 'task handed back: shutting down', { ...reply.taskFailed });
    this.send(conn, reply);
  }

  /** Writes `msg` on `conn` if it is still the open stream; false when it was not written. */
  private send(conn: Connection, msg: WorkerMessage): boolean {
    if (!conn.open || this.conn !== conn) return false;
    try {
      return conn.call.write(msg);
    } catch (e) {
      this.collaborators.log('warn', 'write to coordinator failed', { error: (e as Error).message });
      return false;
    }
  }

  /** Sends a large message and waits until the stream takes more (or closes). */
  private async sendAndDrain(conn: Connection, msg: WorkerMessage): Promise<void> {
    if (this.send(conn, msg)) return;
    if (conn.open) await Promise.race([once(conn.call, 'drain'), conn.closed]);
  }

  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.drain().finally(() => {
      this.pumping = null;
      if (this.queue.length > 0 && this.state === 'running') this.kick();
    });
  }

  /** Runs queued messages in arrival order, yielding to I/O between them (keepalive pings, new messages). */
  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      if (item.conn === this.conn && item.conn.open) await this.handle(item.conn, item.msg);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Runs one message and sends its answer, if any, on the stream it came from. */
  private async handle(conn: Connection, msg: CoordinatorMessage__Output): Promise<void> {
    if (!this.handler) return;
    const reply = await this.handler.handle(msg);
    if (reply) await this.sendAndDrain(conn, reply);
  }

  private requireBackend(): Backend {
    if (!this.backend) throw new GradpoolError('E_FAILED_PRECONDITION', 'worker not started');
    return this.backend;
  }
}
