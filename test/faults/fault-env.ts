/**
 * One fault scenario's world: a coordinator in the root namespace bound to 0.0.0.0, and workers on hosts
 * of their own (network namespaces joined by veth pairs, see ../helpers/netns.ts) that dial it through
 * their veth. Built on the e2e Cluster (processes, logs, bounded waits) and torn down completely by
 * cleanup(), even after a failure.
 */
import { strict as assert } from 'node:assert';
import {
  Cluster,
  referenceFingerprint,
  TERMINAL,
  waitFor,
  type CoordinatorOptions,
  type CoordinatorProc,
  type LogLine,
  type Proc,
} from '../helpers/cluster';
import { NetLab, type Host } from '../helpers/netns';
import type { FaultRow } from './report';

/** Milliseconds since the epoch of a log line's timestamp. */
export const at = (l: LogLine): number => Date.parse(l.ts);

/** A scenario's coordinator, hosts and workers. */
export class FaultEnv {
  readonly cluster = new Cluster();
  readonly lab = new NetLab();
  readonly hosts = new Map<string, Host>();
  readonly workers = new Map<string, Proc>();

  /** Starts the coordinator (bound to 0.0.0.0 so that every host reaches it, with /metrics). */
  startCoordinator(opts: CoordinatorOptions = {}): Promise<CoordinatorProc> {
    return this.cluster.startCoordinator({ host: '0.0.0.0', metricsPort: 0, ...opts });
  }

  /**
   * A scenario's start: the fault-free reference run of `spec` begins in the background (finishes()
   * awaits it), the coordinator starts with `opts`, workers `workerIds` start on hosts of their own, and
   * `spec` is submitted as `requestId` and counted in `row` as accepted.
   */
  async startJob(
    row: FaultRow,
    spec: object,
    requestId: string,
    workerIds: readonly string[],
    opts: CoordinatorOptions = {},
  ): Promise<{ jobId: string; workers: Proc[] }> {
    void referenceFingerprint(spec);
    await this.startCoordinator(opts);
    const workers = await this.startWorkers(workerIds);
    const jobId = await this.cluster.submit(spec, requestId);
    row.jobsAccepted = 1;
    return { jobId, workers };
  }

  /** A sample of the current coordinator's /metrics (e.g. `gradpool_reissued_tasks_total`). */
  async metric(name: string): Promise<number> {
    const url = this.coordinator.metricsUrl;
    if (!url) throw new Error('the coordinator serves no metrics');
    const text = await (await fetch(url)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (line === undefined) throw new Error(`no metric ${name}`);
    return Number(line.slice(name.length + 1));
  }

  get coordinator(): CoordinatorProc {
    if (!this.cluster.coordinator) throw new Error('no coordinator started');
    return this.cluster.coordinator;
  }

  /** Starts workers, each on a host of its own, and waits until the coordinator has registered them. */
  async startWorkers(ids: readonly string[], extraArgs: readonly string[] = []): Promise<Proc[]> {
    const procs: Proc[] = [];
    for (const id of ids) procs.push(await this.startWorker(id, extraArgs));
    await Promise.all(ids.map((id) => this.cluster.waitRegistered(id, 30_000)));
    return procs;
  }

  /** Starts a worker on its own host (created on first use), dialing the coordinator over the veth. */
  async startWorker(id: string, extraArgs: readonly string[] = []): Promise<Proc> {
    let host = this.hosts.get(id);
    if (!host) {
      host = await this.lab.addHost(id);
      this.hosts.set(id, host);
    }
    const proc = this.cluster.startWorker(id, `${host.gatewayIp}:${this.coordinator.port}`, {
      netns: host.netns,
      extraArgs,
    });
    this.workers.set(id, proc);
    return proc;
  }

  host(id: string): Host {
    const h = this.hosts.get(id);
    if (!h) throw new Error(`no host ${id}`);
    return h;
  }

  /** The first coordinator log line at or after `sinceMs` for which `pred` holds (bounded wait). */
  firstLog(
    sinceMs: number,
    what: string,
    pred: (l: LogLine) => boolean,
    timeoutMs = 60_000,
  ): Promise<LogLine> {
    const proc = this.coordinator;
    return waitFor(
      `coordinator log: ${what}`,
      () => proc.logs().find((l) => at(l) >= sinceMs && pred(l)),
      timeoutMs,
      20,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.cluster.tails()}`);
    });
  }

  /** Waits until job `jobId` has passed `iteration`; returns when (Date.now()) it was seen. */
  async progressPast(jobId: string, iteration: number, timeoutMs = 90_000): Promise<number> {
    await this.cluster.waitJob(jobId, `iteration > ${iteration}`, (j) => j.iteration > iteration, timeoutMs);
    return Date.now();
  }

  /** Waits for the end of `jobId`, checks the fingerprint, and fills the row's job columns. */
  async finishes(row: FaultRow, jobId: string, spec: object): Promise<void> {
    const end = await this.cluster.waitJobEnd(jobId, 180_000);
    const reference = await referenceFingerprint(spec);
    row.jobsLost = end.job.state === 'FINISHED' && end.fingerprint === reference ? 0 : 1;
    assert.equal(end.job.state, 'FINISHED', end.job.message);
    assert.equal(end.fingerprint, reference);
  }

  /** The job's current iteration (retrying while the coordinator restarts). */
  async iteration(jobId: string): Promise<number> {
    const client = this.cluster.client();
    return waitFor(`job ${jobId}`, async () => (await client.getJob(jobId)).iteration, 30_000);
  }

  /** Ends every process, then removes the namespaces, veths and nftables rules; reports both failures. */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    await this.cluster.cleanup().catch((e: Error) => errors.push(e.message));
    await this.lab.cleanup().catch((e: Error) => errors.push(e.message));
    if (errors.length > 0) throw new Error(errors.join('\n'));
  }
}

export { TERMINAL };
