/**
 * Reads deploy/k8s offline, as `kubectl apply -k` would: the YAML files a kustomization lists, with its
 * strategic-merge patches applied. Only what deploy/k8s uses is supported (`resources` of files and
 * folders, `patches` by `path`); anything else is an error, so the emulation cannot silently drift from
 * kustomize. manifests.test.ts compares it with `kubectl kustomize` where kubectl is installed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository root (this file runs from dist/test/unit/deploy). */
export const REPO = path.resolve(__dirname, '../../../..');
/** deploy/k8s in the repository. */
export const K8S_DIR = path.join(REPO, 'deploy/k8s');

/** A parsed YAML object. */
export type Json = Record<string, unknown>;

/** One Kubernetes object and the file it came from (repository-relative). */
export interface Manifest {
  readonly file: string;
  readonly doc: Json;
}

/** The fields of a kustomization.yaml this emulation understands. */
const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'resources', 'patches']);

/**
 * Merge keys of the lists that a strategic-merge patch merges item by item (from the Kubernetes API's
 * patchMergeKey tags); every other list is replaced whole, as kustomize does.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

/** True for a plain (non-array) object. */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses every YAML document of `file`. Each must read the same as YAML 1.1 (what the Kubernetes tools'
 * YAML libraries follow) and as YAML 1.2 (the `yaml` package's default): `0440`, `yes`, `1:20` and the
 * like mean different things in the two, and such a value is an error here.
 */
export function readYaml(file: string): Json[] {
  const text = fs.readFileSync(file, 'utf8');
  const rel = path.relative(REPO, file);
  const read = (version: '1.1' | '1.2') =>
    parseAllDocuments(text, { version, uniqueKeys: true }).map((d, i) => {
      if (d.errors.length > 0) throw new Error(`${rel}: document ${i}: ${d.errors[0].message}`);
      return d.toJS() as unknown;
    });
  const v12 = read('1.2');
  const v11 = read('1.1');
  if (JSON.stringify(v11) !== JSON.stringify(v12)) {
    throw new Error(`${rel} reads differently as YAML 1.1 and 1.2: quote values such as 0440, yes, on, 1:20`);
  }
  return v12.map((d, i) => {
    if (!isObject(d)) throw new Error(`${rel}: document ${i} is not a mapping`);
    return d;
  });
}

/** kind/name of an object, e.g. `Deployment/gradpool-worker`. */
export function idOf(doc: Json): string {
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  return `${String(doc.kind)}/${String(meta.name)}`;
}

/** The `resources` and `patches` of the kustomization in `dir`, checked against what is supported. */
export function readKustomization(dir: string): { resources: string[]; patches: string[] } {
  const file = path.join(dir, 'kustomization.yaml');
  const [k, ...rest] = readYaml(file);
  const rel = path.relative(REPO, file);
  if (!k || rest.length > 0) throw new Error(`${rel} must hold one document`);
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    throw new Error(`${rel}: apiVersion/kind must be kustomize.config.k8s.io/v1beta1 Kustomization`);
  }
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key)) {
      throw new Error(`${rel}: field "${key}" is not understood by test/unit/deploy/kustomize.ts; extend it`);
    }
  }
  const strings = (v: unknown, what: string): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
      throw new Error(`${rel}: ${what} must be a list of strings`);
    }
    return v as string[];
  };
  const patchList = k.patches === undefined ? [] : k.patches;
  if (!Array.isArray(patchList)) throw new Error(`${rel}: patches must be a list`);
  const patches = patchList.map((p: unknown) => {
    if (!isObject(p) || typeof p.path !== 'string' || Object.keys(p).length !== 1) {
      throw new Error(`${rel}: each patch must be {path: FILE} (a strategic-merge patch file)`);
    }
    return p.path;
  });
  return { resources: strings(k.resources, 'resources'), patches };
}

/** The objects the kustomization in `dir` produces, in the order kustomize reads them. */
export function build(dir: string): Manifest[] {
  const { resources, patches } = readKustomization(dir);
  const out: Manifest[] = [];
  for (const r of resources) {
    const target = path.resolve(dir, r);
    if (fs.statSync(target).isDirectory()) out.push(...build(target));
    else for (const doc of readYaml(target)) out.push({ file: path.relative(REPO, target), doc });
  }
  for (const p of patches) {
    const file = path.resolve(dir, p);
    for (const patch of readYaml(file)) {
      const id = idOf(patch);
      const i = out.findIndex((m) => idOf(m.doc) === id && m.doc.apiVersion === patch.apiVersion);
      if (i < 0) throw new Error(`${path.relative(REPO, file)} patches ${id}, which the build does not hold`);
      out[i] = { file: out[i].file, doc: strategicMerge(out[i].doc, patch) };
    }
  }
  return out;
}

/**
 * The strategic-merge patch of `base` by `patch`: maps merge key by key, null deletes a key, the lists of
 * MERGE_KEYS merge item by item on their key, and every other value (other lists included) is replaced.
 * Patch directives ($patch, $retainKeys, …) are not supported.
 */
export function strategicMerge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`patch directive ${key} is not supported`);
    if (value === null) {
      delete out[key];
    } else if (isObject(value) && isObject(out[key])) {
      out[key] = strategicMerge(out[key] as Json, value);
    } else if (Array.isArray(value) && Array.isArray(out[key]) && MERGE_KEYS[key] !== undefined) {
      out[key] = mergeList(out[key] as unknown[], value, MERGE_KEYS[key]);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

function mergeList(base: unknown[], patch: unknown[], mergeKey: string): unknown[] {
  const out = [...base];
  for (const item of patch) {
    if (!isObject(item) || item[mergeKey] === undefined) {
      throw new Error(`a patched list item needs its merge key "${mergeKey}"`);
    }
    const i = out.findIndex((b) => isObject(b) && b[mergeKey] === item[mergeKey]);
    if (i < 0) out.push(structuredClone(item));
    else out[i] = strategicMerge(out[i] as Json, item);
  }
  return out;
}

/** The YAML files of `dir` other than kustomization.yaml (names, sorted). */
export function yamlFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
}
