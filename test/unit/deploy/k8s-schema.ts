/**
 * Offline checks of Kubernetes objects against the API's schemas, from the `kubernetes-models` package:
 * its validators (types, formats, required fields, enums) and, because those accept unknown fields, its
 * TypeScript interfaces, against which the TypeScript compiler's excess-property check reports every
 * field the API does not know (a misspelt `readOnlyRootFileSystem` would otherwise pass silently, and
 * `kubectl apply` would reject or drop it).
 */
import * as path from 'node:path';
import ts from 'typescript';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { REPO, type Json, type Manifest } from './kustomize';

/** A model class of kubernetes-models: validates the object it was built from. */
type ModelClass = new (data: never) => { validate(): void };

/** The kinds deploy/k8s may use: apiVersion/kind → model class and the module and interface of its type. */
const MODELS: Readonly<Record<string, { model: ModelClass; module: string; type: string }>> = {
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/StatefulSet': {
    model: StatefulSet,
    module: 'kubernetes-models/apps/v1/StatefulSet',
    type: 'IStatefulSet',
  },
  'apps/v1/Deployment': {
    model: Deployment,
    module: 'kubernetes-models/apps/v1/Deployment',
    type: 'IDeployment',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    type: 'IPodDisruptionBudget',
  },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy,
    module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    type: 'INetworkPolicy',
  },
};

function keyOf(doc: Json): string {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  if (!MODELS[key])
    throw new Error(`${key} is not a kind test/unit/deploy/k8s-schema.ts knows; add it to MODELS`);
  return key;
}

/** Throws, naming the file and the field, if `m` breaks its kind's schema. */
export function validateSchema(m: Manifest): void {
  const { model: Model } = MODELS[keyOf(m.doc)];
  try {
    new Model(m.doc as never).validate();
  } catch (e) {
    throw new Error(`${m.file}: ${(e as Error).message}`);
  }
}

/**
 * The fields of `manifests` that their kinds do not have, one message per field ("file: message"); empty
 * when there are none. Each object becomes `const dN: IKind = {…}` in one in-memory TypeScript file, which
 * the compiler checks against kubernetes-models' declarations (about two seconds).
 */
export function unknownFields(manifests: readonly Manifest[]): string[] {
  const virtual = path.join(REPO, '__deploy_manifests_check__.ts');
  const keys = [...new Set(manifests.map((m) => keyOf(m.doc)))];
  const alias = new Map(keys.map((k, i) => [k, `T${i}`]));
  let source = keys
    .map((k) => `import type { ${MODELS[k].type} as ${alias.get(k)} } from '${MODELS[k].module}';\n`)
    .join('');
  // The first line of each object's declaration, to name the file of a diagnostic.
  const starts: { line: number; file: string }[] = [];
  manifests.forEach((m, i) => {
    starts.push({ line: source.split('\n').length - 1, file: m.file });
    source += `export const d${i}: ${alias.get(keyOf(m.doc))} = ${JSON.stringify(m.doc, null, 1)};\n`;
  });

  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2022.d.ts'],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) =>
    path.resolve(file) === virtual
      ? ts.createSourceFile(file, source, lang, true)
      : getSourceFile(file, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], options, host);
  const messages = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || path.resolve(d.file.fileName) === virtual)
    .map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (d.file === undefined || d.start === undefined) return text;
      const at = d.file.getLineAndCharacterOfPosition(d.start).line;
      const owner = [...starts].reverse().find((l) => l.line <= at);
      return `${owner?.file ?? '(imports)'}: ${text}`;
    });
  return [...new Set(messages)]; // an object built into several targets is reported once
}
