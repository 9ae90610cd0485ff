/** Time as the scheduler sees it, injected so that tests can drive leases and stragglers by hand. */

/** A cancellable timer. */
export interface Timer {
  cancel(): void;
}

/** A source of time and timers (milliseconds). */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, delayMs: number): Timer;
}

/** The real clock: Date.now and setTimeout (unref'd, so a pending lease never keeps a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
