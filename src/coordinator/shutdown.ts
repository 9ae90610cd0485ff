/**
 * The coordinator's graceful shutdown on SIGTERM (or SIGINT): stop accepting jobs (health NOT_SERVING,
 * SubmitJob refused with UNAVAILABLE), checkpoint every running job at its last completed iteration, end
 * the worker and watch streams, stop the servers, close the job store, and exit 0. A force timer
 * (`--shutdown-timeout`, default 20 s) bounds all of it, so an open stream or a stuck write cannot hold the
 * process; a second signal forces at once. Forced exits are non-zero.
 */
import type { Logger } from '../shared/log';

/** Default milliseconds a stopping coordinator has before it exits anyway. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 20_000;

/** How a shutdown ended. */
export type ShutdownOutcome = 'graceful' | 'forced';

/** What runs the shutdown. */
export interface ShutdownOptions {
  /** Milliseconds close() may take before `force` is called. */
  readonly timeoutMs: number;
  readonly log: Logger;
  /** Called when close() overran timeoutMs, or on a second signal (the process exits 1 there). */
  readonly force: (why: string) => void;
  /** Signals to stop on (default SIGTERM and SIGINT). */
  readonly signals?: readonly NodeJS.Signals[];
}

/** The first of `signals` the process receives (by name); dispose() stops listening. */
export function nextSignal(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): {
  readonly received: Promise<string>;
  dispose(): void;
} {
  let on: (signal: NodeJS.Signals) => void = () => {};
  const dispose = () => {
    for (const s of signals) process.off(s, on);
  };
  const received = new Promise<string>((resolve) => {
    on = (signal) => {
      dispose();
      resolve(signal);
    };
    for (const s of signals) process.on(s, on);
  });
  return { received, dispose };
}

/**
 * Waits for a stop signal, then runs `close` within options.timeoutMs. Resolves with 'graceful' when
 * close finished in time; otherwise options.force has been called and it resolves with 'forced'.
 */
export async function closeOnSignal(
  close: () => Promise<void>,
  options: ShutdownOptions,
): Promise<ShutdownOutcome> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const signal = await nextSignal(signals).received;
  const startedMs = Date.now();
  options.log('info', 'signal received; checkpointing and stopping', {
    signal,
    shutdownTimeoutMs: options.timeoutMs,
  });
  let forced: (why: string) => void = () => {};
  const forcedP = new Promise<'forced'>((resolve) => {
    forced = (why) => {
      options.log('error', 'shutdown forced', { why, afterMs: Date.now() - startedMs });
      options.force(why);
      resolve('forced');
    };
  });
  const timer = setTimeout(() => forced(`not done within ${options.timeoutMs} ms`), options.timeoutMs);
  const again = nextSignal(signals);
  void again.received.then((s) => forced(`second signal ${s}`));
  try {
    const outcome = await Promise.race([close().then(() => 'graceful' as const), forcedP]);
    if (outcome === 'graceful') {
      options.log('info', 'coordinator stopped', { afterMs: Date.now() - startedMs });
    }
    return outcome;
  } finally {
    clearTimeout(timer);
    again.dispose();
  }
}
