/**
 * The layering rules of ../shared/STYLE.md (and the "knows nothing of" column of DESIGN.md), checked on the
 * TypeScript sources under kernels/ and src/ (not dist/, where type-only imports are already erased).
 * Imports are read with the TypeScript parser, so multi-line imports, `export … from`, `import x = require()`,
 * `require()`, `import()` and `import('…').T` types are all seen, and comments and strings are not.
 * Don't edit a rule to make a change pass: change the code, or change STYLE.md and this table together.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/** One module reference in a source file. */
interface ImportRef {
  readonly line: number;
  readonly specifier: string;
  /** Erased at compile time: `import type`, `export type`, all-`type` specifiers, `import('…')` types. */
  readonly typeOnly: boolean;
}

/** An import with its source file and what it points at. */
interface ResolvedImport extends ImportRef {
  readonly from: string;
  /** Repository-relative path of the imported file, for relative specifiers. */
  readonly target: string | null;
  /** Package name (`gpu.js`, `@grpc/grpc-js`, `fs` for `node:fs`), for bare specifiers. */
  readonly pkg: string | null;
}

/** A rule: every import from a file under `files` (minus `except`) for which `forbid` is true is a violation. */
interface Rule {
  readonly rule: string;
  readonly source: 'STYLE.md' | 'DESIGN.md' | 'STYLE.md, DESIGN.md';
  readonly files: readonly string[];
  readonly except?: readonly string[];
  readonly forbid: (imp: ResolvedImport) => boolean;
}

const under = (target: string | null, ...dirs: string[]) =>
  target !== null && dirs.some((d) => target.startsWith(d));

/**
 * The only coordinator modules the CLI may use: its public client, and its entry point (`gradpool
 * coordinator` and `gradpool train --workers N` start a coordinator; STYLE: each main.ts wires real parts).
 */
const CLI_COORDINATOR_API = ['src/coordinator/client.ts', 'src/coordinator/main.ts'];

const RULES: readonly Rule[] = [
  {
    rule: 'kernels/ imports nothing from src/, not even types',
    source: 'STYLE.md',
    files: ['kernels/'],
    forbid: (i) => under(i.target, 'src/'),
  },
  {
    rule: "kernels/ imports no package except gpu.js types ('import type')",
    source: 'STYLE.md',
    files: ['kernels/'],
    forbid: (i) => i.pkg !== null && !(i.pkg === 'gpu.js' && i.typeOnly),
  },
  {
    rule: "only src/backend/gpujs.ts imports 'gpu.js' as a value",
    source: 'STYLE.md',
    files: ['kernels/', 'src/'],
    except: ['src/backend/gpujs.ts'],
    forbid: (i) => i.pkg === 'gpu.js' && !i.typeOnly,
  },
  {
    rule: 'src/model never imports src/backend, src/train, src/coordinator, src/worker, src/cli (it never chooses a backend)',
    source: 'STYLE.md',
    files: ['src/model/'],
    forbid: (i) =>
      under(i.target, 'src/backend/', 'src/train/', 'src/coordinator/', 'src/worker/', 'src/cli/'),
  },
  {
    rule: 'src/model and src/data know nothing of transport',
    source: 'DESIGN.md',
    files: ['src/model/', 'src/data/'],
    forbid: (i) => under(i.target, 'src/transport/'),
  },
  {
    rule: 'src/optim imports only src/shared and itself (no packages)',
    source: 'STYLE.md',
    files: ['src/optim/'],
    forbid: (i) => !under(i.target, 'src/shared/', 'src/optim/'),
  },
  {
    rule: 'src/coordinator never imports kernels/ values (it never runs kernels)',
    source: 'STYLE.md, DESIGN.md',
    files: ['src/coordinator/'],
    forbid: (i) => under(i.target, 'kernels/') && !i.typeOnly,
  },
  {
    rule: `src/cli uses the coordinator client and entry point only (${CLI_COORDINATOR_API.join(', ')})`,
    source: 'STYLE.md',
    files: ['src/cli/'],
    forbid: (i) => under(i.target, 'src/coordinator/') && !CLI_COORDINATOR_API.includes(i.target ?? ''),
  },
  {
    rule: 'src/worker knows nothing of the optimizer (the coordinator owns optimizer state)',
    source: 'STYLE.md, DESIGN.md',
    files: ['src/worker/'],
    forbid: (i) => under(i.target, 'src/optim/'),
  },
  {
    rule: 'src/backend knows nothing of jobs or gRPC (no src/transport, coordinator, worker, train, cli)',
    source: 'DESIGN.md',
    files: ['src/backend/'],
    forbid: (i) =>
      under(i.target, 'src/transport/', 'src/coordinator/', 'src/worker/', 'src/train/', 'src/cli/'),
  },
];

// ---- scanning ----

/** Every module reference in `text`, in source order. */
function scanImports(fileName: string, text: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (spec === undefined || !ts.isStringLiteralLike(spec)) return;
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    refs.push({ line, specifier: spec.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        !clause.name &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, clause?.isTypeOnly === true || allTypes);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause;
      const allTypes =
        named !== undefined &&
        ts.isNamedExports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isRequire || callee.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return refs;
}

/** Lines that use Math.random (`Math.random`, `Math['random']`, `const { random } = Math`). */
function mathRandomLines(fileName: string, text: string): number[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lines: number[] = [];
  const isMath = (e: ts.Expression) =>
    (ts.isIdentifier(e) && e.text === 'Math') || (ts.isPropertyAccessExpression(e) && e.name.text === 'Math');
  const visit = (node: ts.Node): void => {
    const hit =
      (ts.isPropertyAccessExpression(node) && isMath(node.expression) && node.name.text === 'random') ||
      (ts.isElementAccessExpression(node) &&
        isMath(node.expression) &&
        ts.isStringLiteralLike(node.argumentExpression) &&
        node.argumentExpression.text === 'random') ||
      (ts.isVariableDeclaration(node) &&
        node.initializer !== undefined &&
        isMath(node.initializer) &&
        ts.isObjectBindingPattern(node.name) &&
        node.name.elements.some((e) => (e.propertyName ?? e.name).getText(sf) === 'random'));
    if (hit) lines.push(sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return lines;
}

const ROOT = path.resolve(__dirname, '../../..');
const SCANNED_DIRS = ['kernels', 'src'];

/** Repository-relative paths (with '/') of every .ts source under `dir`, declaration files excluded. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

const RESOLVE_SUFFIXES = [
  '',
  '.ts',
  '.tsx',
  '.d.ts',
  '.js',
  '.json',
  '/index.ts',
  '/index.d.ts',
  '/index.js',
];

/** The file a relative specifier names, as TypeScript's node resolution finds it; null if none exists. */
function resolveRelative(from: string, specifier: string): string | null {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const stems = base.endsWith('.js') ? [base.slice(0, -3), base] : [base]; // `./x.js` may name x.ts
  for (const stem of stems) {
    for (const suffix of RESOLVE_SUFFIXES) {
      const candidate = stem + suffix;
      if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile())
        return candidate;
    }
  }
  return null;
}

function packageOf(specifier: string): string {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  const parts = bare.split('/');
  return bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

interface Tree {
  readonly files: readonly string[];
  readonly imports: readonly ResolvedImport[];
  readonly unresolved: readonly ResolvedImport[];
  readonly text: ReadonlyMap<string, string>;
}

function scanTree(): Tree {
  const files = SCANNED_DIRS.flatMap(sourceFiles);
  const text = new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), 'utf8')]));
  const imports: ResolvedImport[] = [];
  const unresolved: ResolvedImport[] = [];
  for (const from of files) {
    for (const ref of scanImports(from, text.get(from) ?? '')) {
      const relative = ref.specifier.startsWith('.');
      const target = relative ? resolveRelative(from, ref.specifier) : null;
      const imp: ResolvedImport = { ...ref, from, target, pkg: relative ? null : packageOf(ref.specifier) };
      if (relative && target === null) unresolved.push(imp);
      imports.push(imp);
    }
  }
  return { files, imports, unresolved, text };
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(files: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const f of files) if (!index.has(f)) connect(f);
  return found;
}

const show = (i: ResolvedImport) =>
  `${i.from}:${i.line} ${i.typeOnly ? 'type-only ' : ''}import of '${i.specifier}'${i.target ? ` (${i.target})` : ''}`;

// ---- tests ----

describe('architecture', () => {
  let tree: Tree;
  before(() => {
    tree = scanTree();
  });

  describe('the scanner', () => {
    it('finds every kind of module reference, and none in comments or strings', () => {
      const source = [
        'import {',
        '  a,',
        '  type B,',
        "} from './multi-line';",
        "import type { C } from './type-only';",
        "import { type D, type E } from './all-type-specifiers';",
        "import F, { type G } from './default-and-type';",
        "import * as H from 'pkg/sub';",
        "import './side-effect';",
        "export { i } from './re-export';",
        "export type { J } from './type-re-export';",
        "export * from './star';",
        "import K = require('./import-equals');",
        "const l = require('./required');",
        "const m = import('./dynamic');",
        "type N = import('./type-node').N;",
        "// import { o } from './commented-out';",
        'const p = "import { q } from \'./in-a-string\'";',
        'export { r };',
      ].join('\n');
      const refs = scanImports('x.ts', source).map(
        (r) => `${r.line} ${r.specifier}${r.typeOnly ? ' (type)' : ''}`,
      );
      assert.deepEqual(refs, [
        '1 ./multi-line',
        '5 ./type-only (type)',
        '6 ./all-type-specifiers (type)',
        '7 ./default-and-type',
        '8 pkg/sub',
        '9 ./side-effect',
        '10 ./re-export',
        '11 ./type-re-export (type)',
        '12 ./star',
        '13 ./import-equals',
        '14 ./required',
        '15 ./dynamic',
        '16 ./type-node (type)',
      ]);
    });

    it('finds Math.random however it is reached, and not in comments or strings', () => {
      const source = [
        'const a = Math.random();',
        "const b = Math['random']();",
        'const { random } = Math;',
        'const c = globalThis.Math.random;',
        '// Math.random() is banned',
        "const d = 'Math.random';",
        'const e = rng.random();',
      ].join('\n');
      assert.deepEqual(mathRandomLines('x.ts', source), [1, 2, 3, 4]);
    });

    it('finds cycles, including a file that imports itself, and nothing in a DAG', () => {
      const graph = (pairs: string[]) => {
        const edges = new Map<string, string[]>();
        for (const pair of pairs) {
          const [from, to] = pair.split('>');
          edges.set(from, [...(edges.get(from) ?? []), to]);
        }
        return edges;
      };
      const files = ['a', 'b', 'c', 'd', 'e'];
      assert.deepEqual(cycles(files, graph(['a>b', 'b>c', 'a>c', 'd>e'])), []);
      assert.deepEqual(cycles(files, graph(['a>b', 'b>c', 'c>a', 'd>d', 'e>a'])), [['a', 'b', 'c'], ['d']]);
    });

    it('reads the real tree: sources of both roots, value and type-only imports, packages', () => {
      assert.ok(fs.existsSync(path.join(ROOT, 'package.json')), `repository root not found at ${ROOT}`);
      assert.ok(tree.files.includes('kernels/spec.ts') && tree.files.includes('src/shared/errors.ts'));
      const gpu = tree.imports.find((i) => i.from === 'src/backend/gpujs.ts' && i.pkg === 'gpu.js');
      assert.ok(gpu && !gpu.typeOnly, 'the value import of gpu.js in src/backend/gpujs.ts must be seen');
      assert.ok(tree.imports.some((i) => i.typeOnly && i.target === 'kernels/names.ts'));
    });

    it('resolves every relative import to a file (else the rules below would miss edges)', () => {
      assert.deepEqual(tree.unresolved.map(show), []);
    });
  });

  for (const rule of RULES) {
    it(`${rule.rule} [${rule.source}]`, () => {
      const applies = (f: string) =>
        rule.files.some((d) => f.startsWith(d)) && !(rule.except ?? []).includes(f);
      const violations = tree.imports.filter((i) => applies(i.from) && rule.forbid(i)).map(show);
      assert.deepEqual(violations, [], `${rule.rule}; violations:\n  ${violations.join('\n  ')}`);
    });
  }

  it('has no import cycles among kernels/ and src/ (type-only imports excluded: they are erased at compile time)', () => {
    const edges = new Map<string, string[]>();
    for (const i of tree.imports) {
      if (i.typeOnly || i.target === null || !tree.text.has(i.target)) continue;
      edges.set(i.from, [...(edges.get(i.from) ?? []), i.target]);
    }
    const found = cycles(tree.files, edges).map((c) => c.join(' ↔ '));
    assert.deepEqual(found, [], `import cycles:\n  ${found.join('\n  ')}`);
  });

  it('does not use Math.random in src/ or kernels/ (randomness goes through src/shared/rng.ts)', () => {
    const uses = tree.files.flatMap((f) =>
      mathRandomLines(f, tree.text.get(f) ?? '').map((line) => `${f}:${line}`),
    );
    assert.deepEqual(uses, [], `Math.random used at:\n  ${uses.join('\n  ')}`);
  });
});
