/**
 * The hooks every fault suite's describe() shares: the whole suite is skipped, with a message, where
 * network namespaces are unavailable; what an earlier run left behind is swept first; each test gets a
 * FaultEnv of its own; a failed test prints the processes' log tails; and after every test the FaultEnv
 * is cleaned up completely.
 */
import { netnsUnavailable, sweepStale } from '../helpers/netns';
import { FaultEnv } from './fault-env';

/** A suite's own steps around the shared ones. */
export interface FaultSuiteHooks {
  /** Runs in beforeEach, after the test's FaultEnv was made and handed to the suite. */
  readonly beforeEach?: () => void;
  /** Runs in afterEach, after the tails of a failed test and before the FaultEnv's cleanup. */
  readonly beforeCleanup?: () => Promise<void>;
  /** Runs in afterEach after the FaultEnv's cleanup, even when that cleanup failed. */
  readonly afterCleanup?: () => Promise<void> | void;
}

/**
 * Registers the shared hooks in the current describe(). `useEnv` receives each test's new FaultEnv
 * (the suite keeps it in a variable of its own); `hooks` adds the suite's per-test fixtures and cleanup.
 */
export function faultSuite(useEnv: (env: FaultEnv) => void, hooks: FaultSuiteHooks = {}): void {
  let env: FaultEnv;

  before(async function () {
    const why = await netnsUnavailable();
    if (why) {
      console.error(`fault suite skipped: ${why}`);
      this.skip();
    }
    await sweepStale();
  });
  beforeEach(() => {
    env = new FaultEnv();
    useEnv(env);
    hooks.beforeEach?.();
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.error(env.cluster.tails());
    await hooks.beforeCleanup?.();
    try {
      await env.cleanup();
    } finally {
      await hooks.afterCleanup?.();
    }
  });
}
