/**
 * `gradpool train|search <spec> --workers N`: an embedded coordinator on a loopback port with a temporary data
 * directory, N worker processes of this same program, the job submitted and watched, then everything stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorClient } from '../coordinator/client';
import { startCoordinator } from '../coordinator/main';
import { GradpoolError } from '../shared/errors';
import type { Logger } from '../shared/log';
import { parseJobSpec } from '../train/job-spec';
import { submitCommand, type Io } from './jobs';
import { reportPictures, writeJobPictures } from './pictures';
import { readSpecFile } from './load-spec';

/** Milliseconds a worker gets to finish its task after SIGTERM before it is killed. */
const WORKER_STOP_MS = 5000;
/** Milliseconds to wait for the local workers to connect before submitting anyway (the job then waits). */
const WORKER_CONNECT_MS = 60_000;

interface LocalWorker {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderrTail: string;
}

function startWorker(address: string, index: number, backend: string, threads: number): LocalWorker {
  const child = spawn(
    process.execPath,
    [
      join(__dirname, 'main.js'),
      'worker',
      '--coordinator',
      address,
      '--id',
      `local-${index}`,
      '--backend',
      backend,
      '--threads',
      String(threads),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const w: LocalWorker = {
    child,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stderrTail: '',
  };
  child.stderr?.on('data', (d: Buffer) => (w.stderrTail = (w.stderrTail + d.toString()).slice(-4000)));
  return w;
}

async function stopWorker(w: LocalWorker): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), WORKER_STOP_MS);
  await w.exited;
  clearTimeout(timer);
}

/**
 * Runs the spec on a local pool of `workers` worker processes, each with `threads` cpu-pool threads;
 * returns the exit code of the job. With `httpPort`, the embedded coordinator serves the live dashboard.
 */
export async function trainOnLocalPool(
  specPath: string,
  workers: number,
  backend: string,
  threads: number,
  io: Io,
  log: Logger,
  options: { readonly httpPort?: number; readonly pictures?: string } = {},
): Promise<number> {
  parseJobSpec(readSpecFile(specPath)); // fail on a bad spec before starting anything
  return onLocalPool({ workers, backend, threads, httpPort: options.httpPort }, io, log, async (client) => {
    let jobId = '';
    const code = await submitCommand(
      client,
      specPath,
      { watch: true, onSubmitted: (id) => (jobId = id) },
      io,
    );
    if (options.pictures !== undefined && jobId) {
      if ((await client.getJob(jobId)).crossValidation)
        io.err('no pictures: a k-fold job has no model of its own (gradpool export one of its fold jobs)');
      else reportPictures(await writeJobPictures(client, jobId, options.pictures), io);
    }
    return code;
  });
}

/** The shape of a local pool. */
export interface LocalPoolOptions {
  /** Worker processes (at least 1). */
  readonly workers: number;
  /** Backend name every worker is started with. */
  readonly backend: string;
  /** cpu-pool threads per worker. */
  readonly threads: number;
  /** Port of the embedded coordinator's live dashboard; none when undefined. */
  readonly httpPort?: number;
  /** Milliseconds a worker has per task before it is re-issued (default 10 000). */
  readonly leaseMs?: number;
}

/**
 * Starts an embedded coordinator (loopback port, temporary data directory) and the worker processes, runs
 * `fn` with a client of that coordinator, then stops everything, whatever `fn` did.
 */
export async function onLocalPool<T>(
  options: LocalPoolOptions,
  io: Io,
  log: Logger,
  fn: (client: CoordinatorClient) => Promise<T>,
): Promise<T> {
  const { workers, backend, threads } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'gradpool-train-'));
  // The embedded coordinator's routine info lines would drown the epoch lines; warnings and errors still show.
  const quiet: Logger = (level, msg, fields) =>
    level !== 'info' && level !== 'debug' && log(level, msg, fields);
  const coordinator = await startCoordinator(
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      leaseMs: options.leaseMs ?? 10_000,
      checkpointEvery: 50,
      httpPort: options.httpPort,
    },
    quiet,
  );
  if (coordinator.dashboardUrl) {
    io.err(`gradpool dashboard on ${coordinator.dashboardUrl} (until the job ends)`);
  }
  const address = `127.0.0.1:${coordinator.port}`;
  log('info', 'local pool started', { coordinator: address, workers, backend, threads });
  const pool = Array.from({ length: workers }, (_, i) => startWorker(address, i + 1, backend, threads));
  const client = new CoordinatorClient(address);
  try {
    // The job's clock (seconds, samples/s) starts at submission: process start-up is not training.
    await waitForWorkers(pool, () => coordinator.workerCount());
    return await fn(client);
  } finally {
    client.close();
    await Promise.all(pool.map(stopWorker));
    for (const w of pool) {
      if (w.child.exitCode !== 0 && w.child.exitCode !== null)
        io.err(`worker exited with ${w.child.exitCode}:\n${w.stderrTail}`);
    }
    await coordinator.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Resolves once every worker of `pool` is connected (or after WORKER_CONNECT_MS); throws if one exits. */
async function waitForWorkers(pool: readonly LocalWorker[], connected: () => number): Promise<void> {
  const deadline = Date.now() + WORKER_CONNECT_MS;
  while (connected() < pool.length && Date.now() < deadline) {
    const dead = pool.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
    if (dead) {
      throw new GradpoolError(
        'E_UNAVAILABLE',
        `a local worker exited (${dead.child.exitCode ?? dead.child.signalCode}) before connecting:\n${dead.stderrTail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
