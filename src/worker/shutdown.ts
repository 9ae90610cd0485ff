/**
 * A worker's graceful shutdown. On SIGTERM (or SIGINT) the worker stops taking tasks: every task it has
 * not started, and every task that arrives while it finishes the one in flight, is handed back with a
 * TaskFailed whose code is DRAIN_CODE. The coordinator reads that code as "re-issue it elsewhere now; the
 * worker is leaving", not as a bad result, and sends the worker nothing more. The task in flight finishes
 * and its result is sent; then the worker ends its stream and exits 0. A force timer bounds all of it.
 */
import type { ErrorCode } from '../shared/errors';
import type { Logger } from '../shared/log';
import type { CoordinatorMessage__Output } from '../transport/generated/gradpool/v1/CoordinatorMessage';
import type { WorkerMessage } from '../transport/generated/gradpool/v1/WorkerMessage';
import { describeFailed } from './message-fields';

/** TaskFailed code of a task handed back by a draining worker. */
export const DRAIN_CODE: ErrorCode = 'E_UNAVAILABLE';

/** Default milliseconds a stopping worker has before it exits anyway (`--shutdown-timeout`). */
export const DEFAULT_WORKER_SHUTDOWN_TIMEOUT_MS = 20_000;

/**
 * The TaskFailed that hands `msg` back to the coordinator, for a shard or evaluation task; null for
 * anything else (parameters need no answer).
 */
export function drainReply(msg: CoordinatorMessage__Output): WorkerMessage | null {
  if (!msg.task && !msg.eval) return null;
  return { taskFailed: describeFailed(msg, DRAIN_CODE, 'the worker is shutting down; re-issue the task') };
}

/**
 * Resolves with the first of SIGTERM, SIGINT or `signal`'s abort, naming it; `dispose()` removes the
 * listeners.
 */
export function stopSignal(signal?: AbortSignal): { stopped: Promise<string>; dispose(): void } {
  let onStop: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (onStop = resolve));
  const onSigterm = () => onStop('SIGTERM');
  const onSigint = () => onStop('SIGINT');
  const onAbort = () => onStop('abort');
  process.once('SIGTERM', onSigterm);
  process.once('SIGINT', onSigint);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  return {
    stopped,
    dispose: () => {
      process.off('SIGTERM', onSigterm);
      process.off('SIGINT', onSigint);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Runs `close` and waits at most `timeoutMs` for it; true when it finished in time. On a timeout it logs
 * and calls `onTimeout` (the CLI exits non-zero there: a shard computing on the main thread cannot be
 * interrupted, so only leaving the process ends it).
 */
export async function closeWithin(
  close: () => Promise<void>,
  timeoutMs: number,
  log: Logger,
  onTimeout: () => void,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    const ok = await Promise.race([close().then(() => true as const), timedOut]);
    if (!ok) {
      log('error', 'shutdown timed out; exiting anyway', { timeoutMs });
      onTimeout();
    }
    return ok;
  } finally {
    clearTimeout(timer);
  }
}
