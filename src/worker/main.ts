/**
 * Wires a real worker: the backend chosen by selectBackend, JSON logs on stderr, and SIGTERM/SIGINT
 * draining. The CLI (`gradpool worker --coordinator HOST:PORT [--backend NAME] [--threads N] [--id ID]`)
 * builds the frozen config with workerConfig() and calls runWorker().
 */
import * as os from 'node:os';
import { backendThreads, parseBackendName, selectBackend, type BackendName } from '../backend/select';
import { GradpoolError } from '../shared/errors';
import { createLogger, type Logger } from '../shared/log';
import { defaultCacheDir } from './dataset-cache';
import type { ClientSecurity } from '../transport/credentials';
import { closeWithin, DEFAULT_WORKER_SHUTDOWN_TIMEOUT_MS, stopSignal } from './shutdown';
import { Worker } from './worker';

/** Everything a worker process is configured with. */
export interface WorkerConfig {
  /** Coordinator address, HOST:PORT. */
  readonly coordinator: string;
  /** Backend to start (default `auto`, or GRADPOOL_BACKEND). */
  readonly backend: BackendName;
  /** Id reported to the coordinator (default `<hostname>-<pid>`). */
  readonly workerId: string;
  /**
   * Threads of the cpu-pool backend (default os.availableParallelism()). Hello reports the threads of the
   * backend that started: this number for cpu-pool, 1 for the backends that compute on the main thread.
   */
  readonly threads: number;
  /** Interval between heartbeats, in milliseconds (default 1000). */
  readonly heartbeatMs: number;
  /** First and largest delay between reconnect attempts, in milliseconds (default 250 and 5000). */
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Directory of fetched datasets (--cache-dir, else GRADPOOL_CACHE_DIR, else defaultCacheDir()). */
  readonly cacheDir: string;
  /** TLS and the worker's token (default: plaintext, no token). */
  readonly security?: ClientSecurity;
  /** Milliseconds a stopping worker has to finish its task before it exits anyway (default 20 000). */
  readonly shutdownTimeoutMs: number;
}

/** Flags of `gradpool worker`, as the CLI parsed them. */
export interface WorkerFlags {
  readonly coordinator?: string;
  readonly backend?: string;
  readonly id?: string;
  /** `--threads`, or GRADPOOL_THREADS as the CLI read it; an integer ≥ 1. */
  readonly threads?: number;
  readonly cacheDir?: string;
  /** `--shutdown-timeout` in milliseconds, as the CLI parsed it. */
  readonly shutdownTimeoutMs?: number;
}

/** Checks a HOST:PORT address (host name, IPv4, or [IPv6]; port 1–65535). */
export function parseAddress(raw: string, source: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new GradpoolError('E_BAD_ARGS', `${source} must be HOST:PORT (e.g. 127.0.0.1:7070), got "${raw}"`);
  }
  return raw;
}

/** The frozen config for `flags`, reading GRADPOOL_BACKEND and GRADPOOL_COORDINATOR from `env` as fallbacks. */
export function workerConfig(
  flags: WorkerFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<WorkerConfig> {
  const coordinator = flags.coordinator ?? env.GRADPOOL_COORDINATOR;
  if (coordinator === undefined) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      '--coordinator HOST:PORT is required (or set GRADPOOL_COORDINATOR)',
    );
  }
  const backendRaw = flags.backend ?? env.GRADPOOL_BACKEND ?? 'auto';
  const threads = flags.threads ?? Math.max(1, os.availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) {
    throw new GradpoolError('E_BAD_ARGS', `threads must be a positive integer, got ${threads}`);
  }
  const source = flags.backend !== undefined ? '--backend' : 'GRADPOOL_BACKEND';
  return Object.freeze({
    coordinator: parseAddress(
      coordinator,
      flags.coordinator !== undefined ? '--coordinator' : 'GRADPOOL_COORDINATOR',
    ),
    backend: parseBackendName(backendRaw, source),
    workerId: flags.id ?? `${os.hostname()}-${process.pid}`,
    threads,
    heartbeatMs: 1000,
    reconnectMinMs: 250,
    reconnectMaxMs: 5000,
    cacheDir: flags.cacheDir ?? env.GRADPOOL_CACHE_DIR ?? defaultCacheDir(env),
    shutdownTimeoutMs: flags.shutdownTimeoutMs ?? DEFAULT_WORKER_SHUTDOWN_TIMEOUT_MS,
  });
}

/** Test and embedding hooks of runWorker. */
export interface RunWorkerOptions {
  /** Where logs go (default JSON lines on stderr). */
  readonly log?: Logger;
  /** Stops the worker like SIGTERM does. */
  readonly signal?: AbortSignal;
  /** Called when closing takes longer than config.shutdownTimeoutMs (the CLI exits 1 there). */
  readonly onShutdownTimeout?: () => void;
}

/**
 * Runs a worker until SIGTERM or SIGINT (or `options.signal`): queued tasks are handed back, the current
 * task finishes and its result is sent, then the stream, the client and the backend are closed and the
 * promise resolves (see shutdown.ts).
 */
export async function runWorker(
  config: Readonly<WorkerConfig>,
  options: RunWorkerOptions = {},
): Promise<void> {
  const log = options.log ?? createLogger('worker');
  // Started here rather than in worker.start(), so that Hello can report the threads of the backend that
  // started (`auto` may fall back from cpu-pool to a single-thread backend). worker.close() closes it.
  const backend = selectBackend(config.backend, (msg, fields) => log('info', msg, fields), config.threads);
  const worker = new Worker(
    config.coordinator,
    {
      workerId: config.workerId,
      backendName: config.backend,
      threads: backendThreads(backend),
      heartbeatMs: config.heartbeatMs,
      reconnectMinMs: config.reconnectMinMs,
      reconnectMaxMs: config.reconnectMaxMs,
      cacheDir: config.cacheDir,
      security: config.security,
    },
    { startBackend: () => backend, log },
  );
  const stop = stopSignal(options.signal);
  try {
    await worker.start();
    const reason = await stop.stopped;
    log('info', 'stopping: handing back queued tasks, finishing the current one', { reason });
  } finally {
    stop.dispose();
    await closeWithin(
      () => worker.close(),
      config.shutdownTimeoutMs,
      log,
      options.onShutdownTimeout ?? (() => {}),
    );
  }
}
