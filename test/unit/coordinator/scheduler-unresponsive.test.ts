/**
 * A worker that stops answering (frozen, e.g. SIGSTOP, but its stream still open) must not be handed new
 * tasks every step: each of them would wait stragglerMs for a duplicate, so one frozen worker would slow
 * every step of the job down to stragglerMs.
 */
import { strict as assert } from 'node:assert';
import {
  Scheduler,
  type IncomingResult,
  type LeasedTask,
  type StepContext,
  type TaskSpec,
} from '../../../src/coordinator/scheduler';
import { FakeClock } from './fake-clock';
import { FakeWorker } from './fake-worker';

const ctxAt = (step: number): StepContext => ({ jobId: 'j-1', step, version: step, paramLengths: [2] });

function shards(n: number): TaskSpec[] {
  return Array.from({ length: n }, (_, k) => ({
    kind: 'shard' as const,
    shard: k,
    indices: Uint32Array.from([k]),
    firstRow: k,
  }));
}

function resultFor(task: LeasedTask): IncomingResult {
  if (task.spec.kind !== 'shard') throw new Error('shard expected');
  return {
    kind: 'shard',
    jobId: task.ctx.jobId,
    step: task.ctx.step,
    shard: task.spec.shard,
    version: task.ctx.version,
    lossSum: 1,
    correct: 0,
    count: 1,
    grads: [new Float32Array(2)],
  };
}

/** Answers every task `w` holds for `step` that is not answered yet. */
function answer(s: Scheduler, w: FakeWorker, step: number, done: Set<LeasedTask>): void {
  for (const t of w.sent) {
    if (t.ctx.step === step && !done.has(t)) {
      done.add(t);
      s.onResult(w.id, resultFor(t));
    }
  }
}

describe('Scheduler with an unresponsive worker', () => {
  let clock: FakeClock;
  let s: Scheduler;
  beforeEach(() => {
    clock = new FakeClock();
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 500, maxInFlight: 2 });
  });
  afterEach(() => s.close());

  it('gives a worker whose tasks were duplicated no new tasks until it is heard from', async () => {
    const live = new FakeWorker('live');
    const frozen = new FakeWorker('frozen');
    s.register(live);
    s.register(frozen);
    const done = new Set<LeasedTask>();
    // Step 0: the frozen worker holds two shards; the live one duplicates them after stragglerMs.
    const p0 = s.submitStep(ctxAt(0), shards(4));
    assert.equal(frozen.sent.length, 2);
    answer(s, live, 0, done);
    clock.advance(501);
    answer(s, live, 0, done);
    assert.equal((await p0).length, 4);
    // Steps 1 and 2 run on the live worker alone, without waiting for a straggler.
    for (const step of [1, 2]) {
      const p = s.submitStep(ctxAt(step), shards(4));
      for (let i = 0; i < 2; i++) answer(s, live, step, done);
      assert.equal((await p).length, 4);
    }
    assert.equal(frozen.sent.length, 2, 'the frozen worker was handed new tasks');
    assert.equal(s.stats.duplicated, 2);
    // A heartbeat brings it back.
    s.heardFrom('frozen');
    const p3 = s.submitStep(ctxAt(3), shards(4));
    assert.equal(frozen.sent.length, 4);
    answer(s, live, 3, done);
    answer(s, frozen, 3, done);
    assert.equal((await p3).length, 4);
  });

  it('gives a worker whose lease expired no new tasks while another worker is connected', async () => {
    s.close();
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 5000, maxInFlight: 1 });
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    s.register(b);
    const done = new Set<LeasedTask>();
    const p0 = s.submitStep(ctxAt(0), shards(2));
    answer(s, a, 0, done);
    clock.advance(1001); // b's lease expires; a takes the shard
    answer(s, a, 0, done);
    await p0;
    const p1 = s.submitStep(ctxAt(1), shards(2));
    assert.equal(b.sent.length, 1, 'b was handed a new task');
    for (let i = 0; i < 2; i++) answer(s, a, 1, done);
    await p1;
    // A late result (its computation finished after all) makes it responsive again.
    s.onResult('b', resultFor(b.sent[0]));
    const p2 = s.submitStep(ctxAt(2), shards(2));
    assert.equal(b.sent.length, 2);
    answer(s, a, 2, done);
    answer(s, b, 2, done);
    await p2;
  });

  it('still uses an unresponsive worker when it is the only one', async () => {
    s.close();
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 5000, maxInFlight: 1 });
    const a = new FakeWorker('a');
    s.register(a);
    const p = s.submitStep(ctxAt(0), shards(1));
    clock.advance(1001);
    assert.equal(a.sent.length, 2, 'the expired task was re-issued to the only worker');
    s.onResult('a', resultFor(a.sent[1]));
    await p;
  });
});
