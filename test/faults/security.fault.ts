/**
 * Unauthenticated and wrongly-credentialed calls against a locked-down pool: a coordinator with mutual TLS
 * and a tokens file (and tight limits), two workers on hosts of their own known by their client
 * certificates, and a client on a third host running `gradpool submit --watch` over TLS. While that job
 * runs, bad calls are thrown at the coordinator: no token, a wrong token, tokens and certificates without
 * the needed role (a reader submitting or cancelling, a worker credential submitting, a client credential
 * joining the worker plane or fetching a dataset, a client certificate run as a worker process), plaintext
 * against the TLS port, no client certificate, certificates of a foreign CA, an expired and a garbage
 * certificate, and limit breaches. Each must be refused with its gRPC status, none may change anything
 * (no job, no worker, the running job untouched), the job must finish with its fault-free fingerprint,
 * and no secret may appear in any process's output.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CoordinatorClient } from '../../src/coordinator/client';
import { GradpoolError } from '../../src/shared/errors';
import { clientChannel, tokenSha256, type ClientSecurity } from '../../src/transport/credentials';
import { protos } from '../../src/transport/proto';
import { statusOf as grpcStatusOf } from '../../src/transport/status';
import { referenceFingerprint, settlesWithin, smallSpec, TERMINAL, waitFor } from '../helpers/cluster';
import { Pki, type CertFiles } from '../helpers/pki';
import type { FaultEnv } from './fault-env';
import { pass, scenario } from './report';
import { faultSuite } from './suite';

const TOKENS = {
  alice: 'alice-fault-token-3c9e1f7a5b2d',
  bob: 'bob-fault-token-8d2a6c0e4f1b',
  reader: 'reader-fault-token-5e7b9d1f3a6c',
  worker: 'worker-fault-token-1a3c5e7b9d0f',
  admin: 'admin-fault-token-6f4d2b0a8c1e',
};
/** A token the coordinator does not know (it must not be echoed either). */
const WRONG = 'wrong-fault-token-9b7d5f3e1c0a';

const { status } = grpc;
const statusName = (code: number) => status[code] ?? String(code);

/** The gRPC status a promise rejects with (a GradpoolError carries it as its code: E_… ↔ status). */
async function statusOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (e) {
    // The public client turns the status into a GradpoolError (E_UNAVAILABLE ↔ UNAVAILABLE …).
    if (e instanceof GradpoolError) return { code: grpcStatusOf(e.code), details: e.message };
    const err = e as grpc.ServiceError;
    if (typeof err.code === 'number') return { code: err.code, details: err.details ?? err.message };
    throw new Error(`expected a gRPC failure, got ${String(e)}`);
  }
  throw new Error('the call succeeded');
}

/** A raw Coordinator client: its failures are grpc.ServiceErrors with their status code. */
function rawCoordinator(address: string, channel: { credentials: grpc.ChannelCredentials; options: object }) {
  return new (protos().CoordinatorClient)(address, channel.credentials, channel.options);
}

/** A unary call of the Coordinator service through a raw client; resolves with the answer. */
function unary(
  address: string,
  security: ClientSecurity | { credentials: grpc.ChannelCredentials; options: object },
  method: 'SubmitJob' | 'ListJobs' | 'GetJob' | 'CancelJob',
  request: object,
): Promise<unknown> {
  const channel = 'credentials' in security ? security : clientChannel(security);
  const client = rawCoordinator(address, channel);
  return new Promise((resolve, reject) => {
    const fn = client[method].bind(client) as (
      req: object,
      opts: grpc.CallOptions,
      cb: (e: grpc.ServiceError | null, r?: unknown) => void,
    ) => void;
    fn(request, { deadline: Date.now() + 20_000 }, (e, r) => (e ? reject(e) : resolve(r)));
  }).finally(() => client.close());
}

/** WatchJob through a raw client: resolves when the stream ends, rejects with its status. */
function watch(address: string, security: ClientSecurity, jobId: string): Promise<void> {
  const client = rawCoordinator(address, clientChannel(security));
  return new Promise<void>((resolve, reject) => {
    const call = client.WatchJob({ jobId }, { deadline: Date.now() + 20_000 });
    call.on('data', () => {});
    call.on('error', reject);
    call.on('end', () => resolve());
  }).finally(() => client.close());
}

/** WorkerPlane.Connect with a Hello; rejects with the stream's status unless it stays open `openMs`. */
function connect(
  address: string,
  security: ClientSecurity,
  workerId: string,
  openMs = 20_000,
): Promise<void> {
  const channel = clientChannel(security);
  const client = new (protos().WorkerPlaneClient)(address, channel.credentials, channel.options);
  return new Promise<void>((resolve, reject) => {
    const call = client.Connect({ deadline: Date.now() + openMs });
    call.on('data', () => {});
    call.on('error', (e: grpc.ServiceError) => (e.code === status.DEADLINE_EXCEEDED ? resolve() : reject(e)));
    call.write({ hello: { workerId, backend: 'reference', threads: 1, dtype: 'float64' } });
  }).finally(() => client.close());
}

/** WorkerPlane.FetchDataset: rejects with its status. */
function fetchDataset(address: string, security: ClientSecurity): Promise<void> {
  const channel = clientChannel(security);
  const client = new (protos().WorkerPlaneClient)(address, channel.credentials, channel.options);
  return new Promise<void>((resolve, reject) => {
    const call = client.FetchDataset(
      { datasetId: 'a'.repeat(64), workerId: 'intruder' },
      { deadline: Date.now() + 20_000 },
    );
    call.on('data', () => {});
    call.on('error', reject);
    call.on('end', () => resolve());
  }).finally(() => client.close());
}

/** A client certificate of `pki`'s CA that expired in 2020 (openssl ca takes explicit dates). */
function expiredCert(pki: Pki, commonName: string): CertFiles {
  const d = pki.dir;
  const key = join(d, `${commonName}-expired.key`);
  const csr = join(d, `${commonName}-expired.csr`);
  const cert = join(d, `${commonName}-expired.crt`);
  const cnf = join(d, 'expired-ca.cnf');
  writeFileSync(join(d, 'index.txt'), '');
  writeFileSync(join(d, 'serial'), '4242\n');
  writeFileSync(
    cnf,
    [
      '[ca]',
      'default_ca=x',
      '[x]',
      `database=${join(d, 'index.txt')}`,
      `new_certs_dir=${d}`,
      `serial=${join(d, 'serial')}`,
      'default_md=sha256',
      'policy=p',
      'unique_subject=no',
      '[p]',
      'commonName=supplied',
      '[ext]',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=clientAuth',
      '',
    ].join('\n'),
  );
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: d, stdio: ['ignore', 'ignore', 'pipe'] });
  run(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      `/CN=${commonName}`,
    ].concat(['-keyout', key, '-out', csr]),
  );
  run(
    [
      'ca',
      '-batch',
      '-config',
      cnf,
      '-cert',
      pki.ca,
      '-keyfile',
      pki.ca.replace(/\.crt$/, '.key'),
      '-in',
      csr,
    ]
      .concat(['-out', cert, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z'])
      .concat(['-extensions', 'ext', '-notext']),
  );
  return { cert, key };
}

/** One bad input: what it is, the status it must get, and the call. */
interface BadCall {
  readonly what: string;
  readonly expect: number;
  /** A fragment the refusal's details must contain (the reason or the flag that fixes it). */
  readonly says?: RegExp;
  readonly call: () => Promise<unknown>;
}

/** One refusal as observed. */
interface Refusal {
  readonly what: string;
  readonly code: number;
  readonly ms: number;
}

describe('fault suite: unauthenticated and wrongly-credentialed calls', function () {
  let env: FaultEnv;
  let pki: Pki;
  let foreign: Pki;

  faultSuite((e) => (env = e), {
    beforeEach: () => {
      pki = new Pki('gradpool-fault-ca');
      foreign = new Pki('foreign-ca');
    },
    afterCleanup: () => {
      pki.cleanup();
      foreign.cleanup();
    },
  });

  it('bad credentials, roles, TLS and limits are refused with their status while a job runs untouched', async function () {
    this.timeout(360_000);
    const row = scenario(
      'unauthenticated and wrongly-credentialed calls during a job (mutual TLS + tokens + limits)',
      'each refused (UNAUTHENTICATED / PERMISSION_DENIED / RESOURCE_EXHAUSTED / UNAVAILABLE); no job or worker added; job FINISHED with its fault-free fingerprint; no secret in any log',
    );
    const spec = smallSpec(401, { epochs: 6 });
    const reference = referenceFingerprint(spec, 180_000);

    // The PKI: the coordinator's server certificate, client certificates of its CA (workers, alice, and
    // "visitor", whom no principal names), and certificates of a CA the coordinator does not trust.
    const server = pki.issue('coordinator', 'server');
    const workerCert = pki.issue('gradpool-worker', 'client');
    const aliceCert = pki.issue('alice', 'client');
    const visitorCert = pki.issue('visitor', 'client');
    const foreignAlice = foreign.issue('alice', 'client');
    const foreignWorker = foreign.issue('gradpool-worker', 'client');
    const expired = expiredCert(pki, 'alice');
    const garbage = join(pki.dir, 'garbage.crt');
    writeFileSync(
      garbage,
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    );
    const tokens = pki.tokensFile([
      { name: 'alice', roles: ['submit', 'read'], token: TOKENS.alice, certCommonName: 'alice' },
      { name: 'bob', roles: ['submit', 'read'], token: TOKENS.bob },
      { name: 'reader', roles: ['read'], token: TOKENS.reader },
      { name: 'pool', roles: ['worker'], token: TOKENS.worker, certCommonName: 'gradpool-worker' },
      { name: 'ops', roles: ['admin'], token: TOKENS.admin },
    ]);
    const aliceTokenFile = join(pki.dir, 'alice.token');
    writeFileSync(aliceTokenFile, TOKENS.alice + '\n');

    const coordinator = await env.startCoordinator({
      extraArgs: [
        '--tls-cert',
        server.cert,
        '--tls-key',
        server.key,
        '--tls-ca',
        pki.ca,
        '--tokens',
        tokens,
        '--max-spec-bytes',
        '4096',
        '--max-params',
        '100000',
        '--max-jobs-per-client',
        '1',
      ],
    });
    const address = coordinator.address;
    // Processes on other hosts dial the gateway address, which the server certificate does not name.
    const mtls = (c: CertFiles) => ['--tls-ca', pki.ca, '--tls-cert', c.cert, '--tls-key', c.key];
    const remote = ['--tls-server-name', 'localhost'];
    await env.startWorkers(['w1', 'w2'], [...mtls(workerCert), ...remote]);

    // The legitimate client: alice, on a host of her own, with her certificate and her token.
    const clientHost = await env.lab.addHost('alice');
    const submit = env.cluster.spawnCli(
      [
        'submit',
        env.cluster.specFile(spec),
        '--watch',
        '--json',
        '--request-id',
        'alice-legit-1',
        '--coordinator',
        `${clientHost.gatewayIp}:${coordinator.port}`,
        ...mtls(aliceCert),
        ...remote,
        '--token-file',
        aliceTokenFile,
      ],
      clientHost.netns,
    );
    const jobId = await env.cluster.waitJobIdOf(submit, 60_000);
    row.jobsAccepted = 1;

    // How the test itself reads the pool: as ops (admin), over mutual TLS with a known certificate.
    const tls = (c?: CertFiles): NonNullable<ClientSecurity['tls']> => ({
      ca: { path: pki.ca, source: '--tls-ca' },
      ...(c && { cert: { path: c.cert, source: '--tls-cert' }, key: { path: c.key, source: '--tls-key' } }),
    });
    const ops = new CoordinatorClient(address, { tls: tls(aliceCert), token: TOKENS.admin });
    try {
      await waitFor(
        `job ${jobId} to be running`,
        async () => {
          const j = await ops.getJob(jobId);
          if (TERMINAL.includes(String(j.state))) throw new Error(`job ended early: ${j.state}`);
          return j.iteration >= 3;
        },
        120_000,
        50,
      );
      const iterationBefore = (await ops.getJob(jobId)).iteration;

      const as = (c: CertFiles | undefined, token?: string): ClientSecurity => ({
        tls: tls(c),
        ...(token !== undefined && { token }),
      });
      const foreignTls = (c: CertFiles): ClientSecurity['tls'] => ({
        ca: { path: pki.ca, source: '--tls-ca' },
        cert: { path: c.cert, source: '--tls-cert' },
        key: { path: c.key, source: '--tls-key' },
      });
      const big = { ...spec, name: 'x'.repeat(5000) };
      const wide = {
        ...spec,
        model: { input: [784], layers: [{ affine: 200 }, 'relu', { affine: 10 }], loss: 'softmax' },
      };
      const submitReq = (s: object, requestId: string) => ({ specJson: JSON.stringify(s), requestId });
      const { UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNAVAILABLE } = status;
      const bad: BadCall[] = [
        // Limits first, while alice's one job surely runs.
        {
          what: 'alice submits a second job (--max-jobs-per-client 1)',
          expect: RESOURCE_EXHAUSTED,
          says: /concurrent jobs limit exceeded.*--max-jobs-per-client/,
          call: () => unary(address, as(aliceCert, TOKENS.alice), 'SubmitJob', submitReq(spec, 'alice-2')),
        },
        {
          what: 'bob submits a 5 kB spec (--max-spec-bytes 4096)',
          expect: RESOURCE_EXHAUSTED,
          says: /spec size limit exceeded.*--max-spec-bytes/,
          call: () => unary(address, as(visitorCert, TOKENS.bob), 'SubmitJob', submitReq(big, 'bob-big')),
        },
        {
          what: 'bob submits a 159k-parameter model (--max-params 100000)',
          expect: RESOURCE_EXHAUSTED,
          says: /parameter limit exceeded.*--max-params/,
          call: () => unary(address, as(visitorCert, TOKENS.bob), 'SubmitJob', submitReq(wide, 'bob-wide')),
        },
        // No credential / an unknown one.
        {
          what: 'ListJobs with no token and a certificate no principal names',
          expect: UNAUTHENTICATED,
          call: () => unary(address, as(visitorCert), 'ListJobs', {}),
        },
        {
          what: 'SubmitJob with no token and a certificate no principal names',
          expect: UNAUTHENTICATED,
          call: () => unary(address, as(visitorCert), 'SubmitJob', submitReq(spec, 'anon-1')),
        },
        {
          what: "SubmitJob with a wrong token on alice's own certificate (no fallback)",
          expect: UNAUTHENTICATED,
          says: /unknown token/,
          call: () => unary(address, as(aliceCert, WRONG), 'SubmitJob', submitReq(spec, 'wrong-1')),
        },
        {
          what: 'CancelJob of the running job with a wrong token',
          expect: UNAUTHENTICATED,
          call: () => unary(address, as(visitorCert, WRONG), 'CancelJob', { jobId }),
        },
        {
          what: 'WatchJob of the running job with a wrong token',
          expect: UNAUTHENTICATED,
          call: () => watch(address, as(visitorCert, WRONG), jobId),
        },
        {
          what: 'WorkerPlane.Connect with a wrong token',
          expect: UNAUTHENTICATED,
          call: () => connect(address, as(visitorCert, WRONG), 'intruder-wrong'),
        },
        // Known, but without the role.
        {
          what: 'a read-only token submits',
          expect: PERMISSION_DENIED,
          says: /needs the submit role/,
          call: () => unary(address, as(visitorCert, TOKENS.reader), 'SubmitJob', submitReq(spec, 'ro-1')),
        },
        {
          what: "a read-only token cancels alice's running job",
          expect: PERMISSION_DENIED,
          call: () => unary(address, as(visitorCert, TOKENS.reader), 'CancelJob', { jobId }),
        },
        {
          what: "bob (submit role) cancels alice's running job",
          expect: PERMISSION_DENIED,
          says: /belongs to alice/,
          call: () => unary(address, as(visitorCert, TOKENS.bob), 'CancelJob', { jobId }),
        },
        {
          what: 'the worker token submits a job',
          expect: PERMISSION_DENIED,
          call: () => unary(address, as(visitorCert, TOKENS.worker), 'SubmitJob', submitReq(spec, 'wt-1')),
        },
        {
          what: 'the worker certificate (no token) submits a job',
          expect: PERMISSION_DENIED,
          call: () => unary(address, as(workerCert), 'SubmitJob', submitReq(spec, 'wc-1')),
        },
        {
          what: 'the worker token lists jobs',
          expect: PERMISSION_DENIED,
          call: () => unary(address, as(workerCert, TOKENS.worker), 'ListJobs', {}),
        },
        {
          what: "alice's token joins the worker plane (Connect)",
          expect: PERMISSION_DENIED,
          says: /needs the worker role/,
          call: () => connect(address, as(visitorCert, TOKENS.alice), 'intruder-token'),
        },
        {
          what: "alice's certificate (no token) joins the worker plane (Connect)",
          expect: PERMISSION_DENIED,
          call: () => connect(address, as(aliceCert), 'intruder-cert'),
        },
        {
          what: "alice's token fetches a dataset from the worker plane",
          expect: PERMISSION_DENIED,
          call: () => fetchDataset(address, as(aliceCert, TOKENS.alice)),
        },
        {
          what: 'the admin token joins the worker plane (admin is never worker)',
          expect: PERMISSION_DENIED,
          call: () => connect(address, as(visitorCert, TOKENS.admin), 'intruder-admin'),
        },
        // TLS mismatches: refused in the handshake.
        {
          what: "a plaintext client with alice's token",
          expect: UNAVAILABLE,
          says: /UNAVAILABLE.*--tls-ca/s,
          call: async () => {
            const plain = new CoordinatorClient(address, { token: TOKENS.alice });
            try {
              return await plain.listJobs();
            } finally {
              plain.close();
            }
          },
        },
        {
          what: 'a plaintext worker with the worker token',
          expect: UNAVAILABLE,
          call: () => connect(address, { token: TOKENS.worker }, 'intruder-plain'),
        },
        {
          what: "TLS without a client certificate, alice's token",
          expect: UNAVAILABLE,
          call: () => unary(address, as(undefined, TOKENS.alice), 'SubmitJob', submitReq(spec, 'nocert-1')),
        },
        {
          what: 'a certificate "alice" from a foreign CA',
          expect: UNAVAILABLE,
          call: () => unary(address, { tls: foreignTls(foreignAlice) }, 'SubmitJob', submitReq(spec, 'f-1')),
        },
        {
          what: 'a certificate "gradpool-worker" from a foreign CA joins the worker plane',
          expect: UNAVAILABLE,
          call: () => connect(address, { tls: foreignTls(foreignWorker) }, 'intruder-foreign'),
        },
        {
          what: 'an expired certificate "alice" of the trusted CA (sent past the client-side check)',
          expect: UNAVAILABLE,
          call: () =>
            unary(
              address,
              {
                credentials: grpc.credentials.createSsl(
                  readFileSync(pki.ca),
                  readFileSync(expired.key),
                  readFileSync(expired.cert),
                ),
                options: {},
              },
              'SubmitJob',
              submitReq(spec, 'expired-1'),
            ),
        },
      ];

      const refusals: Refusal[] = [];
      for (const b of bad) {
        const t0 = performance.now();
        const got = await statusOf(b.call());
        const ms = Math.round(performance.now() - t0);
        assert.equal(
          statusName(got.code),
          statusName(b.expect),
          `${b.what}: got ${statusName(got.code)} (${got.details})`,
        );
        if (b.says) assert.match(got.details, b.says, b.what);
        for (const secret of [...Object.values(TOKENS), WRONG])
          assert.ok(!got.details.includes(secret), `${b.what}: the refusal echoes a token`);
        refusals.push({ what: b.what, code: got.code, ms });
      }

      // Bad files are refused by the client before anything is sent, naming the flag.
      const local: [string, () => unknown, RegExp][] = [
        [
          'the expired certificate given as --tls-cert',
          () =>
            clientChannel({
              tls: {
                ...tls(),
                cert: { path: expired.cert, source: '--tls-cert' },
                key: { path: expired.key, source: '--tls-key' },
              },
            }),
          /--tls-cert .*certificate expired on/,
        ],
        [
          'a garbage certificate given as --tls-cert',
          () =>
            clientChannel({
              tls: {
                ...tls(),
                cert: { path: garbage, source: '--tls-cert' },
                key: { path: aliceCert.key, source: '--tls-key' },
              },
            }),
          /--tls-cert .*is not a valid PEM certificate/,
        ],
      ];
      for (const [what, f, says] of local) {
        assert.throws(
          f,
          (e: unknown) => e instanceof GradpoolError && e.code === 'E_BAD_ARGS' && says.test(e.message),
          what,
        );
      }

      // A real worker process with alice's certificate, on a host of its own: refused, never registered.
      const intruder = await env.startWorker('intruder', [...mtls(aliceCert), ...remote]);
      const tIntruder = Date.now();
      const refusedLine = await intruder.waitForLog(
        "coordinator refused this worker's credentials",
        {},
        60_000,
      );
      const intruderMs = Date.parse(refusedLine.ts) - tIntruder;
      assert.match(String(refusedLine.details), /needs the worker role/);
      await intruder.destroy();
      row.badInputs = bad.length + local.length + 1;

      // Nothing changed: one job (alice's, still running or finished, never cancelled), two workers.
      const jobs = await ops.listJobs();
      assert.deepEqual(
        jobs.map((j) => j.id),
        [jobId],
        'a refused call created a job',
      );
      assert.equal(jobs[0].owner, 'alice');
      assert.notEqual(jobs[0].state, 'CANCELLED');
      assert.ok(jobs[0].iteration >= iterationBefore);
      assert.equal(await env.metric('gradpool_connected_workers'), 2, 'a refused worker is connected');
      const registered = coordinator
        .logs()
        .filter((l) => l.msg === 'worker registered')
        .map((l) => String(l.workerId));
      assert.deepEqual(registered.sort(), ['w1', 'w2'], 'a refused worker was registered');
      // The refusals that reached a handler's guard were logged (rpc, peer, reason), the TLS ones never did.
      const guarded = bad.filter(
        (b) => b.expect === status.UNAUTHENTICATED || b.expect === status.PERMISSION_DENIED,
      );
      const logged = coordinator
        .logs()
        .filter((l) => l.msg === 'call refused' || l.msg === 'worker call refused');
      assert.ok(logged.length >= guarded.length, `${logged.length} refusals logged < ${guarded.length}`);

      // The job finishes as if nothing had happened.
      const ended = await settlesWithin(submit.exited, 240_000);
      assert.ok(ended, `alice's submit --watch did not end\n${submit.tail()}`);
      const done = submit.events().find((e) => e.type === 'done');
      const fingerprint = await reference;
      row.jobsLost =
        submit.code === 0 && done?.status === 'finished' && done.fingerprint === fingerprint ? 0 : 1;
      assert.equal(submit.code, 0, submit.tail());
      assert.equal(done?.status, 'finished', submit.tail());
      assert.equal(done?.fingerprint, fingerprint, 'the fault-free fingerprint');
      const after = await ops.listJobs();
      assert.deepEqual(
        after.map((j) => [j.id, j.state]),
        [[jobId, 'FINISHED']],
      );
      assert.equal(await env.metric('gradpool_jobs{state="FINISHED"}'), 1);

      // No secret in any output: stop everything cleanly so that every line is written, then search.
      for (const p of env.cluster.procs) p.kill('SIGTERM');
      await Promise.all(env.cluster.procs.map((p) => settlesWithin(p.exited, 30_000)));
      const keyLines = [server, workerCert, aliceCert, visitorCert].flatMap((c) =>
        readFileSync(c.key, 'utf8')
          .split('\n')
          .filter((l) => l.length > 0 && !l.startsWith('-----')),
      );
      const tokenList = [...Object.values(TOKENS), WRONG];
      const secrets = [...tokenList, ...tokenList.map(tokenSha256), ...keyLines];
      let searched = 0;
      for (const p of env.cluster.procs) {
        for (const [stream, text] of [
          ['stdout', p.stdout],
          ['stderr', p.stderr],
        ] as const) {
          searched += text.length;
          for (const s of secrets)
            assert.ok(!text.includes(s), `${p.name} ${stream} contains a secret (${s.slice(0, 6)}…)`);
        }
      }

      const byStatus = new Map<string, number[]>();
      for (const r of refusals)
        byStatus.set(statusName(r.code), [...(byStatus.get(statusName(r.code)) ?? []), r.ms]);
      const summary = [...byStatus]
        .map(([name, ms]) => `${ms.length} ${name} (max ${Math.max(...ms)} ms)`)
        .join(', ');
      row.detectionMs = Math.max(...refusals.map((r) => r.ms));
      row.observed =
        `${row.badInputs} bad inputs refused: ${summary}, ${local.length} bad certificate files E_BAD_ARGS ` +
        `before dialing, a worker process with a client certificate refused in ${intruderMs} ms and never ` +
        `registered; 1 job, 2 workers throughout; FINISHED with the fault-free fingerprint; ` +
        `no secret in ${(searched / 1024).toFixed(0)} KiB of output`;
      pass(row);
    } finally {
      ops.close();
    }
  });
});
