/**
 * Operations pieces in one process: the scheduler's draining hand-back and metrics observer, the
 * CoordinatorMetrics exposition, and the coordinator's signal-driven shutdown with its force timer.
 */
import { strict as assert } from 'node:assert';
import { CoordinatorMetrics } from '../../../src/coordinator/metrics';
import {
  Scheduler,
  type LeasedTask,
  type StepContext,
  type TaskSpec,
} from '../../../src/coordinator/scheduler';
import { closeOnSignal } from '../../../src/coordinator/shutdown';
import type { Level } from '../../../src/shared/log';
import { FakeClock } from './fake-clock';
import { FakeWorker } from './fake-worker';

const ctx: StepContext = { jobId: 'j', step: 2, version: 2, paramLengths: [2] };
const shards = (n: number): TaskSpec[] =>
  Array.from({ length: n }, (_, k) => ({
    kind: 'shard' as const,
    shard: k,
    indices: Uint32Array.from([k * 3, k * 3 + 1, k * 3 + 2]),
    firstRow: k * 3,
  }));
const shardOf = (t: LeasedTask) => (t.spec.kind === 'shard' ? t.spec.shard : -1);
const resultOf = (t: LeasedTask) => ({
  kind: 'shard' as const,
  jobId: 'j',
  step: 2,
  shard: shardOf(t),
  version: 2,
  lossSum: 1,
  correct: 1,
  count: 3,
  grads: [new Float32Array(2)],
});

/** The value of the sample `name{labels}` in an exposition text (undefined when absent). */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('scheduler: draining workers and the metrics observer', () => {
  it('re-issues a task a draining worker hands back at once, without counting it invalid, and sends it nothing more', async () => {
    const clock = new FakeClock();
    const s = new Scheduler({ clock, leaseMs: 60_000, maxInFlight: 2 });
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    s.register(b);
    const step = s.submitStep(ctx, shards(4));
    assert.deepEqual(a.sent.map(shardOf), [0, 2]);
    assert.deepEqual(b.sent.map(shardOf), [1, 3]);
    // b is shutting down: it hands back its queued shard 3 and finishes shard 1.
    s.onDraining('b', { jobId: 'j', step: 2, shard: 3 });
    assert.equal(s.stats.reissued, 1);
    assert.equal(s.stats.invalid, 0);
    s.onResult('b', resultOf(b.sent[0]));
    assert.deepEqual(b.sent.map(shardOf), [1, 3], 'a draining worker gets no new task');
    s.onResult('a', resultOf(a.sent[0]));
    assert.deepEqual(a.sent.map(shardOf), [0, 2, 3], 'the handed-back shard went to a without a lease wait');
    s.onResult('a', resultOf(a.sent[1]));
    s.onResult('a', resultOf(a.sent[2]));
    assert.equal((await step).length, 4);
    s.close();
  });

  it('tells its observer the samples and lease-to-result latency of each accepted task', async () => {
    const clock = new FakeClock();
    const done: [string, number, number][] = [];
    const s = new Scheduler({
      clock,
      maxInFlight: 1,
      observer: { taskDone: (kind, samples, ms) => done.push([kind, samples, ms]) },
    });
    const a = new FakeWorker('a');
    s.register(a);
    const step = s.submitStep(ctx, shards(2));
    clock.advance(40);
    s.onResult('a', resultOf(a.sent[0]));
    clock.advance(15);
    s.onResult('a', { ...resultOf(a.sent[1]), grads: [new Float32Array(3)] }); // invalid: not counted
    clock.advance(7);
    s.onResult('a', resultOf(a.sent[2])); // the re-issued lease started 7 ms ago
    await step;
    assert.deepEqual(done, [
      ['shard', 3, 40],
      ['shard', 3, 7],
    ]);
    s.close();
  });
});

describe('CoordinatorMetrics', () => {
  it('exposes steps, samples, latency, re-issues, workers and jobs by state from its sources', async () => {
    const m = new CoordinatorMetrics();
    const stats = { issued: 9, reissued: 2, duplicated: 1, ignored: 0, invalid: 3, dropped: 1 };
    let workers = 2;
    m.attach({
      stats: () => stats,
      workerCount: () => workers,
      jobStates: () => ['RUNNING', 'FINISHED', 'FINISHED'],
    });
    m.stepDone();
    m.stepDone();
    m.taskDone('shard', 25, 120);
    m.taskDone('eval', 10, 5);
    const first = await m.scrape();
    assert.match(first.contentType, /^text\/plain/);
    const t = first.body;
    assert.equal(sample(t, 'gradpool_steps_total'), 2);
    assert.equal(sample(t, 'gradpool_samples_total{kind="shard"}'), 25);
    assert.equal(sample(t, 'gradpool_samples_total{kind="eval"}'), 10);
    assert.equal(sample(t, 'gradpool_shard_latency_seconds_count'), 1);
    assert.equal(sample(t, 'gradpool_shard_latency_seconds_sum'), 0.12);
    assert.equal(sample(t, 'gradpool_shard_latency_seconds_bucket{le="0.25"}'), 1);
    assert.equal(sample(t, 'gradpool_shard_latency_seconds_bucket{le="0.1"}'), 0);
    assert.equal(sample(t, 'gradpool_reissued_tasks_total'), 2);
    assert.equal(sample(t, 'gradpool_duplicated_tasks_total'), 1);
    assert.equal(sample(t, 'gradpool_invalid_results_total'), 3);
    assert.equal(sample(t, 'gradpool_dropped_workers_total'), 1);
    assert.equal(sample(t, 'gradpool_connected_workers'), 2);
    assert.equal(sample(t, 'gradpool_jobs{state="RUNNING"}'), 1);
    assert.equal(sample(t, 'gradpool_jobs{state="FINISHED"}'), 2);
    assert.equal(sample(t, 'gradpool_jobs{state="QUEUED"}'), 0);
    assert.equal(sample(t, 'gradpool_steps_per_second'), 0.2, '2 steps in the 10 s window');
    assert.equal(sample(t, 'gradpool_samples_per_second'), 2.5);
    assert.ok(t.includes('process_cpu_user_seconds_total'), 'default process metrics');
    // The stat counters follow the scheduler's stats between scrapes, and never go down.
    stats.reissued = 5;
    workers = 1;
    const second = (await m.scrape()).body;
    assert.equal(sample(second, 'gradpool_reissued_tasks_total'), 5);
    assert.equal(sample(second, 'gradpool_connected_workers'), 1);
  });
});

describe('coordinator shutdown on a signal', () => {
  const logs: { level: Level; msg: string; fields?: object }[] = [];
  const log = (level: Level, msg: string, fields?: object) => logs.push({ level, msg, fields });
  beforeEach(() => (logs.length = 0));

  it('closes gracefully on its stop signal (SIGUSR2 standing in for SIGTERM)', async () => {
    let closed = false;
    const forced: string[] = [];
    const outcome = closeOnSignal(
      async () => {
        await new Promise((r) => setTimeout(r, 20));
        closed = true;
      },
      { timeoutMs: 5000, log, force: (why) => forced.push(why), signals: ['SIGUSR2'] },
    );
    setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 10);
    assert.equal(await outcome, 'graceful');
    assert.ok(closed);
    assert.deepEqual(forced, []);
    assert.ok(logs.some((l) => l.msg === 'coordinator stopped'));
  });

  it('forces when close() overruns the timeout, and on a second signal', async () => {
    const forced: string[] = [];
    const never = () => new Promise<void>(() => {});
    const opts = { log, force: (why: string) => forced.push(why), signals: ['SIGUSR2' as const] };
    const first = closeOnSignal(never, { ...opts, timeoutMs: 100 });
    setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 10);
    assert.equal(await first, 'forced');
    assert.deepEqual(forced, ['not done within 100 ms']);

    const second = closeOnSignal(never, { ...opts, timeoutMs: 60_000 });
    setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 10);
    setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 60);
    assert.equal(await second, 'forced');
    assert.deepEqual(forced, ['not done within 100 ms', 'second signal SIGUSR2']);
    assert.equal(process.listenerCount('SIGUSR2'), 0, 'no signal listener left behind');
  });
});
