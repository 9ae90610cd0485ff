/**
 * What the compiled `gradpool` command accepts, read from its own `--help` output, so that the deploy
 * checks follow the CLI as it changes: its commands, and each command's flags and whether they take a value.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './kustomize';

/** The compiled CLI. */
export const CLI = path.join(REPO, 'dist/src/cli/main.js');

/** A flag of a command. */
export interface Flag {
  /** `--data-dir` */
  readonly name: string;
  readonly takesValue: boolean;
}

const helpCache = new Map<string, string>();

function help(args: string[]): string {
  const key = args.join(' ');
  const cached = helpCache.get(key);
  if (cached !== undefined) return cached;
  // A clean environment: a GRADPOOL_* variable of the caller must not break or change the output.
  const text = execFileSync(process.execPath, [CLI, ...args, '--help'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  helpCache.set(key, text);
  return text;
}

/** Lines of the `title:` section of a commander help text (up to the next blank line). */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) throw new Error(`no "${title}" section in the help text:\n${text}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The commands of `gradpool`. */
export function commands(): string[] {
  return section(help([]), 'Commands:')
    .map((l) => /^ {2}([a-z][a-z-]*)\b/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');
}

/**
 * The flags of `gradpool <command>`. An option line starts with two spaces and the flag (`-o, --output
 * <file>`); wrapped description lines start further in and are skipped.
 */
export function flagsOf(command: string): Flag[] {
  return section(help([command]), 'Options:').flatMap((l) => {
    const m = /^ {2}(?:-[A-Za-z], )?(--[a-z][a-z0-9-]*)( <[^>]+>| \[[^\]]+\])?/.exec(l);
    return m ? [{ name: m[1], takesValue: m[2] !== undefined }] : [];
  });
}

/** A command line split into its command and its flags with their values. */
export interface ParsedArgs {
  readonly command: string;
  readonly flags: ReadonlyMap<string, string | true>;
}

/**
 * Parses `args` (a container's args) against the CLI's own definitions: the first must be a command,
 * each later one a flag the command has (`--flag value` or `--flag=value`), or the value of the one
 * before it. Throws naming the offending argument.
 */
export function parseArgs(args: readonly string[], known: (command: string) => readonly Flag[]): ParsedArgs {
  const [command, ...rest] = args;
  if (command === undefined || !commands().includes(command)) {
    throw new Error(`args must start with a gradpool command (${commands().join(', ')}), got "${command}"`);
  }
  const flags = new Map<string, string | true>();
  const defs = known(command);
  for (let i = 0; i < rest.length; i++) {
    const [name, inline] = rest[i].split(/=(.*)/s, 2);
    const def = defs.find((f) => f.name === name);
    if (!def)
      throw new Error(`gradpool ${command} has no flag ${rest[i]} (it has ${defs.map((f) => f.name)})`);
    if (!def.takesValue) {
      if (inline !== undefined) throw new Error(`${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
    flags.set(name, value);
  }
  return { command, flags };
}
