/**
 * The distributed stack as it is deployed: a coordinator and workers started from dist/ as child processes
 * on 127.0.0.1 port 0, driven by the gradpool CLI and the coordinator client. Determinism across pool
 * sizes, a worker joining mid-job, API errors, and a model whose messages exceed gRPC's default 4 MiB.
 * Fault tolerance (kills, restarts, frozen and rogue workers) is in distributed-faults.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { GradpoolError } from '../../src/shared/errors';
import { clientOptions } from '../../src/transport/channel-options';
import { protos } from '../../src/transport/proto';
import {
  Cluster,
  clusterPerTest,
  type LogLine,
  matches,
  referenceFingerprint,
  smallSpec,
} from '../helpers/cluster';

/** Shard results the coordinator received for `jobId`, in arrival order, with their log index. */
function shardResults(
  logs: readonly LogLine[],
  jobId: string,
): { i: number; workerId: string; step: number }[] {
  const out: { i: number; workerId: string; step: number }[] = [];
  logs.forEach((l, i) => {
    if (matches(l, 'shard result received', { jobId })) {
      out.push({ i, workerId: String(l.workerId), step: Number(l.step) });
    }
  });
  return out;
}

/** Asserts that `p` rejects with a GradpoolError of `code` whose message names the gRPC `status`. */
async function rejectsWith(
  p: Promise<unknown>,
  code: string,
  status: string,
  also?: RegExp,
  field?: string,
): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof GradpoolError, `expected a GradpoolError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, new RegExp(`\\(${status}\\)`));
    assert.doesNotMatch(e.message, /UNKNOWN/);
    if (also) assert.match(e.message, also);
    if (field !== undefined) assert.equal(e.field, field);
    return true;
  });
}

describe('distributed training with real processes', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  clusterPerTest((c) => (cluster = c));

  it('gives the in-process fingerprint with 1, 2 and 3 worker processes', async () => {
    const spec = smallSpec(11);
    const reference = referenceFingerprint(spec);
    await cluster.startCoordinator();
    const fingerprints: string[] = [];
    for (const n of [1, 2, 3]) {
      await cluster.startWorkers([`w${n}`]);
      const { jobId, done } = await cluster.submitAndWatch(spec);
      assert.equal(done.status, 'finished', JSON.stringify(done));
      fingerprints.push(String(done.fingerprint));
      // Every connected worker took part (the pool really was n workers).
      const workers = new Set(shardResults(cluster.coordinator!.logs(), jobId).map((r) => r.workerId));
      assert.equal(workers.size, n, `job ${jobId} ran on ${[...workers].join(', ')}`);
    }
    const ref = await reference;
    assert.match(ref, /^[0-9a-f]{64}$/);
    assert.deepEqual(fingerprints, [ref, ref, ref]);
  });

  it('gives shards to a worker that joins mid-job within two steps', async () => {
    const spec = smallSpec(12, { epochs: 4 });
    const reference = referenceFingerprint(spec);
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['first']);
    const jobId = await cluster.submit(spec, 'join');
    await cluster.waitJob(jobId, 'iteration >= 4', (j) => j.iteration >= 4);
    await cluster.startWorkers(['late']);
    const end = await cluster.waitJobEnd(jobId);
    assert.equal(end.job.state, 'FINISHED');
    assert.equal(end.fingerprint, await reference);

    const logs = coordinator.logs();
    const joined = logs.findIndex((l) => matches(l, 'worker registered', { workerId: 'late' }));
    const results = shardResults(logs, jobId);
    const before = results.filter((r) => r.i < joined);
    const late = results.filter((r) => r.workerId === 'late');
    assert.ok(before.length > 0, 'no shard result before the second worker joined');
    assert.ok(late.length > 0, 'the late worker computed nothing');
    const stepAtJoin = before[before.length - 1].step;
    const firstLate = late[0].step;
    assert.ok(
      firstLate - stepAtJoin <= 2,
      `joined during step ${stepAtJoin}, first result for step ${firstLate}`,
    );
    assert.ok(end.job.totalIterations - stepAtJoin > 2, 'the worker joined too late to tell');
  });

  it('answers bad requests with INVALID_ARGUMENT, NOT_FOUND and RESOURCE_EXHAUSTED, and keeps running', async () => {
    const coordinator = await cluster.startCoordinator();
    const client = cluster.client();
    const spec = smallSpec(13) as { train: object };

    await rejectsWith(
      client.submit({ ...spec, train: { ...spec.train, batchSize: -3 } }, 'bad-spec'),
      'E_BAD_SPEC',
      'INVALID_ARGUMENT',
      /train\.batchSize/,
      'train.batchSize',
    );
    await rejectsWith(
      client.submit({ ...spec, model: { input: [784], layers: [{ affine: 0 }] } }, 'bad-layer'),
      'E_BAD_SPEC',
      'INVALID_ARGUMENT',
      /model\.layers\[0\]/,
    );

    const missing = 'j-999999';
    await rejectsWith(client.getJob(missing), 'E_NOT_FOUND', 'NOT_FOUND', /j-999999/);
    await rejectsWith(client.cancelJob(missing), 'E_NOT_FOUND', 'NOT_FOUND', /j-999999/);
    await rejectsWith(
      client.watch(missing, () => {}),
      'E_NOT_FOUND',
      'NOT_FOUND',
      /j-999999/,
    );
    await rejectsWith(client.exportModel(missing), 'E_NOT_FOUND', 'NOT_FOUND', /j-999999/);
    const watch = await cluster.cli(['watch', missing, '--coordinator', coordinator.address, '--json']);
    assert.equal(watch.code, 2, watch.tail());
    assert.equal(watch.events()[0]?.code, 'E_NOT_FOUND', watch.tail());

    // 70 MB of spec: over the 64 MiB limit. A client allowed to send it gets the server's refusal ...
    const huge = 'x'.repeat(70 * 1024 * 1024);
    const raw = new (protos().CoordinatorClient)(coordinator.address, grpc.credentials.createInsecure(), {
      ...clientOptions,
      'grpc.max_send_message_length': 128 * 1024 * 1024,
    });
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        raw.SubmitJob({ specJson: huge, requestId: 'huge' }, { deadline: Date.now() + 30_000 }, (e) =>
          resolve(e),
        ),
      );
      assert.ok(err, 'a 70 MB SubmitJob was accepted');
      assert.equal(grpc.status[err.code], 'RESOURCE_EXHAUSTED', err.message);
    } finally {
      raw.close();
    }
    // ... and the coordinator client refuses to send it, with the same status.
    await rejectsWith(client.submit({ huge }, 'huge-2'), 'E_TOO_LARGE', 'RESOURCE_EXHAUSTED');

    assert.ok(coordinator.alive, 'the coordinator died');
    assert.deepEqual(await client.listJobs(), []);
    assert.doesNotMatch(coordinator.stderr, /"level":"error"/);
  });

  it('trains a model over 4 MiB of parameters through the distributed stack', async () => {
    const spec = {
      name: 'big',
      data: { subset: 80, split: { val: 0.01, test: 0.01 } },
      model: {
        input: [784],
        layers: [{ affine: 1400 }, 'relu', { affine: 10 }],
        loss: 'softmax',
        init: 'he',
      },
      train: { epochs: 1, batchSize: 40, shards: 2, seed: 14, learningRate: 0.01, update: 'momentum' },
    };
    const reference = referenceFingerprint(spec);
    const coordinator = await cluster.startCoordinator();
    await cluster.startWorkers(['w1', 'w2']);
    const { jobId, done } = await cluster.submitAndWatch(spec, 80_000);
    assert.equal(done.status, 'finished', JSON.stringify(done));
    assert.ok(Number(done.paramCount) * 4 > 4 * 1024 * 1024, `only ${String(done.paramCount)} parameters`);
    assert.equal(done.fingerprint, await reference);
    const workers = new Set(shardResults(coordinator.logs(), jobId).map((r) => r.workerId));
    assert.deepEqual([...workers].sort(), ['w1', 'w2']);

    // The exported model (one >4 MiB message) comes back whole.
    const file = join(cluster.scratch, 'big-model.json');
    const exp = await cluster.cli([
      'export',
      jobId,
      '-o',
      file,
      '--coordinator',
      coordinator.address,
      '--json',
    ]);
    assert.equal(exp.code, 0, exp.tail());
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { fingerprint: string; params: { data: string }[] };
    assert.equal(doc.fingerprint, done.fingerprint);
    const values = doc.params.reduce((a, p) => a + Buffer.from(p.data, 'base64').length / 4, 0);
    assert.equal(values, done.paramCount);
  });
});
