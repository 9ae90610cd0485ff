/**
 * Worker faults, each worker on a host of its own (network namespace + veth): kill -9, SIGTERM, a freeze
 * (SIGSTOP), a network partition and its healing, a straggler, and a rogue worker sending garbage. Every
 * job must finish with the fingerprint of the fault-free in-process run.
 */
import { strict as assert } from 'node:assert';
import { matches, referenceFingerprint, smallSpec, type LogLine } from '../helpers/cluster';
import { ROGUE_MODES, RogueWorker } from '../helpers/rogue-worker';
import { at, FaultEnv } from './fault-env';
import { pass, scenario, type FaultRow } from './report';
import { faultSuite } from './suite';

/** True when `l` shows the coordinator taking a task away from `workerId` (re-issue or duplicate). */
function tookTaskFrom(l: LogLine, workerId: string): boolean {
  return (
    matches(l, 'lease expired; task re-issued', { workerId }) ||
    (matches(l, 'straggling task duplicated') && (l.holders as string[]).includes(workerId)) ||
    matches(l, 'worker unregistered', { workerId }) ||
    matches(l, 'worker draining; no new tasks', { workerId })
  );
}

describe('fault suite: workers on separate hosts', function () {
  let env: FaultEnv;
  let rogue: RogueWorker | null = null;

  faultSuite((e) => (env = e), {
    beforeCleanup: async () => {
      await rogue?.close();
      rogue = null;
    },
  });

  /** Once `jobId` is past iteration 4, injects one fault (counted in `row`); returns when (Date.now()). */
  async function faultMidEpoch(row: FaultRow, jobId: string, inject: () => unknown): Promise<number> {
    await env.cluster.waitJob(jobId, 'iteration >= 5', (j) => j.iteration >= 5);
    const t0 = Date.now();
    await inject();
    row.faults = 1;
    return t0;
  }

  /** Detection (fault → first reaction in the coordinator's log) and recovery (fault → a step after it). */
  async function measure(
    row: FaultRow,
    jobId: string,
    t0: number,
    what: string,
    pred: (l: LogLine) => boolean,
  ) {
    const seen = await env.firstLog(t0, what, pred);
    row.detectionMs = at(seen) - t0;
    const moved = await env.progressPast(jobId, await env.iteration(jobId));
    row.recoveryMs = moved - t0;
    return seen;
  }

  it('worker kill -9 mid-epoch: its shards are re-issued and the job finishes', async () => {
    const row = scenario('worker kill -9 (SIGKILL) mid-epoch', 'shards re-issued; fault-free fingerprint');
    const spec = smallSpec(101, { epochs: 4 });
    const { jobId, workers } = await env.startJob(row, spec, 'kill9', ['a', 'b', 'c']);
    const [, , victim] = workers;
    const t0 = await faultMidEpoch(row, jobId, () => victim.kill('SIGKILL'));
    await measure(row, jobId, t0, 'c unregistered', (l) =>
      matches(l, 'worker unregistered', { workerId: 'c' }),
    );
    await env.finishes(row, jobId, spec);
    assert.equal(victim.signal, 'SIGKILL');
    row.observed = `c unregistered (stream reset); ${await env.metric('gradpool_reissued_tasks_total')} task(s) re-issued; FINISHED with the fault-free fingerprint`;
    pass(row);
  });

  it('worker SIGTERM: it hands back its queued shard, finishes the current one, exits 0', async () => {
    const row = scenario('worker SIGTERM (graceful)', 'exit 0; no lease waited out; fault-free fingerprint');
    const spec = smallSpec(102, { epochs: 4 });
    // A lease this long would show: any shard lost with the worker would stall the job for a minute.
    const { jobId, workers } = await env.startJob(row, spec, 'term', ['a', 'b', 'c'], { leaseMs: 60_000 });
    const [, , leaving] = workers;
    await env.cluster.waitJob(jobId, 'iteration >= 5', (j) => j.iteration >= 5);
    // Catch it holding a shard: frozen until the job stalls on it, then SIGTERM and thawed together.
    await env.cluster.freezeHoldingTask(leaving, jobId);
    leaving.kill('SIGTERM');
    const t0 = Date.now();
    leaving.kill('SIGCONT');
    row.faults = 1;
    await measure(row, jobId, t0, 'c draining or gone', (l) => tookTaskFrom(l, 'c'));
    await leaving.waitExit(30_000);
    assert.equal(leaving.code, 0, leaving.tail());
    await env.finishes(row, jobId, spec);
    const logs = env.coordinator.logs().filter((l) => at(l) >= t0);
    assert.ok(!logs.some((l) => l.msg === 'lease expired; task re-issued'), 'a lease was waited out');
    const handedBack = logs.filter(
      (l) => l.msg === 'task handed back by a draining worker; re-issued',
    ).length;
    const finished = logs.filter((l) => matches(l, 'shard result received', { workerId: 'c' })).length;
    // What it held when signalled was either finished (result accepted) or handed back (re-issued at once).
    assert.ok(finished + handedBack >= 1, 'the task c held was neither finished nor handed back');
    row.observed = `c exited 0; ${finished} result(s) of c accepted after the signal, ${handedBack} task(s) handed back and re-issued at once; no lease expired; fault-free fingerprint`;
    pass(row);
  });

  it('worker frozen (SIGSTOP): its shards go elsewhere, it gets no new work, and it is used again once thawed', async () => {
    const row = scenario(
      'worker frozen (SIGSTOP)',
      'lease expiry/duplication; fault-free fingerprint; thawed worker used again',
    );
    const spec = smallSpec(103, { epochs: 4 });
    const { jobId, workers } = await env.startJob(row, spec, 'stop', ['a', 'b', 'c'], { leaseMs: 2000 });
    const [, , frozen] = workers;
    const t0 = await faultMidEpoch(row, jobId, () => frozen.kill('SIGSTOP'));
    await measure(row, jobId, t0, 'a task taken from c', (l) => tookTaskFrom(l, 'c'));
    await env.finishes(row, jobId, spec);
    assert.ok(frozen.alive);
    const logs = env.coordinator.logs().filter((l) => at(l) >= t0);
    const taken = new Set(logs.filter((l) => tookTaskFrom(l, 'c') && l.task).map((l) => String(l.task)));
    assert.ok(taken.size <= 2, `tasks taken from the frozen worker: ${[...taken].join(', ')}`);
    const thawAt = Date.now();
    frozen.kill('SIGCONT');
    await env.firstLog(
      thawAt,
      'c responsive again or reconnected',
      (l) =>
        matches(l, 'worker responsive again', { workerId: 'c' }) ||
        matches(l, 'worker registered', { workerId: 'c' }),
      30_000,
    );
    row.observed = `${taken.size} task(s) of c re-issued or duplicated, then none (unresponsive); fault-free fingerprint; c responsive again after SIGCONT`;
    pass(row);
  });

  it('network partition of a worker: the others finish the job; healed, it rejoins', async () => {
    const row = scenario(
      'network partition of a worker (nftables drop on its veth)',
      'its tasks re-issued; fault-free fingerprint; rejoins when healed',
    );
    const spec = smallSpec(104, { epochs: 12 });
    const { jobId, workers } = await env.startJob(row, spec, 'partition', ['a', 'b', 'c'], { leaseMs: 2000 });
    const [, , cut] = workers;
    const t0 = await faultMidEpoch(row, jobId, () => env.lab.partition(env.host('c')));
    await measure(row, jobId, t0, 'a task taken from c', (l) => tookTaskFrom(l, 'c'));
    // The worker's keepalive gives the stream up (about 5 s): then heal.
    await cut.waitForLog('stream to coordinator ended; reconnecting', {}, 30_000);
    const workerNoticedMs = Date.now() - t0;
    const healAt = Date.now();
    await env.lab.heal(env.host('c'));
    const back = await env.firstLog(healAt, 'c registered again', (l) =>
      matches(l, 'worker registered', { workerId: 'c' }),
    );
    const rejoinMs = at(back) - healAt;
    const stillRunning = (await env.cluster.client().getJob(jobId)).state === 'RUNNING';
    if (stillRunning) {
      await env.firstLog(at(back), 'a result from the rejoined c', (l) =>
        matches(l, 'shard result received', { workerId: 'c', jobId }),
      );
    }
    await env.finishes(row, jobId, spec);
    assert.ok(cut.alive);
    row.observed =
      `tasks of c re-issued after ${row.detectionMs} ms; c's keepalive dropped the stream after ${workerNoticedMs} ms; ` +
      `healed: c re-registered after ${rejoinMs} ms${stillRunning ? ' and computed shards again' : ''}; fault-free fingerprint`;
    pass(row);
  });

  it('a straggler: its shard is duplicated to an idle worker, the first result wins, its late one is ignored', async () => {
    const row = scenario(
      'straggler (paused 4.5 s, under its 6 s lease)',
      'duplicate wins; late result ignored; fault-free fingerprint',
    );
    const spec = smallSpec(105, { epochs: 4 });
    // A 6 s lease: straggler threshold 3 s.
    const { jobId, workers } = await env.startJob(row, spec, 'straggler', ['a', 'b', 'c'], { leaseMs: 6000 });
    const [, , slow] = workers;
    const t0 = await faultMidEpoch(row, jobId, () => slow.kill('SIGSTOP'));
    const dup = await measure(
      row,
      jobId,
      t0,
      'a task of c duplicated',
      (l) => matches(l, 'straggling task duplicated') && (l.holders as string[]).includes('c'),
    );
    const elapsed = Date.now() - t0;
    if (elapsed < 4500) await new Promise((r) => setTimeout(r, 4500 - elapsed));
    slow.kill('SIGCONT');
    const late = await env.firstLog(at(dup), 'the late result of c ignored', (l) =>
      matches(l, 'stale or duplicate result ignored', { workerId: 'c' }),
    );
    await env.finishes(row, jobId, spec);
    assert.ok(at(late) > at(dup));
    row.observed = `task ${String(dup.task)} duplicated after ${row.detectionMs} ms; duplicate's result accepted, c's late result ignored; fault-free fingerprint`;
    pass(row);
  });

  it('a rogue worker sending garbage is dropped and the job still finishes', async () => {
    const row = scenario(
      'rogue worker results (wrong length, NaN, stale version, duplicate)',
      'rejected, re-issued, rogue dropped; fault-free fingerprint',
    );
    const spec = smallSpec(106, { epochs: 3 });
    void referenceFingerprint(spec);
    const coordinator = await env.startCoordinator();
    await env.startWorkers(['a', 'b']);
    rogue = new RogueWorker(coordinator.address, 'rogue');
    await env.cluster.waitRegistered('rogue');
    const jobId = await env.cluster.submit(spec, 'rogue');
    row.jobsAccepted = 1;
    const ended = await rogue.ended;
    assert.equal(ended.code, 9 /* FAILED_PRECONDITION */, ended.details);
    const t0 = rogue.sentAtMs[0];
    const rejected = await env.firstLog(t0, 'first invalid result rejected', (l) =>
      matches(l, 'invalid result rejected; task re-issued', { workerId: 'rogue' }),
    );
    const dropped = await env.firstLog(t0, 'rogue dropped', (l) =>
      matches(l, 'worker dropped after invalid results', { workerId: 'rogue' }),
    );
    row.detectionMs = at(rejected) - t0;
    row.recoveryMs = at(dropped) - t0;
    row.faults = 1;
    row.badInputs = rogue.sent.length;
    for (const mode of ROGUE_MODES) assert.ok(rogue.sent.includes(mode), `never sent ${mode}`);
    await env.finishes(row, jobId, spec);
    assert.ok(coordinator.alive);
    const invalid = await env.metric('gradpool_invalid_results_total');
    row.observed = `${rogue.sent.length} bad results (${rogue.sent.join(', ')}); ${invalid} rejected, rest ignored as stale/duplicate; rogue dropped with FAILED_PRECONDITION; fault-free fingerprint`;
    pass(row);
  });
});
