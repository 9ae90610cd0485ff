/**
 * Just enough of Docker to check deploy/Dockerfile without an engine: its instructions by stage, and which
 * files of the repository the build context (.dockerignore) holds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  /** Upper case: FROM, RUN, COPY … */
  readonly keyword: string;
  readonly args: string;
  /** Index of the stage (FROM) it belongs to. */
  readonly stage: number;
}

/** A stage: its base image, its name, and its instructions (FROM excluded). */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** The stages of the Dockerfile text `text`. Comment lines (parser directives too) are skipped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1).trimEnd() + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const [, keyword, args] = /^(\S+)\s*(.*)$/s.exec(full)!;
    const kw = keyword.toUpperCase();
    if (kw === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`cannot read FROM ${args}`);
      stages.push({ image: m[1], name: m[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`${kw} before the first FROM`);
    stages[stages.length - 1].instructions.push({ keyword: kw, args, stage: stages.length - 1 });
  }
  return stages;
}

/** The JSON array of an exec-form instruction (`["a", "b"]`), or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const v = JSON.parse(args) as unknown;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw new Error(`not a string array: ${args}`);
  return v as string[];
}

/** A COPY's flags (`--from=build` → from: build), sources and destination. */
export function parseCopy(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [k, v] = words.shift()!.slice(2).split('=', 2);
    flags[k] = v ?? 'true';
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0)
    throw new Error(`COPY needs sources and a destination: ${args}`);
  return { flags, sources: words, dest };
}

/** A .dockerignore pattern as a matcher of context-relative paths (`*` within a segment, `**` across). */
function globToRegExp(pattern: string): RegExp {
  const cleaned = path.posix.normalize(pattern).replace(/^\/+|\/+$/g, '');
  let re = '';
  for (let i = 0; i < cleaned.length; i++) {
    const ch = cleaned[i];
    if (ch === '*' && cleaned[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The rules of a .dockerignore file, in order. */
export function readDockerignore(text: string): { exclude: boolean; pattern: string; re: RegExp }[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclude = !l.startsWith('!');
      const pattern = exclude ? l : l.slice(1);
      return { exclude, pattern, re: globToRegExp(pattern) };
    });
}

/**
 * True when the context holds `rel`: the last rule that matches the path or one of its parent folders
 * decides (a matched folder takes its contents with it), as Docker reads .dockerignore.
 */
export function inContext(rules: ReturnType<typeof readDockerignore>, rel: string): boolean {
  const parts = rel.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let included = true;
  for (const r of rules) if (prefixes.some((p) => r.re.test(p))) included = !r.exclude;
  return included;
}

/**
 * The files of `root` the build context holds (relative paths). Folders are entered only when they are
 * in the context or a negated rule points inside them, so node_modules/ and .git/ are not walked.
 */
export function contextFiles(root: string, rules: ReturnType<typeof readDockerignore>): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        const reopened = rules.some((x) => !x.exclude && x.pattern.replace(/^\/+/, '').startsWith(`${r}/`));
        if (inContext(rules, r) || reopened) walk(r);
      } else if (inContext(rules, r)) {
        out.push(r);
      }
    }
  };
  walk('');
  return out.sort();
}
