/**
 * A real Worker against a tiny fake coordinator (a grpc-js server on 127.0.0.1:0 implementing
 * WorkerPlane.Connect): results must equal what LocalExecutor computes directly, bad messages must not kill
 * the worker, and the worker must come back after the server restarts.
 */
import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as grpc from '@grpc/grpc-js';
import type { Data } from '../../kernels/spec';
import { RunnerBackend, type Backend } from '../../src/backend/backend';
import { GpuJsRunner } from '../../src/backend/gpujs';
import { initParams } from '../../src/model/init';
import { Sequential } from '../../src/model/sequential';
import type { Level } from '../../src/shared/log';
import { parseJobSpec } from '../../src/train/job-spec';
import { LocalExecutor } from '../../src/train/local-executor';
import { loadJobData } from '../../src/train/run-job';
import { serverOptions } from '../../src/transport/channel-options';
import type { CoordinatorMessage } from '../../src/transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerMessage__Output } from '../../src/transport/generated/gradpool/v1/WorkerMessage';
import { protos } from '../../src/transport/proto';
import { decodeTensor, encodeTensor } from '../../src/transport/tensor-codec';
import { Rng } from '../../src/shared/rng';
import { Backoff, seedOf } from '../../src/worker/backoff';
import { runWorker, workerConfig } from '../../src/worker/main';
import { Worker } from '../../src/worker/worker';

type Stream = grpc.ServerDuplexStream<WorkerMessage__Output, CoordinatorMessage>;

/** A coordinator that records what workers send and sends what the test tells it to. */
class FakeCoordinator {
  readonly received: WorkerMessage__Output[] = [];
  readonly streams: Stream[] = [];
  heartbeats = 0;
  private server: grpc.Server | null = null;
  private readonly waiters = new Set<() => void>();
  port = 0;

  async start(port = 0): Promise<void> {
    const server = new grpc.Server({ ...serverOptions });
    server.addService(protos().workerPlane, {
      Connect: (call: Stream) => {
        this.streams.push(call);
        call.on('data', (m: WorkerMessage__Output) => {
          if (m.msg === 'heartbeat') this.heartbeats++;
          else this.received.push(m);
          for (const w of this.waiters) w();
        });
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    this.server = server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Sends to the newest stream. */
  send(msg: CoordinatorMessage): void {
    const stream = this.streams[this.streams.length - 1];
    assert.ok(stream, 'no worker connected');
    stream.write(msg);
  }

  /** The first received message from index `from` on that satisfies `pred`. */
  async waitFor(
    pred: (m: WorkerMessage__Output) => boolean,
    from = 0,
    timeoutMs = 20_000,
  ): Promise<WorkerMessage__Output> {
    const find = () => this.received.slice(from).find(pred);
    const found = find();
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out; received: ${JSON.stringify(this.received.map((m) => m.msg))}`));
      }, timeoutMs);
      const check = () => {
        const m = find();
        if (!m) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(m);
      };
      this.waiters.add(check);
    });
  }

  /** Stops the server: gracefully for up to `graceMs`, then by force. */
  async stop(graceMs = 500): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}

const SPEC = {
  name: 'worker-test',
  data: { subset: 200, split: { val: 0.05, test: 0.05 } },
  model: {
    input: [784],
    layers: [{ affine: 16 }, 'relu', { dropout: 0.5 }, { affine: 10 }],
    loss: 'softmax',
  },
  train: { epochs: 1, batchSize: 20, learningRate: 0.01, seed: 11, shards: 2 },
};
const SPEC_JSON = JSON.stringify(SPEC);
const JOB = 'j-000001';

/** The job computed directly, in the test, on its own gpujs-cpu backend. */
interface Reference {
  readonly backend: Backend;
  readonly net: Sequential;
  readonly executor: LocalExecutor;
  readonly params: Data[];
}

function reference(): Reference {
  const spec = parseJobSpec(SPEC);
  const backend = new RunnerBackend(new GpuJsRunner('cpu'));
  const net = Sequential.fromSpec(spec.model);
  const executor = new LocalExecutor(backend, net, loadJobData(spec.data, spec.train.seed), spec);
  const params = initParams(net, spec.train.seed, (n) => backend.alloc(n));
  return { backend, net, executor, params };
}

function paramsMessage(ref: Reference, version: number): CoordinatorMessage {
  return {
    params: {
      jobId: JOB,
      specJson: SPEC_JSON,
      version,
      values: ref.params.map((p, i) => encodeTensor(ref.net.params[i].shape, p)),
    },
  };
}

function bits(d: Data): Buffer {
  return Buffer.from(Float32Array.from(d).buffer);
}

describe('worker against a fake coordinator', function () {
  this.timeout(60_000);
  let fake: FakeCoordinator;
  let worker: Worker | null;
  let ref: Reference;
  let logs: { level: Level; msg: string; fields: object }[];

  function startWorker(
    startBackend: () => Backend = () => new RunnerBackend(new GpuJsRunner('cpu')),
  ): Worker {
    const w = new Worker(
      fake.address,
      {
        workerId: 'w-test',
        backendName: 'gpujs-cpu',
        threads: 1,
        heartbeatMs: 50,
        reconnectMinMs: 20,
        reconnectMaxMs: 200,
      },
      {
        startBackend,
        log: (level, msg, fields = {}) => logs.push({ level, msg, fields }),
      },
    );
    worker = w;
    return w;
  }

  before(() => {
    ref = reference();
  });

  after(async () => {
    await ref.backend.close();
  });

  beforeEach(async () => {
    logs = [];
    worker = null;
    fake = new FakeCoordinator();
    await fake.start();
  });

  afterEach(async () => {
    await worker?.close();
    await fake.stop();
  });

  it('says hello with its id, backend, threads and dtype, then sends heartbeats', async () => {
    await startWorker().start();
    const hello = await fake.waitFor((m) => m.msg === 'hello');
    assert.deepEqual(hello.hello, { workerId: 'w-test', backend: 'gpujs-cpu', threads: 1, dtype: 'float32' });
    const until = Date.now() + 5000;
    while (fake.heartbeats < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fake.heartbeats >= 2, `heartbeats: ${fake.heartbeats}`);
  });

  it('returns shard gradient sums bit-identical to LocalExecutor, dropout included', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    const indices = [3, 17, 42, 99, 150, 7, 8, 120, 64, 33];
    fake.send(paramsMessage(ref, 5));
    fake.send({
      task: { jobId: JOB, step: 5, shard: 1, paramVersion: 5, sampleIndices: indices, firstRow: 10 },
    });
    const got = (await fake.waitFor((m) => m.msg === 'result')).result;
    assert.ok(got);
    const [want] = await ref.executor.shardSums(5, 5, ref.params, [
      { indices: Uint32Array.from(indices), firstRow: 10 },
    ]);
    assert.equal(got.jobId, JOB);
    assert.deepEqual([got.step, got.shard, got.paramVersion], [5, 1, 5]);
    assert.equal(got.lossSum, want.lossSum);
    assert.equal(got.correct, want.correct);
    assert.equal(got.count, 10);
    assert.equal(got.grads.length, ref.net.params.length);
    got.grads.forEach((g, i) => {
      const decoded = decodeTensor(g, ref.net.params[i].shape, { finite: true });
      assert.ok(bits(decoded.data).equals(bits(want.grads[i])), `${ref.net.params[i].name} differs`);
    });
    assert.ok(
      want.grads[0].some((v) => v !== 0),
      'gradients are non-trivial',
    );
  });

  it('answers an EvalTask with the counts LocalExecutor computes', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    const indices = Array.from({ length: 60 }, (_, i) => i * 3);
    fake.send(paramsMessage(ref, 0));
    fake.send({ eval: { jobId: JOB, evalId: 77, paramVersion: 0, split: 'VAL', sampleIndices: indices } });
    const got = (await fake.waitFor((m) => m.msg === 'evalResult')).evalResult;
    const want = await ref.executor.evaluate(0, ref.params, 'val', Uint32Array.from(indices));
    assert.ok(got);
    assert.deepEqual(
      {
        jobId: got.jobId,
        evalId: got.evalId,
        paramVersion: got.paramVersion,
        correct: got.correct,
        count: got.count,
      },
      { jobId: JOB, evalId: 77, paramVersion: 0, correct: want.correct, count: 60 },
    );
  });

  it('sends nothing for a task whose parameter version it does not have', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    fake.send(paramsMessage(ref, 1));
    fake.send({
      task: { jobId: JOB, step: 9, shard: 0, paramVersion: 9, sampleIndices: [1, 2], firstRow: 0 },
    });
    fake.send({
      task: { jobId: 'j-unknown', step: 1, shard: 0, paramVersion: 1, sampleIndices: [1], firstRow: 0 },
    });
    fake.send({
      task: { jobId: JOB, step: 1, shard: 0, paramVersion: 1, sampleIndices: [1, 2], firstRow: 0 },
    });
    // Tasks run in arrival order, so once the last one is answered the first two were handled.
    const first = await fake.waitFor((m) => m.msg !== 'hello');
    assert.equal(first.msg, 'result');
    assert.equal(first.result?.step, 1);
    assert.equal(fake.received.filter((m) => m.msg !== 'hello').length, 1);
    const ignored = logs.filter((l) => l.msg.startsWith('no parameters for the task'));
    assert.deepEqual(
      ignored.map((l) => (l.fields as { jobId: string; paramVersion: number }).paramVersion),
      [9, 1],
    );
  });

  it('keeps only the newest parameter versions', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    for (const v of [1, 2, 3]) fake.send(paramsMessage(ref, v));
    for (const v of [1, 2, 3]) {
      fake.send({
        task: { jobId: JOB, step: v, shard: 0, paramVersion: v, sampleIndices: [4], firstRow: 0 },
      });
    }
    await fake.waitFor((m) => m.msg === 'result' && m.result?.step === 3);
    const steps = fake.received.filter((m) => m.msg === 'result').map((m) => m.result?.step);
    assert.deepEqual(steps, [2, 3]);
  });

  it('survives malformed messages, reports them as TaskFailed, and goes on working', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    const good = paramsMessage(ref, 4);
    const params = good.params!;
    const values = params.values ?? [];
    const firstShape = ref.net.params[0].shape;
    const wrongShape = {
      ...params,
      values: [encodeTensor([3], new Float32Array(3)), ...values.slice(1)],
    };
    const truncated = {
      ...params,
      values: [{ shape: [...firstShape], data: Buffer.alloc(10) }, ...values.slice(1)],
    };
    fake.send({ params: wrongShape });
    fake.send({ params: truncated });
    fake.send({ params: { ...params, specJson: '{"model":' } });
    fake.send({
      params: { ...params, specJson: JSON.stringify({ ...SPEC, train: { ...SPEC.train, batchSize: -3 } }) },
    });
    fake.send({});
    fake.send(good);
    fake.send({
      task: { jobId: JOB, step: 4, shard: 0, paramVersion: 4, sampleIndices: [5000], firstRow: 0 },
    });
    fake.send({
      eval: { jobId: JOB, evalId: 1, paramVersion: 4, split: 'EVAL_SPLIT_UNSPECIFIED', sampleIndices: [1] },
    });
    fake.send({ task: { jobId: '', step: 4, shard: 0, paramVersion: 4, sampleIndices: [1], firstRow: 0 } });
    fake.send({
      task: { jobId: JOB, step: 4, shard: 1, paramVersion: 4, sampleIndices: [5, 6], firstRow: 1 },
    });
    const result = await fake.waitFor((m) => m.msg === 'result');
    assert.equal(result.result?.shard, 1);
    assert.equal(result.result?.count, 2);
    const failures = fake.received.filter((m) => m.msg === 'taskFailed').map((m) => m.taskFailed!);
    assert.deepEqual(
      failures.map((f) => [f.kind, f.code]),
      [
        ['params', 'E_BAD_DATA'],
        ['params', 'E_BAD_DATA'],
        ['params', 'E_BAD_SPEC'],
        ['params', 'E_BAD_SPEC'],
        ['task', 'E_BAD_DATA'],
        ['eval', 'E_BAD_DATA'],
        ['task', 'E_BAD_DATA'],
      ],
    );
    assert.ok(
      failures[0].message.includes(
        `${ref.net.params[0].name}: expected shape [${firstShape.join(', ')}], got [3]`,
      ),
    );
    assert.match(failures[1].message, /needs 50176 bytes \(12544 float32\) but the data has 10$/);
    assert.match(failures[3].message, /batchSize/);
    assert.match(failures[4].message, /sample index 5000 outside the training split/);
    assert.equal(failures[4].step, 4);
    assert.match(failures[5].message, /split must be TRAIN, VAL or TEST/);
    assert.ok(logs.some((l) => l.msg.includes('without a known member')));
  });

  it('reconnects after the coordinator restarts on the same port, with nothing cached', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    fake.send(paramsMessage(ref, 2));
    fake.send({ task: { jobId: JOB, step: 2, shard: 0, paramVersion: 2, sampleIndices: [1], firstRow: 0 } });
    await fake.waitFor((m) => m.msg === 'result');
    const port = fake.port;
    await fake.stop(0);
    await new Promise((r) => setTimeout(r, 300)); // a few failed attempts while the port is closed
    fake = new FakeCoordinator();
    await fake.start(port);
    const hello = await fake.waitFor((m) => m.msg === 'hello');
    assert.equal(hello.hello?.workerId, 'w-test');
    // The old stream's parameters are gone: a task without Params is ignored, one after Params is answered.
    fake.send({ task: { jobId: JOB, step: 2, shard: 0, paramVersion: 2, sampleIndices: [1], firstRow: 0 } });
    fake.send(paramsMessage(ref, 3));
    fake.send({ task: { jobId: JOB, step: 3, shard: 0, paramVersion: 3, sampleIndices: [1], firstRow: 0 } });
    const result = await fake.waitFor((m) => m.msg === 'result');
    assert.equal(result.result?.step, 3);
    assert.ok(logs.some((l) => l.msg.startsWith('stream to coordinator ended')));
    assert.ok(worker?.connected);
  });

  it('close() lets the task in progress finish and send its result, and drops the queued ones', async () => {
    let started: () => void = () => {};
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = new RunnerBackend(new GpuJsRunner('cpu'));
    const gated: Backend = {
      name: inner.name,
      dtype: inner.dtype,
      alloc: (n) => inner.alloc(n),
      gradientSums: async (net, params, shard) => {
        started();
        await gate;
        return inner.gradientSums(net, params, shard);
      },
      evaluate: (net, params, x, labels, count) => inner.evaluate(net, params, x, labels, count),
      close: () => inner.close(),
    };
    await startWorker(() => gated).start();
    await fake.waitFor((m) => m.msg === 'hello');
    fake.send(paramsMessage(ref, 0));
    fake.send({ task: { jobId: JOB, step: 0, shard: 0, paramVersion: 0, sampleIndices: [1], firstRow: 0 } });
    fake.send({ task: { jobId: JOB, step: 0, shard: 1, paramVersion: 0, sampleIndices: [2], firstRow: 1 } });
    await isStarted;
    await new Promise((r) => setTimeout(r, 50)); // the second task has arrived and waits in the queue
    const closed = worker!.close();
    release();
    await closed;
    const results = fake.received.filter((m) => m.msg === 'result').map((m) => m.result?.shard);
    assert.deepEqual(results, [0]);
  });

  it('close() ends the stream and releases everything, also while disconnected', async () => {
    await startWorker().start();
    await fake.waitFor((m) => m.msg === 'hello');
    await fake.stop(0);
    await new Promise((r) => setTimeout(r, 100));
    await worker?.close();
    assert.equal(worker?.connected, false);
    assert.ok(logs.some((l) => l.msg === 'worker closed'));
  });

  it('runWorker runs a worker from a frozen config until it is told to stop', async () => {
    const config = workerConfig({ coordinator: fake.address, backend: 'reference', id: 'w-main' }, {});
    assert.ok(Object.isFrozen(config));
    const stop = new AbortController();
    const lines: string[] = [];
    const done = runWorker(config, {
      signal: stop.signal,
      log: (level, msg, fields) => lines.push(JSON.stringify({ level, msg, ...fields })),
    });
    const hello = await fake.waitFor((m) => m.msg === 'hello');
    assert.deepEqual(hello.hello, { workerId: 'w-main', backend: 'reference', threads: 1, dtype: 'float64' });
    fake.send(paramsMessage(ref, 0));
    fake.send({
      task: { jobId: JOB, step: 0, shard: 0, paramVersion: 0, sampleIndices: [1, 2, 3], firstRow: 0 },
    });
    const result = await fake.waitFor((m) => m.msg === 'result');
    assert.equal(result.result?.count, 3);
    stop.abort();
    await done;
    assert.ok(lines.some((l) => l.includes('backend chosen')));
    assert.ok(lines.some((l) => l.includes('worker closed')));
  });

  it('runWorker on cpu-pool says hello with the pool size and computes shards', async () => {
    const config = workerConfig(
      { coordinator: fake.address, backend: 'cpu-pool', id: 'w-pool', threads: 2 },
      {},
    );
    assert.equal(config.threads, 2);
    const stop = new AbortController();
    const lines: string[] = [];
    const done = runWorker(config, {
      signal: stop.signal,
      log: (level, msg, fields) => lines.push(JSON.stringify({ level, msg, ...fields })),
    });
    const hello = await fake.waitFor((m) => m.msg === 'hello');
    assert.deepEqual(hello.hello, { workerId: 'w-pool', backend: 'cpu-pool', threads: 2, dtype: 'float32' });
    fake.send(paramsMessage(ref, 0));
    fake.send({
      task: { jobId: JOB, step: 0, shard: 0, paramVersion: 0, sampleIndices: [1, 2, 3], firstRow: 0 },
    });
    const result = await fake.waitFor((m) => m.msg === 'result');
    assert.equal(result.result?.count, 3);
    stop.abort();
    await done;
    assert.ok(lines.some((l) => l.includes('"backend":"cpu-pool"') && l.includes('"threads":2')));
  });
});

describe('reconnect backoff', () => {
  it('doubles a jittered delay from min to max, and starts over after reset', () => {
    const b = new Backoff(new Rng(seedOf('w-1')), { minMs: 100, maxMs: 1000 });
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    for (const c of ceilings) {
      const d = b.next();
      assert.ok(d >= c / 2 && d <= c, `delay ${d} outside [${c / 2}, ${c}]`);
    }
    b.reset();
    assert.ok(b.next() <= 100);
  });

  it('jitters differently for different worker ids, reproducibly for the same one', () => {
    const delays = (id: string) => {
      const b = new Backoff(new Rng(seedOf(id)), { minMs: 1000, maxMs: 1000 });
      return [b.next(), b.next(), b.next()];
    };
    assert.deepEqual(delays('w-1'), delays('w-1'));
    assert.notDeepEqual(delays('w-1'), delays('w-2'));
  });
});

describe('worker config', () => {
  it('rejects a missing or malformed coordinator address and an unknown backend', () => {
    assert.throws(() => workerConfig({}, {}), /--coordinator HOST:PORT is required/);
    assert.throws(
      () => workerConfig({ coordinator: 'localhost' }, {}),
      /--coordinator must be HOST:PORT .* got "localhost"/,
    );
    assert.throws(() => workerConfig({ coordinator: 'h:99999' }, {}), /must be HOST:PORT/);
    assert.throws(
      () => workerConfig({ coordinator: 'h:1', backend: 'tpu' }, {}),
      /--backend: unknown backend "tpu"/,
    );
    assert.throws(
      () => workerConfig({ coordinator: 'h:1' }, { GRADPOOL_BACKEND: 'x' }),
      /GRADPOOL_BACKEND: unknown/,
    );
  });

  it('takes the cpu-pool threads from the flags, else every CPU, and rejects fewer than 1', () => {
    assert.equal(workerConfig({ coordinator: 'h:1', threads: 3 }, {}).threads, 3);
    assert.equal(workerConfig({ coordinator: 'h:1' }, {}).threads, Math.max(1, os.availableParallelism()));
    assert.throws(
      () => workerConfig({ coordinator: 'h:1', threads: 0 }, {}),
      /threads must be a positive integer, got 0/,
    );
  });

  it('fills defaults from the environment', () => {
    const c = workerConfig({}, { GRADPOOL_COORDINATOR: '[::1]:7070', GRADPOOL_BACKEND: 'reference' });
    assert.equal(c.coordinator, '[::1]:7070');
    assert.equal(c.backend, 'reference');
    assert.match(c.workerId, /-\d+$/);
  });
});
