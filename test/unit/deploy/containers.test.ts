/**
 * The containers of each overlay, started for real: the coordinator and a worker run the compiled CLI with
 * exactly the args and environment their manifests give them (ConfigMap and Secret keys resolved, $(VAR)
 * expanded), except the coordinator's --port and --health-port (0) and --data-dir (a temporary
 * directory), and the worker's GRADPOOL_COORDINATOR (that coordinator, in place of the Service). The
 * Secret's placeholders are replaced by real material made for the test (a CA, the coordinator's
 * certificate, a tokens file and the worker token, as docs/security.md makes them), and each Secret volume
 * is written to a temporary directory that stands in for its mount path. The kubelet's gRPC probes are sent
 * as it sends them (plaintext), and SIGTERM must stop both within their grace periods.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { BACKEND_NAMES, type BackendName } from '../../../src/backend/select';
import { clientOptions } from '../../../src/transport/channel-options';
import type { HealthCheckResponse__Output } from '../../../src/transport/generated/grpc/health/v1/HealthCheckResponse';
import { tokenSha256 } from '../../../src/transport/credentials';
import { protos } from '../../../src/transport/proto';
import { waitFor } from '../../helpers/cluster';
import { Pki } from '../../helpers/pki';
import { CLI } from './cli-help';
import { expand, podTemplates, resolveEnv, type PodTemplate } from './k8s-semantics';
import { build, K8S_DIR, type Manifest } from './kustomize';

/** A child process started from a container spec. */
class Container {
  out = '';
  err = '';
  code: number | null = null;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    args: readonly string[],
    env: Readonly<Record<string, string>>,
  ) {
    // Only the container's own environment (and PATH), as in the pod.
    this.child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((done) => this.child.on('close', (code) => ((this.code = code), done())));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** The JSON log lines on stderr with message `msg`. */
  logs(msg: string): Record<string, unknown>[] {
    return this.err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return []; // a partial last line
        }
      })
      .filter((l) => l.msg === msg);
  }

  tail(): string {
    return `--- ${this.name} (code ${this.code})\n${this.out.slice(-1500)}\n${this.err.slice(-1500)}`;
  }
}

/** `args` with the value of `flag` replaced (`--flag value` or `--flag=value`). */
function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  assert.ok(i >= 0, `no ${flag} in ${args.join(' ')}`);
  return args[i] === flag
    ? [...args.slice(0, i + 1), value, ...args.slice(i + 2)]
    : [...args.slice(0, i), `${flag}=${value}`, ...args.slice(i + 1)];
}

function only(ms: readonly Manifest[], kind: PodTemplate['kind']): { t: PodTemplate; c: IContainer } {
  const ts = podTemplates(ms).filter((p) => p.kind === kind);
  assert.equal(ts.length, 1);
  assert.equal(ts[0].spec.containers.length, 1);
  return { t: ts[0], c: ts[0].spec.containers[0] };
}

/** The worker token the test's Secret holds. */
const WORKER_TOKEN = 'deploy-test-worker-token-5b1e';

/** Real values for the keys of the Secret gradpool-secrets (secret.yaml), made with `pki`. */
function secretMaterial(pki: Pki): Record<string, string> {
  const server = pki.issue('gradpool-coordinator', 'server', ['DNS:gradpool-coordinator']);
  const tokens = [
    'principals:',
    '  - name: workers',
    '    roles: [worker]',
    `    sha256: ${tokenSha256(WORKER_TOKEN)}`,
    '',
  ].join('\n');
  return {
    'ca.crt': readFileSync(pki.ca, 'utf8'),
    'tls.crt': readFileSync(server.cert, 'utf8'),
    'tls.key': readFileSync(server.key, 'utf8'),
    'tokens.yaml': tokens,
    'worker-token': WORKER_TOKEN,
  };
}

/** `ms` with every Secret's stringData replaced by `material` (keys the Secret does not have are refused). */
function withSecrets(ms: readonly Manifest[], material: Readonly<Record<string, string>>): Manifest[] {
  return ms.map((m) => {
    if (m.doc.kind !== 'Secret') return m;
    const doc = structuredClone(m.doc);
    const data = doc.stringData as Record<string, string>;
    for (const k of Object.keys(data)) {
      assert.ok(k in material, `the test has no material for Secret key ${k}`);
      data[k] = material[k];
    }
    return { ...m, doc };
  });
}

/**
 * Writes each Secret volume of `t` (its projected items) under `root` and returns a function that rewrites
 * a path under one of the container's mount paths to the written file.
 */
function mountSecrets(
  t: PodTemplate,
  c: IContainer,
  ms: readonly Manifest[],
  root: string,
): (value: string) => string {
  const mounts: [string, string][] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = (t.spec.volumes ?? []).find((x) => x.name === m.name);
    if (!v?.secret) continue;
    const dir = path.join(root, `${t.kind}-${v.name}`);
    mkdirSync(dir, { recursive: true });
    const secret = ms.find(
      (x) => x.doc.kind === 'Secret' && (x.doc.metadata as { name: string }).name === v.secret!.secretName,
    );
    const data = (secret?.doc.stringData ?? {}) as Record<string, string>;
    for (const item of v.secret.items ?? []) writeFileSync(path.join(dir, item.path), data[item.key]);
    mounts.push([m.mountPath, dir]);
  }
  return (value) => {
    for (const [mountPath, dir] of mounts) {
      if (value.startsWith(mountPath + '/')) return dir + value.slice(mountPath.length);
    }
    return value;
  };
}

/** A grpc.health.v1 Check, as the kubelet's gRPC probe sends it. */
async function probe(port: number, service: string, timeoutMs: number): Promise<string> {
  const client = new (protos().HealthClient)(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    ...clientOptions,
  });
  try {
    const res = await new Promise<HealthCheckResponse__Output>((resolve, reject) =>
      client.Check({ service }, { deadline: Date.now() + timeoutMs }, (err, r) =>
        err ? reject(err) : resolve(r as HealthCheckResponse__Output),
      ),
    );
    return res.status;
  } finally {
    client.close();
  }
}

for (const overlay of ['cpu', 'gpu']) {
  describe(`deploy/k8s/overlays/${overlay} containers`, () => {
    let started: Container[] = [];
    let dataDir = '';
    let pki: Pki;

    beforeEach(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'gradpool-deploy-'));
      pki = new Pki();
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed')
        for (const p of started) process.stderr.write(p.tail() + '\n');
      for (const p of started) p.kill('SIGKILL');
      await Promise.all(started.map((p) => p.exited));
      started = [];
      rmSync(dataDir, { recursive: true, force: true });
      pki.cleanup();
    });

    it('start from their manifests, answer the gRPC probes, connect, and stop on SIGTERM in their grace periods', async () => {
      const ms = withSecrets(build(path.join(K8S_DIR, 'overlays', overlay)), secretMaterial(pki));
      const coordinator = only(ms, 'StatefulSet');
      const worker = only(ms, 'Deployment');

      const cFiles = mountSecrets(coordinator.t, coordinator.c, ms, dataDir);
      const cEnv = Object.fromEntries(
        Object.entries(resolveEnv(coordinator.c, ms)).map(([k, v]) => [k, cFiles(v)]),
      );
      let cArgs = (coordinator.c.args ?? []).map((a) => cFiles(expand(a, cEnv, 'coordinator args')));
      const healthPort = Number(cArgs[cArgs.indexOf('--health-port') + 1]);
      cArgs = withFlag(
        withFlag(withFlag(cArgs, '--port', '0'), '--health-port', '0'),
        '--data-dir',
        path.join(dataDir, 'data'),
      );
      const c = new Container('coordinator', cArgs, cEnv);
      started.push(c);
      const [port, actualHealthPort] = await waitFor(
        'the coordinator to listen',
        () => {
          assert.ok(c.alive, 'the coordinator exited');
          const m = /listening on .*:(\d+)/.exec(c.out);
          const h = /health \(plaintext\) on .*:(\d+)/.exec(c.out);
          return m && h ? [Number(m[1]), Number(h[1])] : undefined;
        },
        20_000,
      );

      // The kubelet probes the manifest's --health-port, in plaintext.
      for (const p of [
        coordinator.c.startupProbe,
        coordinator.c.readinessProbe,
        coordinator.c.livenessProbe,
      ]) {
        assert.ok(p?.grpc, 'a gRPC probe');
        assert.equal(p.grpc.port, healthPort, 'the probe uses the --health-port');
        const status = await probe(actualHealthPort, p.grpc.service ?? '', (p.timeoutSeconds ?? 1) * 1000);
        assert.equal(status, 'SERVING', `probe of service "${p.grpc.service ?? ''}"`);
      }
      // The API port speaks TLS only: a plaintext probe there fails.
      await assert.rejects(probe(port, '', 2000));

      const wFiles = mountSecrets(worker.t, worker.c, ms, dataDir);
      const wEnv: Record<string, string> = {
        ...Object.fromEntries(Object.entries(resolveEnv(worker.c, ms)).map(([k, v]) => [k, wFiles(v)])),
        GRADPOOL_COORDINATOR: `127.0.0.1:${port}`,
      };
      const w = new Container(
        'worker',
        (worker.c.args ?? []).map((a) => wFiles(expand(a, wEnv, 'worker args'))),
        wEnv,
      );
      started.push(w);
      const hello = await waitFor(
        'the worker to connect',
        () => (assert.ok(w.alive, 'the worker exited'), c.logs('worker connected')[0]),
        30_000,
      );
      // Hello names the backend that started: the one asked for, or for `auto` the first that starts.
      const asked = wEnv.GRADPOOL_BACKEND;
      if (asked === 'auto')
        assert.ok(
          BACKEND_NAMES.includes(hello.backend as (typeof BACKEND_NAMES)[number]),
          String(hello.backend),
        );
      else assert.equal(hello.backend, asked, 'the backend the manifests ask for');
      assert.equal(hello.threads, Number(wEnv.GRADPOOL_THREADS), 'GRADPOOL_THREADS reaches the cpu-pool');

      // As the kubelet stops a pod: SIGTERM, then SIGKILL after terminationGracePeriodSeconds.
      for (const [p, t] of [
        [w, worker.t],
        [c, coordinator.t],
      ] as const) {
        const graceMs = (t.spec.terminationGracePeriodSeconds ?? 30) * 1000;
        p.kill('SIGTERM');
        await waitFor(`${p.name} to exit after SIGTERM`, () => !p.alive, graceMs);
        await p.exited;
        assert.equal(p.code, 0, `${p.name} exit code`);
      }
    });
  });
}
