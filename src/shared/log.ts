/**
 * Log lines on stderr, and named tracers switched on by GRADPOOL_TRACE=name,name.
 * Two formats: `json` (the default; one object per line: ts, level, component, msg, then the fields as
 * top-level keys, for log collectors) and `text` (one readable line: `ts LEVEL component: msg k=v …`).
 */

/** Log severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** How a log line is written. */
export type LogFormat = 'json' | 'text';

/** A logger that writes one line per call. */
export interface Logger {
  (level: Level, msg: string, fields?: object): void;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const FORMATS: readonly LogFormat[] = ['json', 'text'];
/** Keys every JSON line starts with; a field of the same name is written as `field.<name>`. */
const RESERVED = new Set(['ts', 'level', 'component', 'msg']);

/** Parses a level name (GRADPOOL_LOG_LEVEL), naming the valid ones on error. */
export function parseLevel(raw: string, source: string): Level {
  if (!(raw in RANK))
    throw new Error(`${source}: unknown log level "${raw}"; use one of debug, info, warn, error`);
  return raw as Level;
}

/** Parses a log format (`--log-format`, GRADPOOL_LOG_FORMAT), naming the valid ones on error. */
export function parseLogFormat(raw: string, source: string): LogFormat {
  if (!FORMATS.includes(raw as LogFormat))
    throw new Error(`${source}: unknown log format "${raw}"; use json or text`);
  return raw as LogFormat;
}

/**
 * A logger writing lines at `minLevel` or above (default info) to `write` (stderr by default), stamped
 * with the time and the component name, in `format` (default json).
 */
export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(l),
  minLevel: Level = 'info',
  format: LogFormat = 'json',
): Logger {
  const line = format === 'json' ? jsonLine : textLine;
  return (level, msg, fields = {}) => {
    if (RANK[level] < RANK[minLevel]) return;
    write(line(new Date().toISOString(), level, component, msg, fields) + '\n');
  };
}

/** Errors as their message (JSON.stringify writes `{}` for them), bigints as strings. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function jsonLine(ts: string, level: Level, component: string, msg: string, fields: object): string {
  const out: Record<string, unknown> = { ts, level, component, msg };
  for (const [k, v] of Object.entries(fields)) out[RESERVED.has(k) ? `field.${k}` : k] = v;
  return JSON.stringify(out, replacer);
}

function textLine(ts: string, level: Level, component: string, msg: string, fields: object): string {
  const kv = Object.entries(fields).map(([k, v]) => {
    const s = typeof v === 'string' ? v : JSON.stringify(v, replacer);
    return `${k}=${typeof v === 'string' && /[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
  });
  return [`${ts} ${level.toUpperCase().padEnd(5)} ${component}: ${msg}`, ...kv].join(' ');
}

/** A logger that drops everything (tests, quiet runs). */
export const silentLogger: Logger = () => {};
