/**
 * Several jobs at once, and search jobs, on a real coordinator (127.0.0.1:0) with in-process workers:
 * concurrent jobs give the parameters of their solo runs and never wait for a lease; a search survives a
 * coordinator restart without losing or repeating a trial; cancelling a search cancels its trials.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectBackend } from '../../src/backend/select';
import { Coordinator } from '../../src/coordinator/coordinator';
import type { JobRecord, StoredTrial } from '../../src/coordinator/job-store';
import type { Logger } from '../../src/shared/log';
import { parseJobSpec } from '../../src/train/job-spec';
import { runJob } from '../../src/train/run-job';
import { Worker } from '../../src/worker/worker';

const TERMINAL = ['FINISHED', 'DIVERGED', 'CANCELLED', 'FAILED'];

function mlp(seed: number, epochs: number): Record<string, unknown> {
  return {
    name: `mlp-${seed}`,
    data: { subset: 300, split: { val: 0.05, test: 0.05 } },
    model: {
      input: [784],
      layers: [{ affine: 16 }, 'relu', { dropout: 0.5 }, { affine: 10 }],
      loss: 'softmax',
    },
    train: { epochs, batchSize: 50, learningRate: 0.05, update: 'momentum', seed, shards: 2 },
  };
}

function searchSpec(epochs = 1): Record<string, unknown> {
  return {
    ...mlp(9, 5),
    name: 'search',
    search: {
      learningRate: [1e-4, 1e1],
      reg: [1e-5, 1e-1],
      concurrency: 3,
      stages: [
        { trials: 5, epochs },
        { trials: 3, epochs, keep: 2 },
      ],
    },
  };
}

/** A log that keeps every line. */
function recorder(): { log: Logger; lines: { msg: string; fields: object }[] } {
  const lines: { msg: string; fields: object }[] = [];
  return { lines, log: (_level, msg, fields = {}) => void lines.push({ msg, fields }) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('concurrent jobs and searches', function () {
  this.timeout(180_000);
  let dir: string;
  const closers: (() => Promise<void>)[] = [];
  const coordinatorLog = recorder();
  const workerLog = recorder();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-search-'));
    coordinatorLog.lines.length = 0;
    workerLog.lines.length = 0;
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A coordinator on `dir` and `workers` in-process workers. */
  async function start(workers: number, port = 0, dataDir = dir): Promise<{ c: Coordinator; port: number }> {
    const c = new Coordinator({
      dataDir,
      checkpointEvery: 3,
      shutdownGraceMs: 300,
      maxRunningJobs: 4,
      log: coordinatorLog.log,
    });
    const bound = await c.start(port);
    closers.push(() => c.close());
    for (let i = 0; i < workers; i++) {
      const w = new Worker(
        `127.0.0.1:${bound}`,
        { workerId: `w${i}-${closers.length}`, backendName: 'gpujs-cpu', threads: 1, reconnectMaxMs: 200 },
        { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: workerLog.log },
      );
      await w.start();
      closers.push(() => w.close());
    }
    return { c, port: bound };
  }

  async function stopAll(): Promise<void> {
    for (const close of closers.splice(0).reverse()) await close();
  }

  const ended = (c: Coordinator, id: string) =>
    until(`job ${id} to end`, () => {
      const j = c.getJob(id);
      return TERMINAL.includes(j.state) ? j : undefined;
    });

  it('trains 4 jobs at once on 2 workers, each bit-identical to its solo run, without waiting on a lease', async () => {
    const specs = [21, 22, 23, 24].map((seed) => mlp(seed, 3));
    const backend = selectBackend('gpujs-cpu', () => {});
    const want: string[] = [];
    for (const s of specs) want.push((await runJob(parseJobSpec(s), backend, () => {})).fingerprint);
    await backend.close();

    const { c } = await start(2);
    const ids: string[] = [];
    for (const [i, s] of specs.entries()) ids.push((await c.submit(JSON.stringify(s), `job-${i}`)).job.id);
    const jobs: JobRecord[] = [];
    for (const id of ids) jobs.push(await ended(c, id));
    assert.deepEqual(
      jobs.map((j) => j.state),
      ['FINISHED', 'FINISHED', 'FINISHED', 'FINISHED'],
    );
    assert.deepEqual(
      jobs.map((j) => j.fingerprint),
      want,
    );
    // All four ran at the same time: each started before any other ended.
    const firstEnd = Math.min(...jobs.map((j) => j.updatedMs));
    for (const j of jobs) assert.ok(j.startedMs! <= firstEnd, `${j.id} started after another job ended`);
    // The workers always had the parameters of the task they got: no task waited for its lease.
    assert.deepEqual(
      coordinatorLog.lines.filter((l) => /lease expired|re-issued/.test(l.msg)),
      [],
    );
    assert.deepEqual(
      workerLog.lines.filter((l) => /no parameters/.test(l.msg)),
      [],
    );
  });

  it('finishes a search stopped mid-way after a restart with the trials of an uninterrupted run, none twice', async () => {
    // Uninterrupted.
    const cleanDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-search-clean-'));
    closers.push(async () => fs.rmSync(cleanDir, { recursive: true, force: true }));
    const clean = await start(2, 0, cleanDir);
    const { job: cleanJob } = await clean.c.submit(JSON.stringify(searchSpec(2)), 'clean');
    const want = await ended(clean.c, cleanJob.id);
    assert.equal(want.state, 'FINISHED', want.message);
    await stopAll();

    // Stopped after two trials ended, with others running, and restarted on the same port.
    const first = await start(2);
    const { job } = await first.c.submit(JSON.stringify(searchSpec(2)), 's');
    await until('two trials to end', () => (first.c.getJob(job.id).trials ?? []).length >= 2);
    await stopAll();
    const stopped = JSON.parse(
      fs.readFileSync(path.join(dir, 'jobs', `${job.id}.json`), 'utf8'),
    ) as JobRecord;
    assert.equal(stopped.state, 'RUNNING');
    assert.ok(stopped.trials!.length < 8);
    const inFlight = fs
      .readdirSync(path.join(dir, 'jobs'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'jobs', f), 'utf8')) as JobRecord)
      .filter((j) => j.parentId === job.id && !TERMINAL.includes(j.state));
    assert.ok(inFlight.length > 0, 'no trial was in flight when the coordinator stopped');

    const second = await start(2, first.port);
    const got = await ended(second.c, job.id);
    assert.equal(got.state, 'FINISHED', got.message);
    const key = (t: StoredTrial) => `${t.stage}/${t.trial}`;
    const strip = (t: StoredTrial) => ({ key: key(t), values: t.values, valAcc: t.valAcc, state: t.state });
    const byKey = (ts: readonly StoredTrial[]) =>
      [...ts].sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(strip);
    assert.equal(got.trials!.length, 8);
    assert.equal(new Set(got.trials!.map(key)).size, 8, 'a trial was recorded twice');
    assert.deepEqual(byKey(got.trials!), byKey(want.trials!));
    assert.equal(got.search!.bestSpecJson, want.search!.bestSpecJson);
    assert.deepEqual(got.search!.stageRanges, want.search!.stageRanges);
    const children = second.c.listJobs().filter((j) => j.parentId === job.id);
    assert.equal(children.length, 8, 'a trial job was created twice');
    // The search's model is its best trial's: ExportModel works on the search job.
    const exported = await second.c.exportModel(job.id);
    assert.equal(exported.names.length, 4);
  });

  it('cancels the running and queued trials of a cancelled search, and starts no more', async () => {
    const { c } = await start(2);
    const { job } = await c.submit(JSON.stringify(searchSpec(30)), 'cancel-me');
    await until(
      'trials to run',
      () => c.listJobs().filter((j) => j.parentId === job.id && j.state === 'RUNNING').length >= 2,
    );
    const view = await c.cancelJob(job.id);
    assert.equal(view.state, 'CANCELLED');
    const children = c.listJobs().filter((j) => j.parentId === job.id);
    assert.equal(children.length, 3, 'concurrency 3: three trials were created');
    for (const ch of children) assert.equal(ch.state, 'CANCELLED', `${ch.id} is ${ch.state}`);
    await sleep(300);
    assert.equal(
      c.listJobs().filter((j) => j.parentId === job.id).length,
      3,
      'a trial started after the cancel',
    );
  });
});
