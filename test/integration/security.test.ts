/**
 * A real coordinator on 127.0.0.1:0 with TLS (and mutual TLS), a tokens file and limits, called through the
 * public client and a raw worker-plane stream: who gets in, with which status, and what the limits refuse.
 * Certificates come from the openssl command (test/helpers/pki.ts).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { selectBackend } from '../../src/backend/select';
import { Auth } from '../../src/coordinator/auth';
import { CoordinatorClient } from '../../src/coordinator/client';
import { Coordinator, type CoordinatorOptions } from '../../src/coordinator/coordinator';
import { Limits } from '../../src/coordinator/limits';
import { GradpoolError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/log';
import { clientChannel, type ClientSecurity, type ServerTlsFiles } from '../../src/transport/credentials';
import type { HealthCheckResponse__Output } from '../../src/transport/generated/grpc/health/v1/HealthCheckResponse';
import { protos } from '../../src/transport/proto';
import { grpcDatasetFetcher } from '../../src/worker/dataset-fetcher';
import { Worker } from '../../src/worker/worker';
import { writeIdx } from '../unit/data/formats/write-files';
import { waitFor } from '../helpers/cluster';
import { Pki, type CertFiles } from '../helpers/pki';

const SPEC = {
  name: 'sec-mlp',
  data: { subset: 200, split: { val: 0.1, test: 0.1 } },
  model: { input: [784], layers: [{ affine: 8 }, 'relu', { affine: 10 }], loss: 'softmax' },
  train: { epochs: 1, batchSize: 40, learningRate: 0.01, seed: 5, shards: 2 },
};

const TOKENS = {
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  reader: 'reader-token-0123456789',
  admin: 'admin-token-0123456789',
  worker: 'worker-token-0123456789',
};

const ref = (p: string, source: string) => ({ path: p, source });

/** The GradpoolError a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<GradpoolError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof GradpoolError, String(e));
    return e;
  }
  assert.fail('the call succeeded');
}

/** Opens a WorkerPlane.Connect stream, sends Hello, and resolves with the stream's status. */
function connectStatus(
  address: string,
  security: ClientSecurity,
  timeoutMs = 10_000,
): Promise<grpc.StatusObject> {
  const channel = clientChannel(security);
  const client = new (protos().WorkerPlaneClient)(address, channel.credentials, channel.options);
  return new Promise<grpc.StatusObject>((resolve) => {
    const call = client.Connect({ deadline: Date.now() + timeoutMs });
    call.on('data', () => {});
    call.on('error', () => {});
    call.on('status', (s: grpc.StatusObject) => resolve(s));
    call.write({ hello: { workerId: 'intruder', backend: 'reference', threads: 1, dtype: 'float64' } });
  }).finally(() => client.close());
}

/** Waits (bounded) until the job is CANCELLED (a running job's cancel completes asynchronously). */
function cancelled(c: CoordinatorClient, jobId: string): Promise<unknown> {
  return waitFor(
    `job ${jobId} to be cancelled`,
    async () => (await c.getJob(jobId)).state === 'CANCELLED',
    10_000,
  );
}

async function healthCheck(address: string): Promise<string> {
  const client = new (protos().HealthClient)(address, grpc.credentials.createInsecure(), {});
  try {
    const r = await new Promise<HealthCheckResponse__Output>((resolve, reject) =>
      client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (e, res) =>
        e ? reject(e) : resolve(res as HealthCheckResponse__Output),
      ),
    );
    return r.status;
  } finally {
    client.close();
  }
}

describe('coordinator security (TLS, tokens, roles, limits)', function () {
  this.timeout(120_000);
  let pki: Pki;
  let server: CertFiles;
  let dir: string;
  let coordinator: Coordinator | null;
  let clients: CoordinatorClient[];
  let workers: Worker[];
  let tokensFile: string;

  before(() => {
    pki = new Pki();
    server = pki.issue('coordinator', 'server');
    tokensFile = pki.tokensFile([
      { name: 'alice', roles: ['submit', 'read'], token: TOKENS.alice },
      { name: 'bob', roles: ['submit', 'read'], token: TOKENS.bob },
      { name: 'reader', roles: ['read'], token: TOKENS.reader },
      { name: 'root', roles: ['admin'], token: TOKENS.admin },
      { name: 'pool', roles: ['worker'], token: TOKENS.worker, certCommonName: 'gradpool-worker' },
      { name: 'carol', roles: ['read', 'submit'], certCommonName: 'carol' },
    ]);
  });

  after(() => pki.cleanup());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-sec-'));
    coordinator = null;
    clients = [];
    workers = [];
  });

  afterEach(async () => {
    for (const c of clients) c.close();
    await Promise.all(workers.map((w) => w.close()));
    await coordinator?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serverTls = (mutual: boolean): ServerTlsFiles => ({
    cert: ref(server.cert, '--tls-cert'),
    key: ref(server.key, '--tls-key'),
    ...(mutual && { ca: ref(pki.ca, '--tls-ca') }),
  });

  async function start(options: Partial<CoordinatorOptions>): Promise<string> {
    coordinator = new Coordinator({
      dataDir: dir,
      leaseMs: 20_000,
      shutdownGraceMs: 300,
      log: silentLogger,
      ...options,
    });
    return `127.0.0.1:${await coordinator.start(0)}`;
  }

  function client(address: string, security: ClientSecurity): CoordinatorClient {
    const c = new CoordinatorClient(address, security);
    clients.push(c);
    return c;
  }

  const caOnly = (): ClientSecurity['tls'] => ({ ca: ref(pki.ca, '--tls-ca') });
  const withToken = (token: string): ClientSecurity => ({ tls: caOnly(), token });

  it('runs a job over TLS with a token-authenticated worker, and records the submitter as owner', async () => {
    const address = await start({ tls: serverTls(false), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    const w = new Worker(
      address,
      {
        workerId: 'w-tls',
        backendName: 'gpujs-cpu',
        threads: 1,
        heartbeatMs: 500,
        security: withToken(TOKENS.worker),
      },
      { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: silentLogger },
    );
    workers.push(w);
    await w.start();
    const alice = client(address, withToken(TOKENS.alice));
    const { job } = await alice.submit(SPEC, 'r1');
    assert.equal(job.owner, 'alice');
    const done = await waitFor(
      'the job to end',
      async () => {
        const j = await alice.getJob(job.id);
        return ['FINISHED', 'FAILED', 'DIVERGED', 'CANCELLED'].includes(String(j.state)) ? j : undefined;
      },
      60_000,
      100,
    );
    assert.equal(done.state, 'FINISHED', done.message);
    assert.match(done.fingerprint, /^[0-9a-f]{64}$/);
    // The record on disk names the owner and holds no token.
    const record = fs.readFileSync(path.join(dir, 'jobs', `${job.id}.json`), 'utf8');
    assert.equal(JSON.parse(record).owner, 'alice');
    for (const t of Object.values(TOKENS)) assert.ok(!record.includes(t), 'a token in the job record');
  });

  it('refuses a plaintext client of a TLS coordinator with UNAVAILABLE and a hint to give --tls-ca', async () => {
    const address = await start({ tls: serverTls(false), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    const e = await failure(client(address, { token: TOKENS.alice }).listJobs());
    assert.equal(e.code, 'E_UNAVAILABLE');
    assert.match(e.message, /--tls-ca/);
  });

  it('refuses a TLS client of a plaintext coordinator, saying the handshake failed', async () => {
    const address = await start({});
    const e = await failure(client(address, { tls: caOnly() }).listJobs());
    assert.equal(e.code, 'E_UNAVAILABLE');
    assert.match(e.message, /TLS/);
  });

  it('with mutual TLS: no client certificate or one from another CA is refused; a known one gets its roles', async () => {
    const address = await start({ tls: serverTls(true), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    const noCert = await failure(client(address, withToken(TOKENS.alice)).listJobs());
    assert.equal(noCert.code, 'E_UNAVAILABLE', noCert.message);

    const other = new Pki('other-ca');
    try {
      const stranger = other.issue('carol', 'client');
      const e = await failure(
        client(address, {
          tls: {
            ca: ref(pki.ca, '--tls-ca'),
            cert: ref(stranger.cert, '--tls-cert'),
            key: ref(stranger.key, '--tls-key'),
          },
          token: TOKENS.alice,
        }).listJobs(),
      );
      assert.equal(e.code, 'E_UNAVAILABLE', e.message);
    } finally {
      other.cleanup();
    }

    // A certificate of this CA, no token: the principal is the one with its common name.
    const carol = pki.issue('carol', 'client');
    const carolTls = {
      ca: ref(pki.ca, '--tls-ca'),
      cert: ref(carol.cert, '--tls-cert'),
      key: ref(carol.key, '--tls-key'),
    };
    const { job } = await client(address, { tls: carolTls }).submit(SPEC, 'c1');
    assert.equal(job.owner, 'carol');
    // A certificate of this CA whose common name no principal has: authenticated by TLS, unknown to gradpool.
    const nobody = pki.issue('nobody', 'client');
    const e = await failure(
      client(address, {
        tls: {
          ca: ref(pki.ca, '--tls-ca'),
          cert: ref(nobody.cert, '--tls-cert'),
          key: ref(nobody.key, '--tls-key'),
        },
      }).listJobs(),
    );
    assert.equal(e.code, 'E_UNAUTHENTICATED', e.message);
    assert.match(e.message, /common name "nobody"/);
    // A worker certificate joins the worker plane; carol's certificate does not.
    const workerCert = pki.issue('gradpool-worker', 'client');
    const workerTls = {
      ca: ref(pki.ca, '--tls-ca'),
      cert: ref(workerCert.cert, '--tls-cert'),
      key: ref(workerCert.key, '--tls-key'),
    };
    const w = new Worker(
      address,
      {
        workerId: 'w-cert',
        backendName: 'gpujs-cpu',
        threads: 1,
        heartbeatMs: 500,
        security: { tls: workerTls },
      },
      { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: silentLogger },
    );
    workers.push(w);
    await w.start();
    await waitFor('the certificate worker to connect', () => w.connected, 10_000);
    const refused = await connectStatus(address, { tls: carolTls });
    assert.equal(refused.code, grpc.status.PERMISSION_DENIED, refused.details);
  });

  it('answers UNAUTHENTICATED for a missing, unknown or malformed token, naming the fix', async () => {
    const address = await start({ tls: serverTls(false), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    const missing = await failure(client(address, { tls: caOnly() }).listJobs());
    assert.equal(missing.code, 'E_UNAUTHENTICATED');
    assert.match(missing.message, /UNAUTHENTICATED/);
    assert.match(missing.message, /--token/);
    const wrong = await failure(client(address, withToken('not-a-known-token')).getJob('j-000001'));
    assert.equal(wrong.code, 'E_UNAUTHENTICATED');
    assert.match(wrong.message, /unknown token/);
    assert.ok(!wrong.message.includes('not-a-known-token'), 'the error echoes the token');
    // Streams are guarded too.
    const watch = await failure(client(address, withToken('not-a-known-token')).watch('j-000001', () => {}));
    assert.equal(watch.code, 'E_UNAUTHENTICATED');
    const exp = await failure(client(address, { tls: caOnly() }).exportModel('j-000001'));
    assert.equal(exp.code, 'E_UNAUTHENTICATED');
    const plane = await connectStatus(address, { tls: caOnly() });
    assert.equal(plane.code, grpc.status.UNAUTHENTICATED);
  });

  it('answers PERMISSION_DENIED for a token without the role; workers and clients cannot swap places', async () => {
    const address = await start({ tls: serverTls(false), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    const reader = client(address, withToken(TOKENS.reader));
    const e1 = await failure(reader.submit(SPEC, 'x'));
    assert.equal(e1.code, 'E_PERMISSION_DENIED');
    assert.match(e1.message, /reader may not call SubmitJob: it needs the submit role/);
    assert.deepEqual(await reader.listJobs(), []);

    const worker = client(address, withToken(TOKENS.worker));
    const e2 = await failure(worker.submit(SPEC, 'y'));
    assert.equal(e2.code, 'E_PERMISSION_DENIED', 'a worker token submits a job');
    assert.equal((await failure(worker.listJobs())).code, 'E_PERMISSION_DENIED');

    for (const token of [TOKENS.alice, TOKENS.admin, TOKENS.reader]) {
      const s = await connectStatus(address, withToken(token));
      assert.equal(s.code, grpc.status.PERMISSION_DENIED, `a client token joined as a worker: ${s.details}`);
      assert.match(s.details, /needs the worker role/);
    }
    const ok = await connectStatus(address, withToken(TOKENS.worker), 1500);
    assert.equal(
      ok.code,
      grpc.status.DEADLINE_EXCEEDED,
      'the worker token is let in (the stream stays open)',
    );
  });

  it('lets only the owner or an admin cancel or evaluate a job', async () => {
    const address = await start({ tls: serverTls(false), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    const alice = client(address, withToken(TOKENS.alice));
    const bob = client(address, withToken(TOKENS.bob));
    const { job } = await alice.submit(SPEC, 'a1');
    const e = await failure(bob.cancelJob(job.id));
    assert.equal(e.code, 'E_PERMISSION_DENIED');
    assert.match(e.message, /belongs to alice/);
    assert.equal((await failure(bob.evaluate(job.id, 'val'))).code, 'E_PERMISSION_DENIED');
    assert.equal((await bob.getJob(job.id)).owner, 'alice', 'read is allowed');
    // The same request id from another client is another job, not alice's.
    const { job: bobs, duplicate } = await bob.submit(SPEC, 'a1');
    assert.equal(duplicate, false);
    assert.notEqual(bobs.id, job.id);
    await alice.cancelJob(job.id);
    await client(address, withToken(TOKENS.admin)).cancelJob(bobs.id);
    for (const id of [job.id, bobs.id]) await cancelled(alice, id);
  });

  it('refuses specs over --max-spec-bytes and models over --max-params with RESOURCE_EXHAUSTED naming the flag', async () => {
    const address = await start({ limits: new Limits({ maxSpecBytes: 2000, maxParams: 1000 }) });
    const c = client(address, {});
    const big = await failure(c.submit({ ...SPEC, name: 'x'.repeat(3000) }, ''));
    assert.equal(big.code, 'E_LIMIT');
    assert.match(
      big.message,
      /spec size limit exceeded: \d+ bytes > 2000.*--max-spec-bytes.*RESOURCE_EXHAUSTED/,
    );
    const params = await failure(c.submit(SPEC, ''));
    assert.equal(params.code, 'E_LIMIT');
    assert.match(params.message, /the model has 6370 parameters > 1000.*--max-params/);
    assert.deepEqual(await c.listJobs(), [], 'nothing was recorded');
  });

  it('refuses a client its jobs beyond --max-jobs-per-client until one ends; other clients are not affected', async () => {
    const address = await start({
      tls: serverTls(false),
      auth: Auth.fromFile(ref(tokensFile, '--tokens')),
      limits: new Limits({ maxJobsPerClient: 2 }),
    });
    const alice = client(address, withToken(TOKENS.alice));
    // No workers: the jobs stay queued or running.
    const [a, b] = await Promise.all([alice.submit(SPEC, 'j1'), alice.submit(SPEC, 'j2')]);
    const e = await failure(alice.submit(SPEC, 'j3'));
    assert.equal(e.code, 'E_LIMIT');
    assert.match(
      e.message,
      /concurrent jobs limit exceeded: alice has 2 jobs queued or running.*--max-jobs-per-client/,
    );
    // A burst cannot slip past the count either.
    const burst = await Promise.allSettled([alice.submit(SPEC, 'j4'), alice.submit(SPEC, 'j5')]);
    assert.ok(burst.every((r) => r.status === 'rejected'));
    // A repeated request id is the same job, not a new one: it is answered, not refused.
    assert.equal((await alice.submit(SPEC, 'j1')).duplicate, true);
    await client(address, withToken(TOKENS.bob)).submit(SPEC, 'b1');
    await alice.cancelJob(a.job.id);
    await cancelled(alice, a.job.id);
    const { job } = await alice.submit(SPEC, 'j6');
    assert.equal(job.owner, 'alice');
    assert.notEqual(job.id, b.job.id);
  });

  it('serves grpc.health.v1 in plaintext on --health-port while the API port speaks TLS only', async () => {
    const address = await start({ tls: serverTls(true), healthPort: 0 });
    const hp = coordinator!.healthPort;
    assert.ok(hp !== undefined && hp > 0);
    assert.equal(await healthCheck(`127.0.0.1:${hp}`), 'SERVING');
    await assert.rejects(healthCheck(address), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE);
  });
  it('guards the dataset rpcs: submit uploads, read lists, only a worker credential fetches', async () => {
    const address = await start({ tls: serverTls(false), auth: Auth.fromFile(ref(tokensFile, '--tokens')) });
    // Two classes of 4x4 images, told apart by their left half.
    const n = 40;
    const pixels = new Uint8Array(n * 16).map((_, i) =>
      i % 4 < 2 === (Math.floor(i / 16) % 2 === 0) ? 220 : 10,
    );
    const labels = new Uint8Array(n).map((_, i) => i % 2);
    const images = path.join(dir, 'train-images');
    const labelFile = path.join(dir, 'train-labels');
    writeIdx(images, [n, 4, 4], pixels);
    writeIdx(labelFile, [n], labels);
    const upload = (c: CoordinatorClient) => {
      const bufs = [fs.readFileSync(images), fs.readFileSync(labelFile)];
      async function* chunks() {
        for (const [fileIndex, data] of bufs.entries()) yield { fileIndex, offset: 0, data };
      }
      return c.uploadDataset(
        {
          name: 'tiny',
          format: 'idx',
          files: [
            { role: 'train-images', fileName: 'train-images', sizeBytes: bufs[0].length, sha256: '' },
            { role: 'train-labels', fileName: 'train-labels', sizeBytes: bufs[1].length, sha256: '' },
          ],
        },
        chunks(),
      );
    };
    assert.equal(
      (await failure(upload(client(address, withToken(TOKENS.reader))))).code,
      'E_PERMISSION_DENIED',
    );
    assert.equal(
      (await failure(upload(client(address, withToken(TOKENS.worker))))).code,
      'E_PERMISSION_DENIED',
    );
    const uploaded = await upload(client(address, withToken(TOKENS.alice)));
    const id = uploaded.dataset!.id;
    assert.deepEqual(
      (await client(address, withToken(TOKENS.reader)).listDatasets()).map((d) => d.id),
      [id],
    );
    assert.equal(
      (await failure(client(address, { tls: caOnly() }).listDatasets())).code,
      'E_UNAUTHENTICATED',
    );

    // A client credential cannot download a dataset from the worker plane.
    const fetchWith = async (token: string) => {
      for await (const item of grpcDatasetFetcher(address, 'probe', clientChannel(withToken(token)))(id))
        void item;
    };
    assert.equal((await failure(fetchWith(TOKENS.alice))).code, 'E_PERMISSION_DENIED');
    assert.equal((await failure(fetchWith('unknown-token-0000'))).code, 'E_UNAUTHENTICATED');

    // A worker with the worker token fetches it over TLS and trains on it.
    const w = new Worker(
      address,
      {
        workerId: 'w-data',
        backendName: 'gpujs-cpu',
        threads: 1,
        heartbeatMs: 500,
        cacheDir: path.join(dir, 'cache'),
        security: withToken(TOKENS.worker),
      },
      { startBackend: () => selectBackend('gpujs-cpu', () => {}), log: silentLogger },
    );
    workers.push(w);
    await w.start();
    const alice = client(address, withToken(TOKENS.alice));
    const { job } = await alice.submit(
      {
        name: 'on-tiny',
        data: { train: 'dataset:tiny', split: { val: 0.2 } },
        model: { input: [1, 4, 4], layers: [{ affine: 8 }, 'relu', { affine: 2 }], loss: 'softmax' },
        train: { epochs: 2, batchSize: 8, learningRate: 0.05, seed: 3, shards: 2 },
      },
      'tiny-1',
    );
    const done = await waitFor(
      'the dataset job to end',
      async () => {
        const j = await alice.getJob(job.id);
        return ['FINISHED', 'FAILED', 'DIVERGED', 'CANCELLED'].includes(String(j.state)) ? j : undefined;
      },
      60_000,
      100,
    );
    assert.equal(done.state, 'FINISHED', done.message);
  });
});
