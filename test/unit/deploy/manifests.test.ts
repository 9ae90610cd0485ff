/**
 * deploy/k8s, checked offline: the base and each overlay are built as `kubectl apply -k` would build them
 * (kustomize.ts), every object is validated against the Kubernetes API schemas (kubernetes-models), and
 * the objects are cross-checked against each other and against the `gradpool` CLI. containers.test.ts
 * then starts the containers' commands for real.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { BACKEND_NAMES } from '../../../src/backend/select';
import { flagsOf, parseArgs } from './cli-help';
import { unknownFields, validateSchema } from './k8s-schema';
import {
  allContainers,
  expand,
  find,
  keysOf,
  mapSelects,
  podTemplates,
  quantity,
  resolveEnv,
  selects,
  type Labels,
  type PodTemplate,
} from './k8s-semantics';
import { build, idOf, K8S_DIR, readKustomization, REPO, yamlFilesIn, type Manifest } from './kustomize';

/** What `kubectl apply -k` may be pointed at. */
const TARGETS = ['base', 'overlays/cpu', 'overlays/gpu'] as const;
const OVERLAYS = ['cpu', 'gpu'] as const;
/** The image's user (deploy/Dockerfile: USER 10001). */
const UID = 10001;
/** Labels of gradpool pods allowed to reach the coordinator, besides workers (docs/deploy.md). */
const CLIENT_LABELS: Labels = {
  'app.kubernetes.io/name': 'gradpool',
  'app.kubernetes.io/component': 'client',
};

const builds = new Map<string, Manifest[]>();
/** The objects `kubectl apply -k deploy/k8s/<target>` creates (built once). */
function built(target: string): Manifest[] {
  if (!builds.has(target)) builds.set(target, build(path.join(K8S_DIR, target)));
  return builds.get(target)!;
}

function coordinatorOf(ms: readonly Manifest[]): PodTemplate {
  const t = podTemplates(ms).filter((p) => p.kind === 'StatefulSet');
  assert.equal(t.length, 1, 'one StatefulSet (the coordinator)');
  return t[0];
}

function workersOf(ms: readonly Manifest[]): PodTemplate {
  const t = podTemplates(ms).filter((p) => p.kind === 'Deployment');
  assert.equal(t.length, 1, 'one Deployment (the workers)');
  return t[0];
}

function services(ms: readonly Manifest[]): IService[] {
  return ms.filter((m) => m.doc.kind === 'Service').map((m) => m.doc as unknown as IService);
}

/** The container ports of the pods `labels` select: names and numbers. */
function portsOf(t: PodTemplate): { names: Set<string>; numbers: Set<number> } {
  const ports = allContainers(t.spec).flatMap((c) => c.ports ?? []);
  return {
    names: new Set(ports.flatMap((p) => (p.name ? [p.name] : []))),
    numbers: new Set(ports.map((p) => p.containerPort)),
  };
}

function exposes(t: PodTemplate, port: number | string): boolean {
  const p = portsOf(t);
  return typeof port === 'number' ? p.numbers.has(port) : p.names.has(port);
}

/** The container's args with $(VAR) expanded from its environment, parsed against the CLI. */
function argsOf(c: IContainer, ms: readonly Manifest[]) {
  const env = resolveEnv(c, ms);
  const args = (c.args ?? []).map((a) => expand(a, env, `${c.name} args`));
  return { env, args, parsed: parseArgs(args, flagsOf) };
}

describe('deploy/k8s kustomizations', () => {
  it('base lists exactly the YAML files of its folder as resources', () => {
    const dir = path.join(K8S_DIR, 'base');
    assert.deepEqual([...readKustomization(dir).resources].sort(), yamlFilesIn(dir));
  });

  for (const overlay of OVERLAYS) {
    it(`overlays/${overlay} builds on the base and lists exactly its other YAML files as patches`, () => {
      const dir = path.join(K8S_DIR, 'overlays', overlay);
      const k = readKustomization(dir);
      assert.deepEqual(k.resources, ['../../base']);
      assert.deepEqual([...k.patches].sort(), yamlFilesIn(dir));
    });
  }

  it('builds the same objects as `kubectl kustomize`', function () {
    const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 10_000 });
    if (probe.status !== 0) this.skip(); // kubectl is optional: the emulation is checked where it exists
    for (const target of TARGETS) {
      const out = spawnSync('kubectl', ['kustomize', path.join(K8S_DIR, target)], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(out.status, 0, `kubectl kustomize ${target}: ${out.stderr}`);
      const theirs = parseAllDocuments(out.stdout).map((d) => d.toJS() as Record<string, unknown>);
      const byId = (docs: Record<string, unknown>[]) =>
        Object.fromEntries(
          docs.map((d) => [idOf(d), d]).sort(([a], [b]) => String(a).localeCompare(String(b))),
        );
      assert.deepStrictEqual(byId(built(target).map((m) => m.doc)), byId(theirs), target);
    }
  });

  it('no object has a field its kind does not know', () => {
    assert.deepEqual(unknownFields(TARGETS.flatMap(built)), []);
  });
});

for (const target of TARGETS) {
  describe(`deploy/k8s/${target}`, () => {
    const ms = () => built(target);

    it('every object passes its Kubernetes API schema', () => {
      for (const m of ms()) validateSchema(m);
    });

    it('is namespace-agnostic and labels every object app.kubernetes.io/name=gradpool', () => {
      for (const { file, doc } of ms()) {
        const meta = doc.metadata as { namespace?: string; labels?: Labels };
        assert.equal(meta.namespace, undefined, `${file} sets a namespace`);
        assert.equal(meta.labels?.['app.kubernetes.io/name'], 'gradpool', `${file} lacks the name label`);
      }
      for (const c of coordinatorOf(ms()).claims) {
        assert.equal(c.metadata?.labels?.['app.kubernetes.io/name'], 'gradpool', 'claim template label');
      }
    });

    it("each workload's selector matches its pod template and no other workload's pods", () => {
      const ts = podTemplates(ms());
      for (const t of ts) {
        assert.ok(selects(t.selector, t.labels), `${t.owner}: selector misses its own pods`);
        for (const other of ts.filter((o) => o !== t)) {
          assert.ok(!selects(t.selector, other.labels), `${t.owner} selects the pods of ${other.owner}`);
        }
      }
    });

    it('the Services select the coordinator pods only, on ports the coordinator exposes', () => {
      const coordinator = coordinatorOf(ms());
      const workers = workersOf(ms());
      for (const s of services(ms())) {
        const name = s.metadata?.name;
        assert.ok(mapSelects(s.spec?.selector, coordinator.labels), `Service ${name} misses the coordinator`);
        assert.ok(!mapSelects(s.spec?.selector, workers.labels), `Service ${name} selects workers`);
        for (const p of s.spec?.ports ?? []) {
          assert.ok(
            exposes(coordinator, p.targetPort ?? p.port),
            `Service ${name}: no container port ${p.targetPort}`,
          );
        }
      }
    });

    it("the StatefulSet's serviceName is a headless Service that selects its pods", () => {
      const coordinator = coordinatorOf(ms());
      const sts = coordinator.doc as unknown as IStatefulSet;
      const svc = find(ms(), 'Service', sts.spec?.serviceName ?? '') as IService | undefined;
      assert.ok(svc, `no Service ${sts.spec?.serviceName}`);
      assert.equal(svc.spec?.clusterIP, 'None', 'the governing Service is headless');
      assert.ok(mapSelects(svc.spec?.selector, coordinator.labels));
      assert.equal(sts.spec?.replicas, 1, 'two coordinators must never share a data directory');
    });

    it('each PodDisruptionBudget selects one workload and never blocks every eviction of a single pod', () => {
      const pdbs = ms().filter((m) => m.doc.kind === 'PodDisruptionBudget');
      const ts = podTemplates(ms());
      for (const t of ts) {
        const mine = pdbs.filter((m) =>
          selects((m.doc as unknown as IPodDisruptionBudget).spec?.selector, t.labels),
        );
        assert.equal(mine.length, 1, `${t.owner}: ${mine.length} PodDisruptionBudgets`);
        const spec = (mine[0].doc as unknown as IPodDisruptionBudget).spec!;
        if (t.replicas === 1) {
          // minAvailable 1 (or 100%) or maxUnavailable 0 on one pod: `kubectl drain` would wait forever.
          assert.ok(spec.minAvailable === undefined || spec.minAvailable === 0, `${t.owner}: minAvailable`);
          assert.ok(
            spec.maxUnavailable !== 0 && spec.maxUnavailable !== '0%',
            `${t.owner}: maxUnavailable 0`,
          );
        }
      }
      for (const p of pdbs) {
        const n = ts.filter((t) =>
          selects((p.doc as unknown as IPodDisruptionBudget).spec?.selector, t.labels),
        ).length;
        assert.equal(n, 1, `${p.file} selects ${n} workloads`);
      }
    });

    it('the NetworkPolicy admits gradpool workers and clients to the coordinator port, and no one else', () => {
      const coordinator = coordinatorOf(ms());
      const workers = workersOf(ms());
      const policies = ms().filter((m) => m.doc.kind === 'NetworkPolicy');
      assert.equal(policies.length, 1);
      const spec = (policies[0].doc as unknown as INetworkPolicy).spec!;
      assert.ok(selects(spec.podSelector, coordinator.labels), 'the policy applies to the coordinator');
      assert.ok(!selects(spec.podSelector, workers.labels), 'the policy is not about workers');
      assert.deepEqual(spec.policyTypes, ['Ingress']);
      const admits = (labels: Labels) =>
        (spec.ingress ?? []).some((rule) =>
          (rule.from ?? []).some((peer) => {
            assert.equal(peer.namespaceSelector, undefined, 'peers stay in the namespace');
            assert.equal(peer.ipBlock, undefined, 'no ipBlock');
            return selects(peer.podSelector, labels);
          }),
        );
      assert.ok(admits(workers.labels), 'workers are admitted');
      assert.ok(admits(CLIENT_LABELS), 'clients are admitted');
      assert.ok(!admits(coordinator.labels), 'coordinators are not clients');
      assert.ok(!admits({ 'app.kubernetes.io/component': 'worker' }), "another app's worker is not admitted");
      assert.ok(
        !admits({ 'app.kubernetes.io/name': 'gradpool' }),
        'an unlabelled gradpool pod is not admitted',
      );
      for (const rule of spec.ingress ?? []) {
        assert.ok((rule.ports ?? []).length > 0, 'each rule names its ports');
        for (const p of rule.ports ?? [])
          assert.ok(p.port !== undefined && exposes(coordinator, p.port), `port ${p.port}`);
      }
    });

    it('probes use ports that their container exposes', () => {
      for (const t of podTemplates(ms())) {
        for (const c of allContainers(t.spec)) {
          const own = new Set((c.ports ?? []).flatMap((p) => [p.containerPort, p.name]));
          for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
            if (!probe) continue;
            const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
            assert.ok(port !== undefined && own.has(port), `${t.owner}/${c.name}: probe port ${port}`);
          }
        }
      }
    });

    it('every volume, ConfigMap and Secret a pod refers to exists, and every volume is mounted', () => {
      for (const t of podTemplates(ms())) {
        const volumes = new Map((t.spec.volumes ?? []).map((v) => [v.name, v]));
        const claims = new Set(t.claims.map((c) => c.metadata?.name));
        const mounted = new Set<string>();
        for (const c of allContainers(t.spec)) {
          resolveEnv(c, ms()); // throws for a missing ConfigMap, Secret or key
          const paths = (c.volumeMounts ?? []).map((m) => m.mountPath);
          assert.equal(new Set(paths).size, paths.length, `${t.owner}/${c.name}: a mount path twice`);
          for (const m of c.volumeMounts ?? []) {
            assert.ok(volumes.has(m.name) || claims.has(m.name), `${t.owner}/${c.name}: no volume ${m.name}`);
            mounted.add(m.name);
          }
        }
        for (const name of [...volumes.keys(), ...claims])
          assert.ok(mounted.has(name!), `${t.owner}: ${name} unmounted`);
        for (const v of volumes.values()) {
          assert.equal(v.hostPath, undefined, `${t.owner}: hostPath volume ${v.name}`);
          const ref = v.secret ?? v.configMap;
          if (!ref) continue;
          const obj = find(
            ms(),
            v.secret ? 'Secret' : 'ConfigMap',
            (v.secret?.secretName ?? v.configMap?.name)!,
          );
          assert.ok(obj, `${t.owner}: volume ${v.name} refers to a missing object`);
          assert.ok(ref.optional !== true, `${t.owner}: volume ${v.name} is optional`);
          for (const item of ref.items ?? []) assert.ok(keysOf(obj).includes(item.key), `no key ${item.key}`);
          // A mode above 0777 is what YAML 1.2 makes of an octal literal like 0440.
          assert.ok((ref.defaultMode ?? 0o644) <= 0o777, `${t.owner}: volume ${v.name} mode`);
        }
      }
    });

    it('every ConfigMap key is used by some container', () => {
      const used = new Set(
        podTemplates(ms()).flatMap((t) =>
          allContainers(t.spec).flatMap((c) => (c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.key)),
        ),
      );
      for (const m of ms().filter((x) => x.doc.kind === 'ConfigMap')) {
        for (const k of keysOf(m.doc)) assert.ok(used.has(k), `${m.file}: ${k} is not used`);
      }
    });

    it('containers keep the image entrypoint and pass only commands and flags gradpool accepts', () => {
      for (const t of podTemplates(ms())) {
        for (const c of allContainers(t.spec)) {
          assert.equal(c.command, undefined, `${t.owner}/${c.name}: command would bypass tini`);
          argsOf(c, ms()); // throws naming an unknown command or flag, or an undefined $(VAR)
          for (const e of c.env ?? [])
            assert.match(e.name, /^GRADPOOL_/, `${t.owner}/${c.name}: env ${e.name}`);
        }
      }
    });

    it('the coordinator listens on every interface, on its container port, with --data-dir on its claim', () => {
      const t = coordinatorOf(ms());
      const [c] = t.spec.containers;
      const { parsed } = argsOf(c, ms());
      assert.equal(parsed.command, 'coordinator');
      assert.ok(
        ['0.0.0.0', '::'].includes(String(parsed.flags.get('--host'))),
        'not reachable on a loopback host',
      );
      assert.ok(exposes(t, Number(parsed.flags.get('--port'))), '--port is a container port');
      const dataDir = parsed.flags.get('--data-dir');
      const mount = (c.volumeMounts ?? []).find((m) => m.mountPath === dataDir);
      assert.ok(
        mount && t.claims.some((cl) => cl.metadata?.name === mount.name),
        '--data-dir is on the claim',
      );
      assert.ok(
        c.readinessProbe && c.livenessProbe && c.startupProbe,
        'startup, readiness and liveness probes',
      );
    });

    it('workers dial the coordinator Service on its port', () => {
      const [c] = workersOf(ms()).spec.containers;
      const { env, parsed } = argsOf(c, ms());
      assert.equal(parsed.command, 'worker');
      const [host, port] = (env.GRADPOOL_COORDINATOR ?? '').split(':');
      const svc = find(ms(), 'Service', host) as IService | undefined;
      assert.ok(
        svc && svc.spec?.clusterIP !== 'None',
        `GRADPOOL_COORDINATOR names no ClusterIP Service: ${host}`,
      );
      assert.ok(
        (svc.spec?.ports ?? []).some((p) => p.port === Number(port)),
        `Service ${host} has no port ${port}`,
      );
    });

    it('every container runs as uid 10001, read-only, without privileges, capabilities or seccomp exemptions', () => {
      for (const t of podTemplates(ms())) {
        const pod = t.spec.securityContext ?? {};
        assert.notEqual(t.spec.hostNetwork, true);
        assert.notEqual(t.spec.hostPID, true);
        assert.notEqual(t.spec.hostIPC, true);
        assert.equal(t.spec.automountServiceAccountToken, false, `${t.owner}: service account token`);
        for (const c of allContainers(t.spec)) {
          const sc = c.securityContext ?? {};
          const at = `${t.owner}/${c.name}`;
          assert.equal(sc.runAsNonRoot ?? pod.runAsNonRoot, true, `${at}: runAsNonRoot`);
          assert.equal(sc.runAsUser ?? pod.runAsUser, UID, `${at}: runAsUser`);
          assert.equal(sc.readOnlyRootFilesystem, true, `${at}: readOnlyRootFilesystem`);
          assert.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation`);
          assert.notEqual(sc.privileged, true, `${at}: privileged`);
          assert.ok(sc.capabilities?.drop?.includes('ALL'), `${at}: capabilities drop ALL`);
          assert.deepEqual(sc.capabilities?.add ?? [], [], `${at}: capabilities add`);
          assert.equal((sc.seccompProfile ?? pod.seccompProfile)?.type, 'RuntimeDefault', `${at}: seccomp`);
          const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
          const vol = (t.spec.volumes ?? []).find((v) => v.name === tmp?.name);
          assert.ok(vol?.emptyDir, `${at}: a writable emptyDir at /tmp under the read-only root`);
        }
      }
    });

    it('every container has CPU and memory requests and limits, requests within limits', () => {
      for (const t of podTemplates(ms())) {
        for (const c of allContainers(t.spec)) {
          const { requests = {}, limits = {} } = c.resources ?? {};
          for (const r of ['cpu', 'memory']) {
            assert.ok(requests[r] !== undefined && limits[r] !== undefined, `${t.owner}/${c.name}: ${r}`);
            assert.ok(
              quantity(requests[r]) <= quantity(limits[r]),
              `${t.owner}/${c.name}: ${r} request > limit`,
            );
          }
          // Extended resources (nvidia.com/gpu) cannot be overcommitted: the API wants request = limit.
          for (const r of Object.keys({ ...requests, ...limits }).filter((k) => k.includes('/'))) {
            assert.equal(String(requests[r]), String(limits[r]), `${t.owner}/${c.name}: ${r}`);
          }
        }
      }
    });

    it('grace periods leave time to checkpoint (coordinator) and to finish a leased task (workers)', () => {
      const coordinator = coordinatorOf(ms());
      const lease = Number(argsOf(coordinator.spec.containers[0], ms()).parsed.flags.get('--lease-ms'));
      assert.ok((coordinator.spec.terminationGracePeriodSeconds ?? 30) >= 60, 'coordinator grace');
      assert.ok((workersOf(ms()).spec.terminationGracePeriodSeconds ?? 30) * 1000 >= lease, 'worker grace');
    });

    it('the Secret holds placeholders only', () => {
      for (const m of ms().filter((x) => x.doc.kind === 'Secret')) {
        assert.equal(m.doc.data, undefined, `${m.file}: data (base64) would hide what it holds`);
        for (const [k, v] of Object.entries((m.doc.stringData ?? {}) as Record<string, string>)) {
          assert.match(v, /^PLACEHOLDER\b/, `${m.file}: ${k} is not a placeholder`);
        }
      }
    });

    it('workers use a backend gradpool knows, with at most one thread per CPU of their limit', () => {
      const [c] = workersOf(ms()).spec.containers;
      const env = resolveEnv(c, ms());
      assert.ok(
        (BACKEND_NAMES as readonly string[]).includes(env.GRADPOOL_BACKEND ?? ''),
        env.GRADPOOL_BACKEND,
      );
      const threads = Number(env.GRADPOOL_THREADS);
      assert.ok(Number.isInteger(threads) && threads >= 1, `GRADPOOL_THREADS ${env.GRADPOOL_THREADS}`);
      assert.ok(threads <= quantity(c.resources?.limits?.cpu ?? 0), 'more threads than CPUs');
    });
  });
}

describe('deploy/k8s overlays', () => {
  /** `ms` without the ConfigMap's GRADPOOL_BACKEND and the worker fields an overlay may set. */
  const strip = (ms: readonly Manifest[]) =>
    ms.map(({ doc }) => {
      const copy = structuredClone(doc);
      if (copy.kind === 'ConfigMap') delete (copy.data as Record<string, unknown>).GRADPOOL_BACKEND;
      if (copy.kind === 'Deployment') {
        const spec = (copy.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        delete spec.nodeSelector;
        delete spec.tolerations;
        for (const c of spec.containers as IContainer[]) {
          for (const part of [c.resources?.requests, c.resources?.limits])
            if (part) delete part['nvidia.com/gpu'];
        }
      }
      return copy;
    });
  const backendOf = (ms: readonly Manifest[]) =>
    (ms.find((m) => m.doc.kind === 'ConfigMap')!.doc.data as Record<string, string>).GRADPOOL_BACKEND;

  it('cpu: workers use the cpu-pool backend, and nothing else differs from the base', () => {
    assert.equal(backendOf(built('overlays/cpu')), 'cpu-pool');
    assert.deepStrictEqual(strip(built('overlays/cpu')), strip(built('base')));
    assert.deepStrictEqual(workersOf(built('overlays/cpu')).doc, workersOf(built('base')).doc);
  });

  it('gpu: each worker gets one GPU on a GPU node, the backend is auto, the coordinator is unchanged', () => {
    const ms = built('overlays/gpu');
    assert.equal(backendOf(ms), 'auto');
    const w = workersOf(ms);
    const [c] = w.spec.containers;
    assert.equal(String(c.resources?.limits?.['nvidia.com/gpu']), '1');
    assert.equal(String(c.resources?.requests?.['nvidia.com/gpu']), '1');
    assert.ok(Object.keys(w.spec.nodeSelector ?? {}).length > 0, 'a nodeSelector for GPU nodes');
    assert.ok(
      (w.spec.tolerations ?? []).some((t) => t.key === 'nvidia.com/gpu'),
      'tolerates the GPU taint',
    );
    assert.deepStrictEqual(strip(ms), strip(built('base')));
    assert.deepStrictEqual(coordinatorOf(ms).doc, coordinatorOf(built('base')).doc);
  });
});

describe('docs/deploy.md', () => {
  it('builds the image the manifests run, and applies folders that exist', () => {
    const doc = fs.readFileSync(path.join(REPO, 'docs/deploy.md'), 'utf8');
    const tag = /docker build -f deploy\/Dockerfile -t (\S+) \./.exec(doc)?.[1];
    assert.ok(tag, 'docs/deploy.md shows the docker build command');
    for (const target of TARGETS) {
      for (const t of podTemplates(built(target))) {
        for (const c of allContainers(t.spec)) assert.equal(c.image, tag, `${target} ${t.owner}/${c.name}`);
      }
    }
    for (const [, dir] of doc.matchAll(/kubectl apply (?:-n \S+ )?-k (deploy\/\S+)/g)) {
      assert.ok(fs.existsSync(path.join(REPO, dir, 'kustomization.yaml')), dir);
    }
  });
});
