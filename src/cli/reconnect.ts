/**
 * Riding out a coordinator that is briefly unreachable (a restart, a dropped connection on a loaded
 * machine): SubmitJob is retried with the same request id (the coordinator deduplicates it, so a retry
 * never makes a second job), and a watch re-subscribes, skipping the replayed epochs and trials it has
 * already passed on. Only E_UNAVAILABLE is retried (not a failed TLS handshake), within RETRY_WINDOW_MS of
 * the last success. A plaintext client of a TLS coordinator only sees its connection dropped, so it is
 * retried too; the retry lines show client.ts's hint to give --tls-ca.
 */
import type { CoordinatorClient, JobEventInfo } from '../coordinator/client';
import { GradpoolError } from '../shared/errors';

/** How long calls keep being retried after the coordinator was last reachable, in milliseconds. */
export const RETRY_WINDOW_MS = 15_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 2000;

/** A TLS handshake or certificate failure (client.ts's hints) is configuration, not an outage. */
const TLS_MISMATCH = /TLS handshake failed|certificate did not verify/;
const unavailable = (e: unknown) =>
  e instanceof GradpoolError && e.code === 'E_UNAVAILABLE' && !TLS_MISMATCH.test(e.message);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `call`, retrying while it fails with E_UNAVAILABLE for up to windowMs; `onRetry` hears each. */
export async function retryUnavailable<T>(
  call: () => Promise<T>,
  onRetry: (e: GradpoolError, delayMs: number) => void = () => {},
  windowMs = RETRY_WINDOW_MS,
): Promise<T> {
  const until = Date.now() + windowMs;
  let delayMs = FIRST_DELAY_MS;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (!unavailable(e) || Date.now() + delayMs > until) throw e;
      onRetry(e as GradpoolError, delayMs);
      await sleep(delayMs);
      delayMs = Math.min(MAX_DELAY_MS, delayMs * 2);
    }
  }
}

/**
 * client.watch that re-subscribes after E_UNAVAILABLE (the retry window restarts with every event
 * received); epochs and trials replayed on re-subscription are not passed on twice.
 */
export async function watchWithReconnect(
  client: CoordinatorClient,
  jobId: string,
  onEvent: (e: JobEventInfo) => void,
  onRetry: (e: GradpoolError, delayMs: number) => void = () => {},
): Promise<void> {
  let lastEpoch = -1;
  const trials = new Set<string>();
  let heardMs = Date.now();
  let delayMs = FIRST_DELAY_MS;
  for (;;) {
    try {
      await client.watch(jobId, (e) => {
        heardMs = Date.now();
        delayMs = FIRST_DELAY_MS;
        if (e.epoch) {
          if (e.epoch.epoch <= lastEpoch) return;
          lastEpoch = e.epoch.epoch;
        }
        if (e.trial) {
          const key = JSON.stringify(e.trial);
          if (trials.has(key)) return;
          trials.add(key);
        }
        onEvent(e);
      });
      return;
    } catch (e) {
      if (!unavailable(e) || Date.now() + delayMs > heardMs + RETRY_WINDOW_MS) throw e;
      onRetry(e as GradpoolError, delayMs);
      await sleep(delayMs);
      delayMs = Math.min(MAX_DELAY_MS, delayMs * 2);
    }
  }
}
