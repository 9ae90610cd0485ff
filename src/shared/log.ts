/** JSON-line logs on stderr, and named tracers switched on by GRADPOOL_TRACE=name,name. */

/** Log severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** A logger that writes one JSON object per line. */
export interface Logger {
  (level: Level, msg: string, fields?: object): void;
}

/** A logger writing to `write` (stderr by default), stamped with the component name. */
export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  return (level, msg, fields = {}) => {
    write(JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }) + '\n');
  };
}

/** A logger that drops everything (tests, quiet runs). */
export const silentLogger: Logger = () => {};
