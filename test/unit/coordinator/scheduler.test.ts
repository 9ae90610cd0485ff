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

const ctx: StepContext = { jobId: 'j-1', step: 4, version: 4, paramLengths: [3, 2] };

function shards(n: number): TaskSpec[] {
  return Array.from({ length: n }, (_, k) => ({
    kind: 'shard' as const,
    shard: k,
    indices: Uint32Array.from([k * 2, k * 2 + 1]),
    firstRow: k * 2,
  }));
}

/** A valid result for `task`, tagged by `tag` in its loss sum. */
function resultFor(task: LeasedTask, tag = 1): IncomingResult {
  if (task.spec.kind !== 'shard') throw new Error('shard expected');
  return {
    kind: 'shard',
    jobId: task.ctx.jobId,
    step: task.ctx.step,
    shard: task.spec.shard,
    version: task.ctx.version,
    lossSum: tag,
    correct: 1,
    count: task.spec.indices.length,
    grads: task.ctx.paramLengths.map((n) =>
      new Float32Array(n).fill(task.spec.kind === 'shard' ? task.spec.shard : 0),
    ),
  };
}

const shardOf = (t: LeasedTask) => (t.spec.kind === 'shard' ? t.spec.shard : -1);

describe('Scheduler', () => {
  let clock: FakeClock;
  let s: Scheduler;
  beforeEach(() => {
    clock = new FakeClock();
    // One task per worker at a time keeps these scenarios' hand-offs explicit; pipelining has its own tests.
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 500, maxInFlight: 1 });
  });
  afterEach(() => s.close());

  it('pipelines up to maxInFlight tasks per worker, spreading them evenly', async () => {
    s.close();
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 500, maxInFlight: 2 });
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    s.register(b);
    const p = s.submitStep(ctx, shards(5));
    assert.deepEqual(a.sent.map(shardOf), [0, 2], 'one task per worker per round');
    assert.deepEqual(b.sent.map(shardOf), [1, 3]);
    s.onResult('a', resultFor(a.sent[0]));
    assert.deepEqual(a.sent.map(shardOf), [0, 2, 4], 'a freed slot takes the next queued task at once');
    for (const t of [a.sent[1], a.sent[2]]) s.onResult('a', resultFor(t));
    for (const t of b.sent) s.onResult('b', resultFor(t));
    assert.deepEqual(
      (await p).map((x) => (x.kind === 'shard' ? x.sums.grads[0][0] : -1)),
      [0, 1, 2, 3, 4],
    );
  });

  it('re-issues every pipelined task of a worker that disconnects, and duplicates only for idle workers', async () => {
    s.close();
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 500, maxInFlight: 2 });
    const a = new FakeWorker('a');
    s.register(a);
    const p = s.submitStep(ctx, shards(2));
    assert.deepEqual(a.sent.map(shardOf), [0, 1]);
    const b = new FakeWorker('b');
    s.register(b);
    assert.equal(b.sent.length, 0, 'nothing queued, no straggler yet');
    s.unregister('a');
    assert.deepEqual(b.sent.map(shardOf).sort(), [0, 1]);
    for (const t of b.sent) s.onResult('b', resultFor(t));
    assert.equal((await p).length, 2);
  });

  it('refuses the later steps of an aborted job at once, and every step after close()', async () => {
    s.abortJob(ctx.jobId, new Error('cancelled'));
    await assert.rejects(s.submitStep(ctx, shards(1)), /cancelled/);
    const other: StepContext = { ...ctx, jobId: 'j-2' };
    const a = new FakeWorker('a');
    s.register(a);
    const p = s.submitStep(other, shards(1));
    s.onResult('a', resultFor(a.last));
    assert.equal((await p).length, 1, 'other jobs are not affected');
    s.close();
    await assert.rejects(s.submitStep({ ...ctx, jobId: 'j-3' }, shards(1)), /closing/);
  });

  it('returns results in task order whatever order workers finish in', async () => {
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    s.register(b);
    const p = s.submitStep(ctx, shards(3));
    const [ta, tb] = [a.last, b.last];
    s.onResult('b', resultFor(tb, 20));
    s.onResult('a', resultFor(ta, 10));
    s.onResult('b', resultFor(b.last, 30));
    const r = await p;
    assert.deepEqual(
      r.map((x) => (x.kind === 'shard' ? x.sums.grads[0][0] : -1)),
      [0, 1, 2],
    );
  });

  it('reports waiting for workers until a worker joins, then runs', async () => {
    const p = s.submitStep(ctx, shards(2));
    assert.equal(s.waitingForWorkers, true);
    const a = new FakeWorker('a');
    s.register(a);
    assert.equal(s.waitingForWorkers, false);
    s.onResult('a', resultFor(a.last));
    s.onResult('a', resultFor(a.last));
    assert.equal((await p).length, 2);
    assert.equal(s.waitingForWorkers, false);
  });

  it('re-issues the shard of a worker that disconnects', async () => {
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    const p = s.submitStep(ctx, shards(1));
    assert.equal(a.sent.length, 1);
    s.register(b); // b is idle; nothing queued yet
    s.unregister('a');
    assert.equal(b.sent.length, 1);
    assert.equal(shardOf(b.last), 0);
    s.onResult('b', resultFor(b.last));
    await p;
    assert.equal(s.stats.reissued, 1);
  });

  it('re-issues the shard of a worker that reconnects under the same id', async () => {
    const a = new FakeWorker('a');
    s.register(a);
    const p = s.submitStep(ctx, shards(1));
    const a2 = new FakeWorker('a');
    s.register(a2);
    assert.equal(a2.sent.length, 1);
    s.onResult('a', resultFor(a2.last));
    await p;
  });

  it('re-issues a shard whose lease expires', async () => {
    const a = new FakeWorker('a');
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 5000 });
    s.register(a);
    const p = s.submitStep(ctx, shards(1));
    const b = new FakeWorker('b');
    s.register(b);
    clock.advance(999);
    assert.equal(b.sent.length, 0);
    clock.advance(2);
    assert.equal(b.sent.length, 1);
    s.onResult('b', resultFor(b.last, 7));
    const [r] = await p;
    assert.equal(r.kind === 'shard' && r.sums.lossSum, 7);
    // a's late answer is a duplicate now
    s.onResult('a', resultFor(a.last, 8));
    assert.equal(s.stats.ignored, 1);
  });

  it('re-issues an expired lease to the same worker when it is the only one', async () => {
    const a = new FakeWorker('a');
    s = new Scheduler({ clock, leaseMs: 1000, stragglerMs: 5000 });
    s.register(a);
    const p = s.submitStep(ctx, shards(1));
    clock.advance(1001);
    assert.equal(a.sent.length, 2);
    s.onResult('a', resultFor(a.last));
    await p;
  });

  it('duplicates a straggling shard to an idle worker; the first result wins', async () => {
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    s.register(b);
    const p = s.submitStep(ctx, shards(2));
    s.onResult('b', resultFor(b.last, 1)); // b finishes shard 1; a still holds shard 0
    assert.equal(b.sent.length, 1);
    clock.advance(501);
    assert.equal(b.sent.length, 2);
    assert.equal(shardOf(b.last), 0);
    assert.equal(s.stats.duplicated, 1);
    s.onResult('b', resultFor(b.last, 42));
    s.onResult('a', resultFor(a.last, 99));
    const r = await p;
    assert.equal(r[0].kind === 'shard' && r[0].sums.lossSum, 42);
    assert.equal(s.stats.ignored, 1);
  });

  it('ignores and counts results of other jobs, other versions and finished tasks', async () => {
    const a = new FakeWorker('a');
    s.register(a);
    const p = s.submitStep(ctx, shards(1));
    const good = resultFor(a.last);
    s.onResult('a', { ...good, jobId: 'j-2' } as IncomingResult);
    s.onResult('a', { ...good, step: 3 } as IncomingResult);
    s.onResult('a', { ...good, version: 3 } as IncomingResult);
    assert.equal(s.stats.ignored, 3);
    const again = a.last; // the wrong-version answer released the lease; re-sent
    s.onResult('a', resultFor(again));
    await p;
    s.onResult('a', resultFor(again));
    assert.equal(s.stats.ignored, 4);
  });

  it('rejects invalid results, re-issues the task, and drops a worker after 3', async () => {
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    s.register(a);
    const p = s.submitStep(ctx, shards(1));
    const good = resultFor(a.last);
    const bad: IncomingResult[] = [
      { ...good, grads: [new Float32Array([0, NaN, 0]), new Float32Array(2)] } as IncomingResult,
      { ...good, grads: [new Float32Array(3)] } as IncomingResult,
      { ...good, count: 5 } as IncomingResult,
    ];
    for (const r of bad) {
      assert.equal(a.disconnected, null);
      s.onResult('a', r);
    }
    assert.equal(s.stats.invalid, 3);
    assert.match(a.disconnected ?? '', /3 invalid results/);
    assert.equal(s.workerCount, 0);
    s.register(b);
    s.onResult('b', resultFor(b.last, 5));
    const [r] = await p;
    assert.equal(r.kind === 'shard' && r.sums.lossSum, 5);
  });

  it('runs evaluation chunks through the same leases', async () => {
    const a = new FakeWorker('a');
    s.register(a);
    const spec: TaskSpec = {
      kind: 'eval',
      evalId: s.nextEvalId(),
      split: 'val',
      indices: Uint32Array.from([1, 2, 3]),
    };
    const p = s.submitStep({ ...ctx, step: 4 }, [spec]);
    assert.equal(a.last.spec.kind, 'eval');
    s.onResult('a', {
      kind: 'eval',
      jobId: 'j-1',
      evalId: spec.evalId,
      version: 4,
      lossSum: 0,
      correct: 4,
      count: 3,
    });
    assert.equal(s.stats.invalid, 1);
    s.onResult('a', {
      kind: 'eval',
      jobId: 'j-1',
      evalId: spec.evalId,
      version: 4,
      lossSum: 0,
      correct: 2,
      count: 3,
    });
    const [r] = await p;
    assert.deepEqual(r, { kind: 'eval', correct: 2, count: 3, lossSum: 0 });
  });

  it('rejects the pending steps of an aborted job', async () => {
    const p = s.submitStep(ctx, shards(2));
    s.abortJob('j-1', new Error('cancelled'));
    await assert.rejects(p, /cancelled/);
    assert.equal(s.waitingForWorkers, false);
  });
});
