/** Jittered exponential backoff between reconnect attempts. */
import { Rng } from '../shared/rng';

/** Delays of a Backoff, in milliseconds. */
export interface BackoffOptions {
  /** First delay (default 250). */
  readonly minMs?: number;
  /** Largest delay (default 5000). */
  readonly maxMs?: number;
}

/**
 * Attempt k (0-based) waits a uniform delay in [d/2, d] with d = min(maxMs, minMs · 2^k): the jitter keeps a
 * pool of workers that lost the coordinator together from reconnecting in lockstep.
 */
export class Backoff {
  private readonly minMs: number;
  private readonly maxMs: number;
  private attempt = 0;

  /** Jitter comes from `rng` (seed it per worker, e.g. from the worker id). */
  constructor(
    private readonly rng: Rng,
    options: BackoffOptions = {},
  ) {
    this.minMs = options.minMs ?? 250;
    this.maxMs = Math.max(this.minMs, options.maxMs ?? 5000);
  }

  /** The delay before the next attempt; each call doubles the next one, up to maxMs. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return ceiling / 2 + this.rng.uniform() * (ceiling / 2);
  }

  /** Starts over from minMs (after a connection that worked). */
  reset(): void {
    this.attempt = 0;
  }
}

/** A 32-bit seed from a string (FNV-1a), e.g. to seed a worker's jitter by its id. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
