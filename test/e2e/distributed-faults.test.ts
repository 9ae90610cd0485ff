/**
 * Faults against real coordinator and worker processes (from dist/, on 127.0.0.1 port 0): SIGKILL of a
 * worker and of the coordinator mid-job, a corrupt newest checkpoint, a frozen (SIGSTOP) worker, and a
 * rogue worker speaking the wire protocol with garbage. Every job must still end with the fingerprint of
 * the fault-free in-process run.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  Cluster,
  matches,
  referenceFingerprint,
  settlesWithin,
  smallSpec,
  waitFor,
  type LogLine,
} from '../helpers/cluster';
import { ROGUE_MODES, RogueWorker } from '../helpers/rogue-worker';

/** Checkpoint files of a job, newest first (see src/coordinator/checkpoint-store.ts for the layout). */
function checkpoints(dataDir: string, jobId: string): { file: string; iteration: number }[] {
  const dir = join(dataDir, 'checkpoints', jobId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^ckpt-(\d+)\.bin$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: join(dir, m[0]), iteration: Number(m[1]) }))
    .sort((a, b) => b.iteration - a.iteration);
}

/** Log lines after the first one matching `msg`/`fields` (all lines when there is none). */
function after(logs: readonly LogLine[], msg: string, fields: Record<string, unknown>): LogLine[] {
  const i = logs.findIndex((l) => matches(l, msg, fields));
  return i < 0 ? [] : logs.slice(i + 1);
}

describe('distributed faults with real processes', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let rogue: RogueWorker | null;

  beforeEach(() => {
    cluster = new Cluster();
    rogue = null;
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(cluster.tails());
    await rogue?.close();
    await cluster.cleanup();
  });

  it('finishes with the fault-free fingerprint after a worker is killed mid-epoch (SIGKILL)', async () => {
    const spec = smallSpec(21, { epochs: 4 });
    const reference = referenceFingerprint(spec);
    const coordinator = await cluster.startCoordinator();
    const [, victim] = await cluster.startWorkers(['w1', 'w2']);
    const submit = cluster.spawnCli([
      'submit',
      cluster.specFile(spec),
      '--coordinator',
      coordinator.address,
      '--watch',
      '--json',
    ]);
    const submitted = await cluster.waitJobIdOf(submit);
    // 12 iterations per epoch: kill in the middle of the first one.
    const before = await cluster.waitJob(
      submitted,
      'iteration >= 5, mid-epoch',
      (j) => j.iteration >= 5 && j.iteration % 12 >= 2 && j.iteration % 12 <= 10,
    );
    victim.kill('SIGKILL');
    await victim.waitExit(5000);
    assert.equal(before.state, 'RUNNING');
    assert.ok(before.iteration % 12 !== 0, `iteration ${before.iteration} is at an epoch boundary`);

    await cluster.finish(submit);
    const done = submit.events().find((e) => e.type === 'done');
    assert.equal(done?.status, 'finished', submit.tail());
    assert.equal(done?.fingerprint, await reference);
    assert.equal(victim.signal, 'SIGKILL');
    const logs = coordinator.logs();
    const afterKill = after(logs, 'worker unregistered', { workerId: 'w2' });
    assert.ok(afterKill.length > 0, 'the coordinator did not notice the dead worker');
    const results = afterKill.filter((l) => matches(l, 'shard result received', { jobId: submitted }));
    assert.ok(results.length > 0);
    assert.ok(results.every((l) => l.workerId === 'w1'));
  });

  it('resumes both accepted jobs from their checkpoints after the coordinator is killed (SIGKILL)', async () => {
    const specA = smallSpec(31, { epochs: 4 });
    const specB = smallSpec(32);
    const refA = referenceFingerprint(specA);
    const refB = referenceFingerprint(specB);
    const first = await cluster.startCoordinator({ checkpointEvery: 5 });
    await cluster.startWorkers(['w1', 'w2']);
    const a = await cluster.submit(specA, 'restart-a');
    const b = await cluster.submit(specB, 'restart-b');
    await cluster.waitJob(a, 'a checkpoint and iteration >= 7', (j) => {
      return j.iteration >= 7 && checkpoints(cluster.dataDir, a).length > 0;
    });
    first.kill('SIGKILL');
    await first.waitExit(5000);
    const newest = checkpoints(cluster.dataDir, a)[0];
    assert.ok(newest.iteration >= 5, JSON.stringify(newest));
    assert.ok(newest.iteration < 48, 'job a had already finished');

    // Same port, so the running workers reconnect by themselves.
    const second = await cluster.startCoordinator({ port: first.port, checkpointEvery: 5 });
    const resumed = await second.waitForLog('job resumed', { jobId: a }, 15_000);
    assert.equal(resumed.iteration, newest.iteration);
    const early = await cluster.client().getJob(a);
    assert.ok(early.iteration >= newest.iteration, `iteration ${early.iteration} right after the restart`);

    const [endA, endB] = [await cluster.waitJobEnd(a), await cluster.waitJobEnd(b)];
    assert.equal(endA.job.state, 'FINISHED');
    assert.equal(endB.job.state, 'FINISHED');
    assert.equal(endA.fingerprint, await refA);
    assert.equal(endB.fingerprint, await refB);
    const ids = (await cluster.client().listJobs()).map((j) => j.id).sort();
    assert.deepEqual(ids, [a, b].sort());
    assert.ok(second.logs().some((l) => matches(l, 'worker registered', { workerId: 'w1' })));
  });

  it('falls back to the previous checkpoint when the newest is corrupt after a coordinator kill', async () => {
    const spec = smallSpec(33, { epochs: 4 });
    const reference = referenceFingerprint(spec);
    const first = await cluster.startCoordinator({ checkpointEvery: 5 });
    await cluster.startWorkers(['w1', 'w2']);
    const jobId = await cluster.submit(spec, 'corrupt');
    await cluster.waitJob(jobId, 'two checkpoints', (j) => {
      return j.iteration >= 12 && checkpoints(cluster.dataDir, jobId).length >= 2;
    });
    first.kill('SIGKILL');
    await first.waitExit(5000);
    const [newest, previous] = checkpoints(cluster.dataDir, jobId);
    truncateSync(newest.file, Math.floor(statSync(newest.file).size / 2));

    const second = await cluster.startCoordinator({ port: first.port, checkpointEvery: 5 });
    const unusable = await second.waitForLog(
      'checkpoint unusable, trying the previous one',
      { jobId },
      15_000,
    );
    assert.equal(unusable.file, newest.file);
    const loaded = await second.waitForLog('checkpoint loaded', { jobId }, 15_000);
    assert.equal(loaded.iteration, previous.iteration);
    const resumed = await second.waitForLog('job resumed', { jobId }, 15_000);
    assert.equal(resumed.iteration, previous.iteration);
    assert.ok(previous.iteration > 0);

    const end = await cluster.waitJobEnd(jobId);
    assert.equal(end.job.state, 'FINISHED');
    assert.equal(end.fingerprint, await reference);
  });

  it('re-issues the shards of a frozen worker (SIGSTOP) and stops giving it work', async () => {
    const spec = smallSpec(41);
    const reference = referenceFingerprint(spec);
    const coordinator = await cluster.startCoordinator({ leaseMs: 1500 });
    const [, frozen] = await cluster.startWorkers(['w1', 'w2']);
    const jobId = await cluster.submit(spec, 'frozen');
    await cluster.waitJob(jobId, 'iteration >= 4', (j) => j.iteration >= 4);
    frozen.kill('SIGSTOP');
    const stoppedAt = coordinator.logs().length;

    const end = await cluster.waitJobEnd(jobId, 60_000);
    assert.equal(end.job.state, 'FINISHED');
    assert.equal(end.fingerprint, await reference);
    assert.ok(frozen.alive, 'the frozen worker died');
    const logs = coordinator.logs().slice(stoppedAt);
    // Its task went to the other worker (duplicated after leaseMs / 2, or re-issued at the deadline) ...
    const reissued = logs.filter(
      (l) =>
        (matches(l, 'straggling task duplicated', { workerId: 'w1' }) &&
          (l.holders as string[]).includes('w2')) ||
        matches(l, 'lease expired; task re-issued', { workerId: 'w2' }),
    );
    assert.ok(reissued.length >= 1, 'no task of the frozen worker was re-issued');
    // ... and it was not handed a new task every step (each would wait leaseMs / 2 for its duplicate): only
    // the tasks it held when it froze (at most the scheduler's 2 in flight per worker) were re-issued.
    assert.ok(
      logs.some((l) =>
        matches(l, 'worker unresponsive; no new tasks until it is heard from', { workerId: 'w2' }),
      ),
    );
    const tasks = new Set(reissued.map((l) => String(l.task)));
    assert.ok(tasks.size <= 2, `tasks of the frozen worker re-issued: ${[...tasks].join(', ')}`);
    // Thawed, it is eligible again: its heartbeats reach the coordinator, or (when its keepalive gave the
    // stream up while it was frozen) it reconnects.
    frozen.kill('SIGCONT');
    await waitFor(
      'the thawed worker to be responsive again',
      () =>
        coordinator
          .logs()
          .slice(stoppedAt)
          .find(
            (l) =>
              matches(l, 'worker responsive again', { workerId: 'w2' }) ||
              matches(l, 'worker registered', { workerId: 'w2' }),
          ),
      15_000,
    );
  });

  it('drops a rogue worker that sends garbage, and the job still gives the fault-free fingerprint', async () => {
    const spec = smallSpec(51);
    const reference = referenceFingerprint(spec);
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['honest']);
    rogue = new RogueWorker(coordinator.address, 'rogue');
    await cluster.waitRegistered('rogue');
    const jobId = await cluster.submit(spec, 'rogue');

    const status = await settlesWithin(rogue.ended, 60_000);
    assert.ok(status, `the rogue worker was not dropped; it sent ${rogue.sent.join(', ')}`);
    const ended = await rogue.ended;
    assert.equal(grpc.status[ended.code], 'FAILED_PRECONDITION', ended.details);
    assert.match(ended.details, /3 invalid results/);
    for (const mode of ROGUE_MODES) assert.ok(rogue.sent.includes(mode), `never sent ${mode}`);

    const end = await cluster.waitJobEnd(jobId);
    assert.equal(end.job.state, 'FINISHED');
    assert.equal(end.fingerprint, await reference);
    const logs = coordinator.logs();
    const problems = logs
      .filter((l) => matches(l, 'invalid result rejected; task re-issued', { workerId: 'rogue' }))
      .map((l) => String(l.problem));
    assert.ok(
      problems.some((p) => /grads\[0\] has \d+ values/.test(p)),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => /is NaN/.test(p)),
      problems.join('; '),
    );
    assert.ok(logs.some((l) => matches(l, 'stale or duplicate result ignored', { workerId: 'rogue' })));
    assert.ok(logs.some((l) => matches(l, 'worker dropped after invalid results', { workerId: 'rogue' })));
    assert.ok(coordinator.alive);
  });
});
