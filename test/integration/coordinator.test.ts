/**
 * A real coordinator on 127.0.0.1:0 with real in-process workers: the job's parameters do not depend on
 * the pool (1, 2 or 3 workers) and equal an in-process run on the same backend kind.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { selectBackend } from '../../src/backend/select';
import { Coordinator } from '../../src/coordinator/coordinator';
import { silentLogger } from '../../src/shared/log';
import { parseJobSpec } from '../../src/train/job-spec';
import { runJob } from '../../src/train/run-job';
import { clientOptions } from '../../src/transport/channel-options';
import type { CoordinatorClient } from '../../src/transport/generated/gradpool/v1/Coordinator';
import type { Job__Output } from '../../src/transport/generated/gradpool/v1/Job';
import type { JobEvent__Output } from '../../src/transport/generated/gradpool/v1/JobEvent';
import { protos } from '../../src/transport/proto';
import { Worker } from '../../src/worker/worker';

const SPEC = {
  name: 'mlp',
  data: { subset: 400, split: { val: 0.05, test: 0.05 } },
  model: {
    input: [784],
    layers: [{ affine: 16 }, 'relu', { dropout: 0.5 }, { affine: 10 }],
    loss: 'softmax',
  },
  train: { epochs: 2, batchSize: 50, learningRate: 0.01, update: 'momentum', seed: 3, shards: 4 },
};

function call<Req, Res>(
  fn: (req: Req, cb: (e: grpc.ServiceError | null, r?: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (e, r) => (e ? reject(e) : resolve(r as Res))));
}

describe('coordinator over gRPC', function () {
  this.timeout(120_000);
  let dir: string;
  let coordinator: Coordinator;
  let client: CoordinatorClient;
  let address: string;
  let workers: Worker[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-coord-'));
    coordinator = new Coordinator({ dataDir: dir, leaseMs: 20_000, shutdownGraceMs: 500, log: silentLogger });
    const port = await coordinator.start(0);
    address = `127.0.0.1:${port}`;
    client = new (protos().CoordinatorClient)(address, grpc.credentials.createInsecure(), {
      ...clientOptions,
    });
    workers = [];
  });

  afterEach(async () => {
    client.close();
    await Promise.all(workers.map((w) => w.close()));
    await coordinator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function addWorkers(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const w = new Worker(
        address,
        { workerId: `w${workers.length}`, backendName: 'gpujs-cpu', threads: 1, heartbeatMs: 500 },
        { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: silentLogger },
      );
      workers.push(w);
      await w.start();
    }
  }

  const submit = (spec: unknown, requestId = '') =>
    call(client.SubmitJob.bind(client), { specJson: JSON.stringify(spec), requestId });
  const getJob = (jobId: string) =>
    call<{ jobId: string }, Job__Output>(client.GetJob.bind(client), { jobId });

  function watch(jobId: string): Promise<JobEvent__Output[]> {
    return new Promise((resolve, reject) => {
      const events: JobEvent__Output[] = [];
      const stream = client.WatchJob({ jobId });
      stream.on('data', (e: JobEvent__Output) => events.push(e));
      stream.on('end', () => resolve(events));
      stream.on('error', reject);
    });
  }

  async function runWith(n: number): Promise<string> {
    await addWorkers(n);
    const { job } = await submit(SPEC, `pool-${n}`);
    const events = await watch(job!.id);
    const done = events[events.length - 1].done;
    assert.equal(done?.state, 'FINISHED', JSON.stringify(done));
    assert.equal(events.filter((e) => e.epoch).length, 3);
    const final = await getJob(job!.id);
    assert.equal(final.fingerprint, done?.fingerprint);
    return final.fingerprint;
  }

  let inProcess: string;
  const fingerprints: string[] = [];
  for (const n of [1, 2, 3]) {
    it(`gives the in-process fingerprint with ${n} worker(s), dropout included`, async () => {
      inProcess ??= await (async () => {
        const backend = selectBackend('gpujs-cpu', () => {});
        try {
          return (await runJob(parseJobSpec(SPEC), backend, () => {})).fingerprint;
        } finally {
          await backend.close();
        }
      })();
      const fp = await runWith(n);
      fingerprints.push(fp);
      assert.equal(fp, inProcess);
    });
  }

  it('rejects a bad spec with INVALID_ARGUMENT naming the field', async () => {
    const bad = { ...SPEC, train: { ...SPEC.train, batchSize: -3 } };
    await assert.rejects(submit(bad), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
      assert.match(e.details, /train\.batchSize/);
      return true;
    });
    await assert.rejects(
      call(client.SubmitJob.bind(client), { specJson: '{not json', requestId: '' }),
      (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT,
    );
  });

  it('answers NOT_FOUND for an unknown job', async () => {
    await assert.rejects(getJob('j-999999'), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.NOT_FOUND);
      assert.match(e.details, /no job "j-999999"/);
      return true;
    });
  });

  it('returns the same job for a repeated request id', async () => {
    const a = await submit(SPEC, 'same');
    const b = await submit(SPEC, 'same');
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true);
    assert.equal(b.job?.id, a.job?.id);
    const list = await call(client.ListJobs.bind(client), {});
    assert.equal(list.jobs.length, 1);
    await call(client.CancelJob.bind(client), { jobId: a.job!.id });
  });

  it('reports waiting for workers, then runs once a worker joins', async () => {
    const { job } = await submit(SPEC, 'wait');
    let j = await getJob(job!.id);
    for (let i = 0; i < 100 && j.state !== 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      j = await getJob(job!.id);
    }
    assert.equal(j.state, 'RUNNING');
    assert.equal(j.waitingForWorkers, true);
    const watching = watch(job!.id);
    await addWorkers(1);
    const events = await watching;
    assert.equal(events[events.length - 1].done?.state, 'FINISHED');
    j = await getJob(job!.id);
    assert.equal(j.waitingForWorkers, false);
    assert.equal(j.iteration, j.totalIterations);
    const chunks: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = client.ExportModel({ jobId: job!.id });
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => resolve());
      s.on('error', reject);
    });
    assert.equal(chunks.length, 4);
  });
});
