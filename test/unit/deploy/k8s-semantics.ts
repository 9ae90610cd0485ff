/**
 * The few pieces of Kubernetes behaviour that the deploy checks need, written out: label selectors, the
 * pods a workload makes, container environments (values, ConfigMap and Secret keys) and `$(VAR)`
 * expansion in args, and resource quantities.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { isObject, type Json, type Manifest } from './kustomize';

/** A label selector (matchLabels, matchExpressions). */
export type LabelSelector = NonNullable<IDeployment['spec']>['selector'];

/** Labels of a pod or an object. */
export type Labels = Readonly<Record<string, string>>;

/** True when `labels` satisfy `selector` (matchLabels and matchExpressions; an empty selector selects all). */
export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (selector === undefined) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !values.includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** True when a Service-style selector (a plain label map) selects `labels`. */
export function mapSelects(selector: Labels | undefined, labels: Labels): boolean {
  return selector !== undefined && selects({ matchLabels: { ...selector } }, labels);
}

/** A workload's pod template, as the checks see it. */
export interface PodTemplate {
  /** e.g. `StatefulSet/gradpool-coordinator`. */
  readonly owner: string;
  readonly file: string;
  readonly kind: 'StatefulSet' | 'Deployment';
  readonly replicas: number;
  readonly selector: LabelSelector;
  readonly labels: Labels;
  readonly spec: IPodSpec;
  readonly claims: readonly IPersistentVolumeClaim[];
  /** The workload object itself. */
  readonly doc: Json;
}

/** The pod templates of the StatefulSets and Deployments among `manifests`. */
export function podTemplates(manifests: readonly Manifest[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const { file, doc } of manifests) {
    if (doc.kind !== 'StatefulSet' && doc.kind !== 'Deployment') continue;
    const spec = doc.spec as {
      replicas?: number;
      selector: LabelSelector;
      template: { metadata?: { labels?: Labels }; spec: IPodSpec };
      volumeClaimTemplates?: IPersistentVolumeClaim[];
    };
    out.push({
      owner: `${doc.kind}/${String((doc.metadata as Json).name)}`,
      file,
      kind: doc.kind,
      replicas: spec.replicas ?? 1,
      selector: spec.selector,
      labels: spec.template.metadata?.labels ?? {},
      spec: spec.template.spec,
      claims: spec.volumeClaimTemplates ?? [],
      doc,
    });
  }
  return out;
}

/** Every container of a pod spec, init containers included. */
export function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The object of `kind` named `name` among `manifests`, or undefined. */
export function find(manifests: readonly Manifest[], kind: string, name: string): Json | undefined {
  return manifests.find(
    (m) => m.doc.kind === kind && isObject(m.doc.metadata) && m.doc.metadata.name === name,
  )?.doc;
}

/** The keys a ConfigMap or Secret defines (data, stringData, binaryData). */
export function keysOf(obj: Json): string[] {
  return ['data', 'stringData', 'binaryData'].flatMap((f) => (isObject(obj[f]) ? Object.keys(obj[f]) : []));
}

/** The value of `key` in a ConfigMap or Secret (stringData, data as text, or base64-decoded Secret data). */
function valueOf(obj: Json, key: string): string | undefined {
  const pick = (f: string) => (isObject(obj[f]) ? (obj[f] as Record<string, unknown>)[key] : undefined);
  const plain = pick('stringData');
  if (typeof plain === 'string') return plain;
  const data = pick('data');
  if (typeof data !== 'string') return undefined;
  return obj.kind === 'Secret' ? Buffer.from(data, 'base64').toString('utf8') : data;
}

/**
 * The environment of `container` as the kubelet gives it: literal values, ConfigMap and Secret keys (a
 * missing object or key is an error, as it stops the pod from starting), and `$(VAR)` references to
 * earlier variables expanded.
 */
export function resolveEnv(container: IContainer, manifests: readonly Manifest[]): Record<string, string> {
  const env: Record<string, string> = {};
  if (container.envFrom !== undefined) throw new Error(`${container.name}: envFrom is not supported here`);
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = expand(e.value, env, `${container.name} env ${e.name}`);
      continue;
    }
    const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
    const kind = e.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
    if (!ref || ref.name === undefined) {
      throw new Error(`${container.name} env ${e.name}: only values and ConfigMap/Secret keys are supported`);
    }
    const obj = find(manifests, kind, ref.name);
    const value = obj && valueOf(obj, ref.key);
    if (value === undefined) {
      throw new Error(`${container.name} env ${e.name}: ${kind} ${ref.name} has no key ${ref.key}`);
    }
    env[e.name] = value;
  }
  return env;
}

/**
 * `$(VAR)` expansion as in a container's args: references to variables of `env` are replaced, `$$` is a
 * literal `$`. An unresolved reference stays as it is in Kubernetes, which would hand gradpool a flag
 * value like "$(TYPO)": that is an error here.
 */
export function expand(raw: string, env: Readonly<Record<string, string>>, where: string): string {
  return raw.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => {
    if (name === undefined) return '$';
    const v = env[name];
    if (v === undefined) throw new Error(`${where}: $(${name}) refers to no variable of the container`);
    return v;
  });
}

const QUANTITY_SUFFIX: Readonly<Record<string, number>> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A resource quantity ("500m", "2", "512Mi") as a number of base units. */
export function quantity(raw: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(raw));
  if (!m) throw new Error(`unsupported quantity "${raw}"`);
  return Number(m[1]) * QUANTITY_SUFFIX[m[2] ?? ''];
}
