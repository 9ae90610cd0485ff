/**
 * gradpool locked down, as processes: a coordinator with TLS, a tokens file and a plaintext health port;
 * workers with the CA and a worker token; the CLI with a client token. The job must end with the
 * fingerprint of an in-process run, a client credential must not get a worker in, and no token, token
 * hash or private key may appear in any process's output, in a job listing, or in the data directory.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenSha256 } from '../../src/transport/credentials';
import { BACKEND, Proc, referenceFingerprint, settlesWithin, smallSpec, waitFor } from '../helpers/cluster';
import { Pki } from '../helpers/pki';

const ALICE = 'alice-e2e-token-7f3a9c1d2b';
const WORKER = 'worker-e2e-token-0c4e8b6a5d';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('gradpool with TLS and tokens (processes)', function () {
  this.timeout(180_000);
  let pki: Pki;
  let dataDir: string;
  let procs: Proc[];

  beforeEach(() => {
    pki = new Pki();
    dataDir = mkdtempSync(join(tmpdir(), 'gp-sec-e2e-'));
    procs = [];
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') for (const p of procs) process.stderr.write(p.tail() + '\n');
    await Promise.all(procs.map((p) => p.destroy()));
    pki.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (name: string, args: string[]): Proc => {
    const p = new Proc(name, args);
    procs.push(p);
    return p;
  };

  async function run(name: string, args: string[], timeoutMs = 90_000): Promise<Proc> {
    const p = start(name, args);
    assert.ok(await settlesWithin(p.exited, timeoutMs), `${name} did not end within ${timeoutMs} ms`);
    return p;
  }

  /** Starts the coordinator (port 0, its data directory, --json, then `args`); waits until it listens. */
  async function startCoordinator(args: string[]) {
    const coordinator = start('coordinator', [
      'coordinator',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--json',
      ...args,
    ]);
    const listening = await waitFor(
      'the coordinator to listen',
      () => {
        assert.ok(coordinator.alive, 'the coordinator exited');
        return coordinator.events().find((e) => e.type === 'listening');
      },
      20_000,
    );
    return { coordinator, listening, address: `127.0.0.1:${String(listening.port)}` };
  }

  /** Starts worker `id` (named `worker <id>`) dialing `address` with the credential flags `creds`. */
  const startWorker = (address: string, id: string, creds: string[]): Proc =>
    start(`worker ${id}`, ['worker', '--coordinator', address, '--id', id, '--backend', BACKEND, ...creds]);

  /** Runs `gradpool submit --watch --json` of `spec` (written to a file first) with the flags `creds`. */
  function submitWatch(spec: object, address: string, creds: string[]): Promise<Proc> {
    const specFile = join(pki.dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    return run('gradpool submit', [
      'submit',
      specFile,
      '--coordinator',
      address,
      '--watch',
      '--json',
      ...creds,
    ]);
  }

  it('trains over TLS with token-authenticated workers, keeps client tokens out of the worker plane, and never shows a secret', async () => {
    const server = pki.issue('coordinator', 'server');
    const tokens = pki.tokensFile([
      { name: 'alice', roles: ['submit', 'read'], token: ALICE },
      { name: 'pool', roles: ['worker'], token: WORKER },
    ]);
    const aliceFile = join(pki.dir, 'alice.token');
    const workerFile = join(pki.dir, 'worker.token');
    writeFileSync(aliceFile, ALICE + '\n');
    writeFileSync(workerFile, WORKER + '\n');

    const { coordinator, listening, address } = await startCoordinator([
      '--tls-cert',
      server.cert,
      '--tls-key',
      server.key,
      '--tokens',
      tokens,
      '--health-port',
      '0',
    ]);
    assert.ok(Number(listening.healthPort) > 0, 'a health port');
    const tls = ['--tls-ca', pki.ca];

    for (const id of ['w1', 'w2']) startWorker(address, id, [...tls, '--token-file', workerFile]);
    await Promise.all(
      ['w1', 'w2'].map((id) => coordinator.waitForLog('worker registered', { workerId: id }, 30_000)),
    );

    // A worker holding a client token is refused, and says why.
    const intruder = startWorker(address, 'intruder', [...tls, '--token', ALICE]);
    const refusal = await intruder.waitForLog("coordinator refused this worker's credentials", {}, 30_000);
    assert.match(String(refusal.details), /needs the worker role/);
    assert.ok(!coordinator.logs().some((l) => l.msg === 'worker registered' && l.workerId === 'intruder'));
    await intruder.destroy();

    const spec = smallSpec(41);
    const submit = await submitWatch(spec, address, [...tls, '--token-file', aliceFile]);
    assert.equal(submit.code, 0, 'submit --watch exit code');
    const done = submit.events().find((e) => e.type === 'done');
    assert.ok(done, 'a done event');
    assert.equal(done.fingerprint, await referenceFingerprint(spec), 'same parameters as the in-process run');

    const jobs = await run('gradpool jobs', [
      'jobs',
      '--coordinator',
      address,
      '--json',
      ...tls,
      '--token',
      ALICE,
    ]);
    assert.equal(jobs.code, 0);
    const listed = jobs.events();
    assert.ok(listed.length >= 1 && listed.every((j) => j.owner === 'alice'), jobs.stdout);

    // Plaintext against the TLS port fails with a hint; no token fails as UNAUTHENTICATED.
    const plain = await run('gradpool jobs (plaintext)', [
      'jobs',
      '--coordinator',
      address,
      '--token',
      ALICE,
    ]);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /UNAVAILABLE.*--tls-ca/s);
    const anon = await run('gradpool jobs (no token)', ['jobs', '--coordinator', address, ...tls]);
    assert.equal(anon.code, 1);
    assert.match(anon.stderr, /UNAUTHENTICATED/);
    const wrongKey = await run('gradpool jobs (bad CA)', [
      'jobs',
      '--coordinator',
      address,
      '--tls-ca',
      server.key,
      '--token',
      ALICE,
    ]);
    assert.equal(wrongKey.code, 2);
    assert.match(wrongKey.stderr, /--tls-ca .*is not a PEM certificate/);

    // Stop everything cleanly so that every log line is written, then look for secrets everywhere.
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => settlesWithin(p.exited, 30_000)));
    const keyBody = readFileSync(server.key, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0 && !l.startsWith('-----'));
    const secrets = [ALICE, WORKER, tokenSha256(ALICE), tokenSha256(WORKER), ...keyBody];
    const texts: [string, string][] = [
      ...procs.flatMap((p): [string, string][] => [
        [`${p.name} stdout`, p.stdout],
        [`${p.name} stderr`, p.stderr],
      ]),
      ...filesUnder(dataDir).map((f): [string, string] => [f, readFileSync(f, 'latin1')]),
    ];
    assert.ok(
      texts.some(([, t]) => t.includes('"owner":"alice"')),
      'the job record names its owner',
    );
    for (const [where, text] of texts) {
      for (const s of secrets) assert.ok(!text.includes(s), `${where} contains a secret (${s.slice(0, 6)}…)`);
    }
  });
  it('with mutual TLS, workers and clients are known by their certificates alone', async () => {
    const server = pki.issue('coordinator', 'server');
    const workerCert = pki.issue('gradpool-worker', 'client');
    const aliceCert = pki.issue('alice', 'client');
    const tokens = pki.tokensFile([
      { name: 'pool', roles: ['worker'], certCommonName: 'gradpool-worker' },
      { name: 'alice', roles: ['submit', 'read'], certCommonName: 'alice' },
    ]);
    const { coordinator, address } = await startCoordinator([
      '--tls-cert',
      server.cert,
      '--tls-key',
      server.key,
      '--tls-ca',
      pki.ca,
      '--tokens',
      tokens,
    ]);
    const as = (c: { cert: string; key: string }) => [
      '--tls-ca',
      pki.ca,
      '--tls-cert',
      c.cert,
      '--tls-key',
      c.key,
    ];

    startWorker(address, 'w1', as(workerCert));
    await coordinator.waitForLog('worker registered', { workerId: 'w1' }, 30_000);
    // alice's certificate is trusted by TLS but is no worker.
    const intruder = startWorker(address, 'intruder', as(aliceCert));
    await intruder.waitForLog("coordinator refused this worker's credentials", {}, 30_000);
    await intruder.destroy();

    const spec = smallSpec(41);
    const submit = await submitWatch(spec, address, as(aliceCert));
    assert.equal(submit.code, 0, 'submit --watch exit code');
    const done = submit.events().find((e) => e.type === 'done');
    assert.equal(
      done?.fingerprint,
      await referenceFingerprint(spec),
      'same parameters as the in-process run',
    );

    // Without a client certificate the handshake fails.
    const noCert = await run('gradpool jobs (no certificate)', [
      'jobs',
      '--coordinator',
      address,
      '--tls-ca',
      pki.ca,
    ]);
    assert.equal(noCert.code, 1);
    assert.match(noCert.stderr, /UNAVAILABLE/);
    const listed = await run('gradpool jobs', ['jobs', '--coordinator', address, '--json', ...as(aliceCert)]);
    assert.equal(listed.code, 0);
    assert.ok(
      listed.events().every((j) => j.owner === 'alice'),
      listed.stdout,
    );
  });
});
