/**
 * Coordinator faults with workers on separate hosts: kill -9 right after a job was accepted, between
 * checkpoints, and during a checkpoint write; SIGTERM and restart; corrupted checkpoints; a full data
 * directory. Every accepted job must finish with the fingerprint of the fault-free run.
 */
import { strict as assert } from 'node:assert';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeState } from '../../src/coordinator/checkpoint-store';
import { GradpoolError } from '../../src/shared/errors';
import { matches, referenceFingerprint, smallSpec, waitFor, type Proc } from '../helpers/cluster';
import { sh } from '../helpers/netns';
import { at, FaultEnv } from './fault-env';
import { pass, scenario, type FaultRow } from './report';
import { faultSuite } from './suite';

/** Checkpoint files of a job, newest first. */
function checkpoints(dataDir: string, jobId: string): { file: string; iteration: number }[] {
  const dir = join(dataDir, 'checkpoints', jobId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => /^ckpt-(\d+)\.bin$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: join(dir, m[0]), iteration: Number(m[1]) }))
    .sort((a, b) => b.iteration - a.iteration);
}

/** Temp files (interrupted or in-flight atomic writes) under the data directory. */
function temps(dataDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.tmp')) out.push(join(d, e.name));
    }
  };
  if (existsSync(dataDir)) walk(dataDir);
  return out;
}

/** Flips one bit in every 64th byte of the second half of `file` (the checksum no longer matches). */
function flipBits(file: string): void {
  const b = readFileSync(file);
  for (let i = Math.floor(b.length / 2); i < b.length; i += 64) b[i] ^= 0x10;
  writeFileSync(file, b);
}

/** A spec whose checkpoints are large enough (about 2.4 MB) that a write takes a while to land. */
function bigSpec(seed: number): object {
  const s = smallSpec(seed, { epochs: 2 }) as { model: object };
  return { ...s, model: { ...s.model, layers: [{ affine: 256 }, 'relu', { dropout: 0.8 }, { affine: 10 }] } };
}

describe('fault suite: the coordinator', function () {
  let env: FaultEnv;
  let mounted: string | null = null;

  faultSuite((e) => (env = e), {
    afterCleanup: async () => {
      if (mounted) {
        await sh('umount', ['-l', mounted]).catch(() => {});
        rmSync(mounted, { recursive: true, force: true });
        mounted = null;
      }
    },
  });

  /** Milliseconds from `t0` until `worker` logged that its stream to the coordinator ended. */
  async function workerNoticed(worker: Proc, t0: number): Promise<number> {
    const line = await waitFor(
      `${worker.name} to notice the coordinator is gone`,
      () =>
        worker.logs().find((l) => l.msg === 'stream to coordinator ended; reconnecting' && at(l) >= t0 - 5),
      30_000,
    );
    return Math.max(0, at(line) - t0);
  }

  /** Kills the coordinator (-9), notes when a worker noticed, restarts it on the same port. */
  async function crashAndRestart(row: FaultRow, worker: Proc, opts: { checkpointEvery?: number } = {}) {
    const first = env.coordinator;
    const t0 = Date.now();
    first.kill('SIGKILL');
    row.faults++;
    await first.waitExit(10_000);
    row.detectionMs ??= await workerNoticed(worker, t0);
    const second = await env.startCoordinator({ port: first.port, ...opts });
    return { t0, second };
  }

  it('kill -9 right after a job was accepted: the job is not lost', async () => {
    const row = scenario(
      'coordinator kill -9 right after SubmitJob returned',
      'job record durable; runs after restart; fault-free fingerprint',
    );
    const spec = smallSpec(201, { epochs: 2 });
    const { jobId, workers } = await env.startJob(row, spec, 'accepted', ['a', 'b']);
    const [a] = workers;
    const { t0, second } = await crashAndRestart(row, a);
    const started = await second
      .waitForLog('job started', { jobId }, 30_000)
      .catch(() => second.waitForLog('job resumed', { jobId }, 1000));
    await env.progressPast(jobId, Number(started.iteration));
    row.recoveryMs = Date.now() - t0;
    await env.finishes(row, jobId, spec);
    assert.deepEqual(
      (await env.cluster.client().listJobs()).map((j) => j.id),
      [jobId],
    );
    row.observed = `job ${String(started.msg === 'job started' ? 'started from scratch' : 'resumed')} after the restart (iteration ${String(started.iteration)}); fault-free fingerprint`;
    pass(row);
  });

  it('kill -9 between checkpoints: both jobs resume from their newest checkpoint', async () => {
    const row = scenario(
      'coordinator kill -9 mid-epoch, 2 jobs',
      'resume from newest checkpoint; fault-free fingerprints',
    );
    const specA = smallSpec(202, { epochs: 4 });
    const specB = smallSpec(203, { epochs: 2 });
    void referenceFingerprint(specA);
    void referenceFingerprint(specB);
    await env.startCoordinator({ checkpointEvery: 5 });
    const [a] = await env.startWorkers(['a', 'b']);
    const jobA = await env.cluster.submit(specA, 'mid-a');
    const jobB = await env.cluster.submit(specB, 'mid-b');
    row.jobsAccepted = 2;
    await env.cluster.waitJob(
      jobA,
      'a checkpoint and iteration >= 7',
      (j) => j.iteration >= 7 && checkpoints(env.cluster.dataDir, jobA).length > 0,
    );
    const { t0, second } = await crashAndRestart(row, a, { checkpointEvery: 5 });
    const newest = checkpoints(env.cluster.dataDir, jobA)[0];
    const resumed = await second.waitForLog('job resumed', { jobId: jobA }, 30_000);
    assert.equal(resumed.iteration, newest.iteration);
    await env.progressPast(jobA, newest.iteration);
    row.recoveryMs = Date.now() - t0;
    await env.finishes(row, jobA, specA);
    const rowB = { ...row, jobsLost: 0 };
    await env.finishes(rowB, jobB, specB);
    row.jobsLost += rowB.jobsLost;
    row.observed = `job A resumed at its checkpoint (iteration ${newest.iteration}), B resumed or restarted; both fault-free fingerprints`;
    pass(row);
  });

  it('kill -9 during a checkpoint write: the torn temp file is ignored and removed, the previous checkpoint used', async () => {
    const row = scenario(
      'coordinator kill -9 during a checkpoint write (temp file present)',
      'previous valid checkpoint used; temp removed; fault-free fingerprint',
    );
    const spec = bigSpec(204);
    const { jobId, workers } = await env.startJob(row, spec, 'torn', ['a', 'b'], { checkpointEvery: 1 });
    const [a] = workers;
    const dir = join(env.cluster.dataDir, 'checkpoints', jobId);
    let torn: string | null = null;
    let t0 = 0;
    for (let attempt = 1; attempt <= 5 && torn === null; attempt++) {
      // Two complete checkpoints first, so that one survives the torn write.
      await waitFor('two checkpoints', () => checkpoints(env.cluster.dataDir, jobId).length >= 2, 60_000);
      const coordinator = env.coordinator;
      const seen = await new Promise<string | null>((resolve) => {
        const w = watch(dir, (_event, name) => {
          if (!name || !name.endsWith('.tmp') || !name.startsWith('.ckpt-')) return;
          coordinator.kill('SIGKILL'); // at once, in the watcher's callback
          t0 = Date.now();
          w.close();
          resolve(existsSync(join(dir, name)) ? join(dir, name) : null);
        });
        const giveUp = setTimeout(() => {
          w.close();
          resolve(null);
        }, 60_000);
        w.on('close', () => clearTimeout(giveUp));
      });
      row.faults++;
      await coordinator.waitExit(10_000);
      if (seen && existsSync(seen)) torn = seen;
      if (torn === null) {
        // The rename won the race: count it as a kill right after a checkpoint, and try again.
        await env.startCoordinator({ port: coordinator.port, checkpointEvery: 1 });
      }
    }
    assert.ok(torn, 'never killed the coordinator while a checkpoint temp file existed');
    row.detectionMs = await workerNoticed(a, t0);
    const valid = checkpoints(env.cluster.dataDir, jobId)[0];
    assert.ok(valid, 'no complete checkpoint before the torn one');
    decodeState(readFileSync(valid.file)); // the newest complete checkpoint verifies
    const second = await env.startCoordinator({ port: env.coordinator.port, checkpointEvery: 1 });
    const resumed = await second.waitForLog('job resumed', { jobId }, 30_000);
    assert.equal(resumed.iteration, valid.iteration);
    await env.progressPast(jobId, valid.iteration);
    row.recoveryMs = Date.now() - t0;
    await second.waitForLog('temp file of an interrupted write removed', { file: torn }, 60_000);
    await env.finishes(row, jobId, spec);
    assert.deepEqual(temps(env.cluster.dataDir), []);
    row.observed = `killed with ${torn.split('/').pop()} half-written (${row.faults} kill(s) to hit one); resumed at iteration ${valid.iteration}; temp removed; fault-free fingerprint`;
    pass(row);
  });

  it('SIGTERM and restart: the job resumes at the iteration it was stopped at', async () => {
    const row = scenario(
      'coordinator SIGTERM + restart',
      'exit 0; checkpoint at the current iteration; resume there; fault-free fingerprint',
    );
    const spec = smallSpec(205, { epochs: 4 });
    const { jobId, workers } = await env.startJob(row, spec, 'term', ['a', 'b'], {
      checkpointEvery: 1_000_000,
    });
    const [a] = workers;
    await env.cluster.waitJob(jobId, 'mid-epoch', (j) => j.iteration >= 14 && j.iteration % 12 >= 2);
    const first = env.coordinator;
    const t0 = Date.now();
    first.kill('SIGTERM');
    row.faults = 1;
    await first.waitExit(30_000);
    assert.equal(first.code, 0, first.tail());
    const saved = first.logs().find((l) => matches(l, 'job checkpointed for shutdown', { jobId }));
    assert.ok(saved);
    const stopped = first.logs().find((l) => l.msg === 'coordinator stopped');
    assert.ok(stopped);
    row.detectionMs = at(stopped) - t0; // time to a clean stop
    assert.equal(checkpoints(env.cluster.dataDir, jobId)[0].iteration, saved.iteration);
    void a;
    const second = await env.startCoordinator({ port: first.port });
    const resumed = await second.waitForLog('job resumed', { jobId }, 30_000);
    assert.equal(resumed.iteration, saved.iteration);
    await env.progressPast(jobId, Number(saved.iteration));
    row.recoveryMs = Date.now() - t0;
    await env.finishes(row, jobId, spec);
    row.observed = `stopped cleanly (exit 0) in ${row.detectionMs} ms with a checkpoint at iteration ${String(saved.iteration)}; resumed there; fault-free fingerprint`;
    pass(row);
  });

  it('corrupted checkpoints: the newest falls back to the previous; with none valid the job starts over', async () => {
    const row = scenario(
      'corrupted checkpoint (bit flips), then all checkpoints corrupted',
      'fallback to previous, then restart from scratch; fault-free fingerprint',
    );
    const spec = smallSpec(206, { epochs: 4 });
    const { jobId, workers } = await env.startJob(row, spec, 'corrupt', ['a', 'b'], { checkpointEvery: 4 });
    const [a] = workers;
    await env.cluster.waitJob(
      jobId,
      'two checkpoints',
      (j) => j.iteration >= 9 && checkpoints(env.cluster.dataDir, jobId).length >= 2,
    );
    let first = env.coordinator;
    first.kill('SIGKILL');
    await first.waitExit(10_000);
    const [newest, previous] = checkpoints(env.cluster.dataDir, jobId);
    flipBits(newest.file);
    row.faults = 2;
    row.badInputs = 1;
    const t0 = Date.now();
    const second = await env.startCoordinator({ port: first.port, checkpointEvery: 4 });
    const unusable = await second.waitForLog(
      'checkpoint unusable, trying the previous one',
      { jobId },
      30_000,
    );
    assert.equal(unusable.file, newest.file);
    row.detectionMs = at(unusable) - t0;
    const resumed = await second.waitForLog('job resumed', { jobId }, 30_000);
    assert.equal(resumed.iteration, previous.iteration);
    await env.progressPast(jobId, previous.iteration);
    row.recoveryMs = Date.now() - t0;

    // Now every checkpoint: the job starts from scratch and still ends with the same parameters.
    await env.cluster.waitJob(
      jobId,
      'a checkpoint past the resume',
      (j) => j.iteration > previous.iteration + 4,
    );
    first = env.coordinator;
    first.kill('SIGKILL');
    await first.waitExit(10_000);
    const all = checkpoints(env.cluster.dataDir, jobId);
    for (const c of all) flipBits(c.file);
    row.faults += 1;
    row.badInputs += all.length;
    const third = await env.startCoordinator({ port: first.port, checkpointEvery: 4 });
    await third.waitForLog('no valid checkpoint; the job starts from scratch', { jobId }, 30_000);
    const restarted = await third.waitForLog('job started', { jobId }, 30_000);
    assert.equal(restarted.iteration, 0);
    void a;
    await env.finishes(row, jobId, spec);
    row.observed = `newest rejected (checksum) in ${row.detectionMs} ms, resumed at ${previous.iteration}; with all ${all.length} corrupt: restarted at 0; fault-free fingerprint`;
    pass(row);
  });

  it('full data directory: the job pauses, new jobs are refused clearly, nothing is corrupt, and it finishes once space frees', async () => {
    const row = scenario(
      'full disk (4 MiB tmpfs data dir filled up)',
      'job paused, submit RESOURCE_EXHAUSTED, no corrupt file; finishes after space frees',
    );
    const spec = smallSpec(207, { epochs: 4 });
    void referenceFingerprint(spec);
    mounted = mkdtempSync(join(tmpdir(), 'gp-fault-disk-'));
    await sh('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mounted]);
    const dataDir = join(mounted, 'data');
    mkdirSync(dataDir);
    await env.startCoordinator({ dataDir, checkpointEvery: 2 });
    await env.startWorkers(['a', 'b']);
    const jobId = await env.cluster.submit(spec, 'disk');
    row.jobsAccepted = 1;
    await env.cluster.waitJob(jobId, 'iteration >= 4', (j) => j.iteration >= 4);
    const filler = join(mounted, 'filler');
    const t0 = Date.now();
    await sh('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']).catch(() => {}); // ends with ENOSPC
    row.faults = 1;
    const paused = await env.firstLog(t0, 'job paused', (l) =>
      matches(l, 'data directory full; job paused until space frees', { jobId }),
    );
    row.detectionMs = Math.max(0, at(paused) - t0);
    const client = env.cluster.client();
    const held = (await client.getJob(jobId)).iteration;
    await new Promise((r) => setTimeout(r, 2000));
    const still = await client.getJob(jobId);
    assert.equal(still.state, 'RUNNING');
    assert.equal(still.iteration, held, 'the job went on with a full disk');
    const refused = await client.submit(smallSpec(208), 'while-full').then(
      () => null,
      (e: unknown) => e,
    );
    row.badInputs = 1;
    assert.ok(refused instanceof GradpoolError, String(refused));
    assert.equal(refused.code, 'E_TOO_LARGE');
    assert.match(refused.message, /data directory is full/);
    const freedAt = Date.now();
    rmSync(filler);
    const back = await env.firstLog(freedAt, 'space back', (l) =>
      matches(l, 'disk space back; job continues', { jobId }),
    );
    await env.progressPast(jobId, held);
    row.recoveryMs = Date.now() - freedAt;
    await env.finishes(row, jobId, spec);
    for (const c of checkpoints(dataDir, jobId)) decodeState(readFileSync(c.file));
    assert.deepEqual(temps(dataDir), []);
    for (const f of readdirSync(join(dataDir, 'jobs')))
      JSON.parse(readFileSync(join(dataDir, 'jobs', f), 'utf8'));
    assert.equal((await client.listJobs()).length, 1, 'the refused job was not recorded');
    row.observed = `paused at iteration ${held} (state RUNNING) ${row.detectionMs} ms after the disk filled; submit refused (RESOURCE_EXHAUSTED: ${refused.message.slice(0, 60)}…); went on ${at(back) - freedAt} ms after space freed; all files verify; fault-free fingerprint`;
    pass(row);
  });
});
