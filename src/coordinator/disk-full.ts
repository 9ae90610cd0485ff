/**
 * A full data directory pauses a job instead of failing it: a write that fails with ENOSPC (or EDQUOT) is
 * retried with a growing delay until space frees (the job stays RUNNING and its parameters are untouched,
 * so the result is the same as without the pause), or until the job is interrupted. New submissions are
 * refused with RESOURCE_EXHAUSTED meanwhile (Coordinator.submit).
 */
import { GradpoolError } from '../shared/errors';
import type { Logger } from '../shared/log';

/** First and largest delay between retries of a write that found the disk full, in milliseconds. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2000;

/** True for the errors of a full file system or an exhausted quota. */
export function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The client-facing error for a write that found the data directory full. */
export function diskFullError(what: string): GradpoolError {
  return new GradpoolError(
    'E_TOO_LARGE',
    `the coordinator's data directory is full (ENOSPC) while ${what}; free space there and try again`,
  );
}

/** What retryWhileDiskFull needs. */
export interface DiskFullRetry {
  readonly log: Logger;
  readonly jobId: string;
  /** What is being written, for the log ("checkpoint", "job record" …). */
  readonly what: string;
  /** Throws to stop waiting (the job was cancelled or the coordinator is stopping). */
  readonly checkInterrupt: () => void;
  /** Called once when the job pauses, and once when it goes on. */
  readonly onPause?: (paused: boolean) => void;
}

/** Runs `write`; while it fails because the disk is full, waits and runs it again. Other errors throw. */
export async function retryWhileDiskFull<T>(write: () => Promise<T>, r: DiskFullRetry): Promise<T> {
  let delayMs = FIRST_RETRY_MS;
  let pausedAtMs = 0;
  for (;;) {
    try {
      const out = await write();
      if (pausedAtMs > 0) {
        r.log('info', 'disk space back; job continues', {
          jobId: r.jobId,
          pausedMs: Date.now() - pausedAtMs,
        });
        r.onPause?.(false);
      }
      return out;
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      if (pausedAtMs === 0) {
        pausedAtMs = Date.now();
        r.log('error', 'data directory full; job paused until space frees', {
          jobId: r.jobId,
          writing: r.what,
          error: (e as Error).message,
        });
        r.onPause?.(true);
      }
    }
    r.checkInterrupt();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    r.checkInterrupt();
    delayMs = Math.min(MAX_RETRY_MS, delayMs * 2);
  }
}
