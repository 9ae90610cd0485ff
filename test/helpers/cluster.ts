/**
 * Real gradpool processes for e2e tests: a coordinator and workers started from the compiled CLI (dist/)
 * as child processes on 127.0.0.1 port 0, with a temporary data directory. Every wait is bounded, every
 * process is killed by `cleanup()` (call it in afterEach), and the stderr tails of all processes are kept
 * for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoordinatorClient, type JobInfo } from '../../src/coordinator/client';

/** The compiled CLI (this file runs from dist/test/helpers). */
export const CLI = resolve(__dirname, '../../src/cli/main.js');

/** The backend every process (and the in-process reference) computes with: same backend ⇒ bit-identical. */
export const BACKEND = 'gpujs-cpu';

/** Job states after which a job changes no more. */
export const TERMINAL = ['FINISHED', 'DIVERGED', 'CANCELLED', 'FAILED'];

/** How many characters of a process's output a failure message shows (GP_E2E_TAIL_CHARS overrides). */
const TAIL_CHARS = Number(process.env.GP_E2E_TAIL_CHARS) || 3000;

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when `p` settles within `ms` milliseconds (the timer is cleared either way: no handle is left). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `probe` every `everyMs` until it returns something other than undefined/false, or throws after
 * `timeoutMs` naming `what` (and the last error `probe` threw, if any).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = `; last error: ${(e as Error).message}`;
    }
    if (Date.now() >= end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError}`);
    await sleep(everyMs);
  }
}

/** One JSON log line of a gradpool process (see src/shared/log.ts). */
export interface LogLine {
  readonly ts: string;
  readonly level: string;
  readonly component: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** How a Proc is started besides its CLI arguments. */
export interface ProcOptions {
  /** Runs the CLI under this command (e.g. `ip netns exec NS`), which must exec it (same pid). */
  readonly prefix?: readonly string[];
  /** Environment added to the test's (GRADPOOL_LOG_LEVEL is debug unless set here). */
  readonly env?: Readonly<Record<string, string>>;
}

/** A gradpool child process: its output, its exit, and signals. */
export class Proc {
  stdout = '';
  stderr = '';
  code: number | null = null;
  signal: NodeJS.Signals | null = null;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private stopped = false;

  constructor(
    readonly name: string,
    readonly args: readonly string[],
    options: ProcOptions = {},
  ) {
    const [cmd, ...pre] = [...(options.prefix ?? []), process.execPath];
    // Debug lines ("shard result received") are what the join test reads.
    this.child = spawn(cmd, [...pre, CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GRADPOOL_LOG_LEVEL: 'debug', ...options.env },
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((done) => {
      // 'close' comes after the pipes are drained, so stdout and stderr are complete by then.
      this.child.on('close', (code, signal) => {
        this.code = code;
        this.signal = signal;
        done();
      });
      this.child.on('error', (e) => {
        this.stderr += `\n[spawn failed: ${e.message}]`;
        done();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return (
      this.code === null && this.signal === null && this.child.exitCode === null && !this.child.signalCode
    );
  }

  /** Sends `signal` (no-op once exited). SIGSTOP/SIGCONT are tracked so cleanup can resume the process. */
  kill(signal: NodeJS.Signals): void {
    if (!this.alive) return;
    this.child.kill(signal);
    if (signal === 'SIGSTOP') this.stopped = true;
    if (signal === 'SIGCONT') this.stopped = false;
  }

  /** Waits (bounded) for the exit. */
  async waitExit(timeoutMs: number): Promise<void> {
    await waitFor(`${this.name} to exit`, () => !this.alive, timeoutMs, 20);
  }

  /** Ends the process: SIGCONT if stopped, then SIGKILL, and waits for the exit (bounded). */
  async destroy(timeoutMs = 5000): Promise<void> {
    if (!this.alive) return;
    if (this.stopped) this.kill('SIGCONT');
    this.kill('SIGKILL');
    await settlesWithin(this.exited, timeoutMs);
  }

  /** The JSON log lines on stderr so far (other lines skipped). */
  logs(): LogLine[] {
    const out: LogLine[] = [];
    for (const line of this.stderr.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as LogLine);
      } catch {
        // a partial last line, or not JSON: skip
      }
    }
    return out;
  }

  /** The JSON objects printed on stdout so far. */
  events(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // partial line
      }
    }
    return out;
  }

  /** Waits (bounded) for a log line with message `msg` whose fields match `fields`. */
  waitForLog(msg: string, fields: Record<string, unknown>, timeoutMs: number): Promise<LogLine> {
    return waitFor(
      `log "${msg}" ${JSON.stringify(fields)} from ${this.name}`,
      () => {
        if (!this.alive) throw new Error(`${this.name} exited (code ${this.code}, signal ${this.signal})`);
        return this.logs().find((l) => matches(l, msg, fields));
      },
      timeoutMs,
    );
  }

  /** The last characters of stdout and stderr, for failure messages. */
  tail(chars = TAIL_CHARS): string {
    const cut = (s: string) => (s.length > chars ? `…${s.slice(-chars)}` : s);
    const status = this.alive ? 'running' : `exited code=${this.code} signal=${this.signal}`;
    return `--- ${this.name} (pid ${this.pid}, ${status}) ${this.args.join(' ')}\n[stdout] ${cut(this.stdout)}\n[stderr] ${cut(this.stderr)}`;
  }
}

/** True when log line `l` has message `msg` and every field of `fields`. */
export function matches(l: LogLine, msg: string, fields: Record<string, unknown> = {}): boolean {
  return l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v);
}

/** Options of a coordinator process. */
export interface CoordinatorOptions {
  /** Port; 0 (default) = any free port. */
  readonly port?: number;
  readonly leaseMs?: number;
  readonly checkpointEvery?: number;
  /** Serve the live dashboard on this port (0 = any free port); none when undefined. */
  readonly httpPort?: number;
  /** Address to bind (default 127.0.0.1; the fault suite binds its veth addresses with 0.0.0.0). */
  readonly host?: string;
  /** Serve /metrics on this port (0 = any free port); none when undefined. */
  readonly metricsPort?: number;
  /** Data directory (default: the cluster's). */
  readonly dataDir?: string;
  /** More CLI flags (e.g. --shutdown-timeout 5, --log-format text). */
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** How a worker process is started. */
export interface WorkerStart {
  /** Runs it inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** A coordinator process and its address. */
export interface CoordinatorProc extends Proc {
  readonly port: number;
  readonly address: string;
  /** The dashboard's address (http://127.0.0.1:P/), when started with httpPort. */
  readonly dashboardUrl?: string;
  /** The metrics address (http://127.0.0.1:P/metrics), when started with metricsPort. */
  readonly metricsUrl?: string;
}

/** A running job's end as the API reports it. */
export interface JobEnd {
  readonly job: JobInfo;
  readonly fingerprint: string;
}

/** Reference fingerprints of in-process runs, by spec JSON (computed once per test process). */
const referenceCache = new Map<string, Promise<string>>();

/** A coordinator, its workers and its data directory, for one test. */
export class Cluster {
  /** The data directory (removed by cleanup). */
  readonly dataDir: string;
  /** Scratch directory for spec files and exports (removed by cleanup). */
  readonly scratch: string;
  /** The current coordinator (the newest one started). */
  coordinator: CoordinatorProc | null = null;
  readonly procs: Proc[] = [];
  private readonly clients: CoordinatorClient[] = [];
  private specs = 0;

  constructor() {
    this.dataDir = mkdtempSync(join(tmpdir(), 'gp-e2e-data-'));
    this.scratch = mkdtempSync(join(tmpdir(), 'gp-e2e-tmp-'));
  }

  /** Starts a coordinator on the data directory and waits (bounded) for its "listening" line. */
  async startCoordinator(opts: CoordinatorOptions = {}, timeoutMs = 15_000): Promise<CoordinatorProc> {
    const args = [
      'coordinator',
      '--port',
      String(opts.port ?? 0),
      '--data-dir',
      opts.dataDir ?? this.dataDir,
      ...(opts.host === undefined ? [] : ['--host', opts.host]),
      ...(opts.metricsPort === undefined ? [] : ['--metrics-port', String(opts.metricsPort)]),
      ...(opts.extraArgs ?? []),
      '--lease-ms',
      String(opts.leaseMs ?? 10_000),
      '--checkpoint-every',
      String(opts.checkpointEvery ?? 50),
      '--json',
      ...(opts.httpPort === undefined ? [] : ['--http-port', String(opts.httpPort)]),
    ];
    const n = this.procs.filter((p) => p.name.startsWith('coordinator')).length;
    const proc = this.track(
      new Proc(n === 0 ? 'coordinator' : `coordinator#${n + 1}`, args, { env: opts.env }),
    );
    const listening = await waitFor(
      `${proc.name} to print "listening"`,
      () => {
        const e = proc.events().find((x) => x.type === 'listening');
        if (e) return e;
        if (!proc.alive) throw new Error(`${proc.name} exited before listening`);
        return undefined;
      },
      timeoutMs,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${proc.tail()}`);
    });
    const port = Number(listening.port);
    const dashboardUrl = typeof listening.dashboardUrl === 'string' ? listening.dashboardUrl : undefined;
    const metricsUrl = typeof listening.metricsUrl === 'string' ? listening.metricsUrl : undefined;
    const c = Object.assign(proc, {
      port,
      address: `127.0.0.1:${port}`,
      dashboardUrl,
      metricsUrl,
    }) as CoordinatorProc;
    this.coordinator = c;
    return c;
  }

  /** Starts a worker process for the current coordinator (or `address`). */
  startWorker(id: string, address = this.requireCoordinator().address, how: WorkerStart = {}): Proc {
    const args = [
      'worker',
      '--coordinator',
      address,
      '--id',
      id,
      '--backend',
      BACKEND,
      ...(how.extraArgs ?? []),
    ];
    const prefix = how.netns === undefined ? undefined : ['ip', 'netns', 'exec', how.netns];
    return this.track(new Proc(`worker ${id}`, args, { prefix, env: how.env }));
  }

  /** Starts workers and waits (bounded) until the coordinator has registered each of them. */
  async startWorkers(ids: readonly string[], timeoutMs = 20_000): Promise<Proc[]> {
    const workers = ids.map((id) => this.startWorker(id));
    await Promise.all(ids.map((id) => this.waitRegistered(id, timeoutMs)));
    return workers;
  }

  /** Waits (bounded) for the current coordinator's "worker registered" line for `workerId`. */
  waitRegistered(workerId: string, timeoutMs = 20_000): Promise<LogLine> {
    return this.requireCoordinator().waitForLog('worker registered', { workerId }, timeoutMs);
  }

  /** A CoordinatorClient of the current coordinator, closed by cleanup. */
  client(address = this.requireCoordinator().address): CoordinatorClient {
    const c = new CoordinatorClient(address);
    this.clients.push(c);
    return c;
  }

  /** Writes `spec` to a JSON file in the scratch directory and returns its path. */
  specFile(spec: object): string {
    const file = join(this.scratch, `spec-${++this.specs}.json`);
    writeFileSync(file, JSON.stringify(spec));
    return file;
  }

  /**
   * Runs the CLI with `args` to its end (bounded: the process is killed after `timeoutMs`) and returns
   * it; the process is tracked, so its output shows in failure messages.
   */
  async cli(args: readonly string[], timeoutMs = 60_000): Promise<Proc> {
    return this.finish(this.spawnCli(args), timeoutMs);
  }

  /** Starts the CLI with `args` without waiting for it (tracked: cleanup kills it); `netns` runs it there. */
  spawnCli(args: readonly string[], netns?: string): Proc {
    const prefix = netns === undefined ? undefined : ['ip', 'netns', 'exec', netns];
    return this.track(new Proc(`gradpool ${args[0]}`, args, { prefix }));
  }

  /** Waits (bounded) for a CLI process to end; kills it and throws after `timeoutMs`. */
  async finish(proc: Proc, timeoutMs = 60_000): Promise<Proc> {
    const finished = await settlesWithin(proc.exited, timeoutMs);
    if (!finished) {
      await proc.destroy();
      throw new Error(`gradpool ${proc.args.join(' ')} did not end within ${timeoutMs} ms\n${this.tails()}`);
    }
    return proc;
  }

  /**
   * `gradpool submit <spec> --watch --json` against the current coordinator: returns the submitted and
   * done events (throws, with the process tails, unless the CLI printed both).
   */
  async submitAndWatch(
    spec: object,
    timeoutMs = 60_000,
    extra: readonly string[] = [],
  ): Promise<{ jobId: string; done: Record<string, unknown> }> {
    const address = this.requireCoordinator().address;
    const proc = await this.cli(
      ['submit', this.specFile(spec), '--coordinator', address, '--watch', '--json', ...extra],
      timeoutMs,
    );
    const events = proc.events();
    const submitted = events.find((e) => e.type === 'submitted');
    const done = events.find((e) => e.type === 'done');
    if (!submitted || !done)
      throw new Error(`submit --watch printed no submitted/done event\n${this.tails()}`);
    return { jobId: String(submitted.jobId), done };
  }

  /** Waits (bounded) for the "submitted" event of a `submit --json` process; returns the job id. */
  async waitJobIdOf(submit: Proc, timeoutMs = 30_000): Promise<string> {
    const e = await waitFor(
      `${submit.name} to print "submitted"`,
      () => {
        const found = submit.events().find((x) => x.type === 'submitted');
        if (!found && !submit.alive) throw new Error(`${submit.name} exited`);
        return found;
      },
      timeoutMs,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.tails()}`);
    });
    return String(e.jobId);
  }

  /** Submits `spec` through the client and returns the job id. */
  async submit(spec: object, requestId: string): Promise<string> {
    const { job } = await this.client().submit(spec, requestId);
    return job.id;
  }

  /**
   * Polls GetJob (bounded) until the job reaches a terminal state. Calls that fail (say, while the
   * coordinator restarts) are retried until the deadline.
   */
  async waitJobEnd(jobId: string, timeoutMs = 60_000): Promise<JobEnd> {
    const client = this.client();
    const job = await waitFor(
      `job ${jobId} to end`,
      async () => {
        const j = await client.getJob(jobId);
        return TERMINAL.includes(String(j.state)) ? j : undefined;
      },
      timeoutMs,
      50,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.tails()}`);
    });
    return { job, fingerprint: job.fingerprint };
  }

  /** Polls GetJob (bounded) until `pred` holds for the job; returns that view of it. */
  async waitJob(
    jobId: string,
    what: string,
    pred: (j: JobInfo) => boolean,
    timeoutMs = 30_000,
  ): Promise<JobInfo> {
    const client = this.client();
    return waitFor(
      `job ${jobId}: ${what}`,
      async () => {
        const j = await client.getJob(jobId);
        if (TERMINAL.includes(String(j.state)) && !pred(j)) {
          throw new Error(`job ended (${j.state}, iteration ${j.iteration}) before ${what}`);
        }
        return pred(j) ? j : undefined;
      },
      timeoutMs,
      15,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.tails()}`);
    });
  }

  /**
   * Freezes `worker` (SIGSTOP) so that it holds a task of `jobId`: a frozen worker that is still given
   * tasks stalls the job within a step (with a lease and straggler threshold far longer than the wait),
   * so once the iteration has not moved for `stableMs` the worker holds at least one task. Returns that
   * iteration; the caller sends SIGCONT.
   */
  async freezeHoldingTask(worker: Proc, jobId: string, stableMs = 1500, timeoutMs = 30_000): Promise<number> {
    worker.kill('SIGSTOP');
    const client = this.client();
    const end = Date.now() + timeoutMs;
    let last = (await client.getJob(jobId)).iteration;
    let since = Date.now();
    while (Date.now() < end) {
      await sleep(100);
      const now = await client.getJob(jobId);
      if (TERMINAL.includes(String(now.state)))
        throw new Error(`job ${jobId} ended while ${worker.name} was frozen`);
      if (now.iteration !== last) {
        last = now.iteration;
        since = Date.now();
      } else if (Date.now() - since >= stableMs) {
        return last;
      }
    }
    throw new Error(`job ${jobId} never stalled on the frozen ${worker.name}\n${this.tails()}`);
  }

  /** The stderr/stdout tails of every process, for failure messages. */
  tails(): string {
    return this.procs.map((p) => p.tail()).join('\n');
  }

  /** Kills every process (SIGCONT first for stopped ones), closes clients, removes the directories. */
  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await Promise.all(this.procs.map((p) => p.destroy()));
    const left = this.procs.filter((p) => p.alive).map((p) => `${p.name} (pid ${p.pid})`);
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.scratch, { recursive: true, force: true });
    if (left.length > 0) throw new Error(`processes still alive after cleanup: ${left.join(', ')}`);
  }

  private requireCoordinator(): CoordinatorProc {
    if (!this.coordinator) throw new Error('no coordinator started');
    return this.coordinator;
  }

  private track<P extends Proc>(p: P): P {
    this.procs.push(p);
    return p;
  }
}

/**
 * The fingerprint of `gradpool train <spec> --json --backend gpujs-cpu` in a child process (the
 * in-process reference run), computed once per spec.
 */
export function referenceFingerprint(spec: object, timeoutMs = 60_000): Promise<string> {
  const key = JSON.stringify(spec);
  let p = referenceCache.get(key);
  if (!p) {
    p = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gp-e2e-ref-'));
      const file = join(dir, 'spec.json');
      writeFileSync(file, key);
      const proc = new Proc('gradpool train', ['train', file, '--json', '--backend', BACKEND]);
      try {
        const ok = await settlesWithin(proc.exited, timeoutMs);
        if (!ok) throw new Error(`gradpool train did not end within ${timeoutMs} ms\n${proc.tail()}`);
        const done = proc.events().find((e) => e.type === 'done');
        if (proc.code !== 0 || !done || done.status !== 'finished' || typeof done.fingerprint !== 'string') {
          throw new Error(`gradpool train failed\n${proc.tail()}`);
        }
        return done.fingerprint;
      } finally {
        await proc.destroy();
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    referenceCache.set(key, p);
    p.catch(() => referenceCache.delete(key));
  }
  return p;
}

/** A small MLP job with dropout that runs in a few seconds (36 iterations of 4 shards). */
export function smallSpec(seed: number, overrides: { epochs?: number; subset?: number } = {}): object {
  return {
    name: `e2e-${seed}`,
    data: { subset: overrides.subset ?? 600, split: { val: 0.05, test: 0.05 } },
    model: {
      input: [784],
      layers: [{ affine: 32 }, 'relu', { dropout: 0.8 }, { affine: 10 }],
      loss: 'softmax',
      init: 'he',
    },
    train: {
      epochs: overrides.epochs ?? 3,
      batchSize: 50,
      shards: 4,
      seed,
      learningRate: 0.05,
      update: 'momentum',
    },
  };
}

/**
 * Mocha hooks for the enclosing describe: a new Cluster before each test (handed to `set`), the processes'
 * log tails printed when the test failed, and cleanup after it.
 */
export function clusterPerTest(set: (c: Cluster) => void): void {
  let cluster: Cluster;
  beforeEach(() => set((cluster = new Cluster())));
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.tails());
    await cluster.cleanup();
  });
}
