/** JSON-line logs on stderr, and named tracers switched on by GRADPOOL_TRACE=name,name. */

/** Log severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** A logger that writes one JSON object per line. */
export interface Logger {
  (level: Level, msg: string, fields?: object): void;
}

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Parses a level name (GRADPOOL_LOG_LEVEL), naming the valid ones on error. */
export function parseLevel(raw: string, source: string): Level {
  if (!(raw in RANK))
    throw new Error(`${source}: unknown log level "${raw}"; use one of debug, info, warn, error`);
  return raw as Level;
}

/**
 * A logger writing lines at `minLevel` or above (default info) to `write` (stderr by default), stamped
 * with the component name.
 */
export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(l),
  minLevel: Level = 'info',
): Logger {
  return (level, msg, fields = {}) => {
    if (RANK[level] < RANK[minLevel]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }) + '\n');
  };
}

/** A logger that drops everything (tests, quiet runs). */
export const silentLogger: Logger = () => {};
