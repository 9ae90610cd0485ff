/** Ending a job: the one place that records a terminal state and tells watchers (state, then done). */
import type { Logger } from '../shared/log';
import type { JobEvents } from './job-events';
import type { JobState, JobStore } from './job-store';

/** What ending a job needs. */
export interface EndJobDeps {
  readonly store: JobStore;
  readonly events: JobEvents;
  readonly log: Logger;
}

/**
 * Stores `state` and `message` on job `id`, logs it, and emits a state event then the done event, which
 * carries the record's best accuracy, fingerprint and parameter count (and, for a search, its best trial).
 */
export async function endJob(
  deps: EndJobDeps,
  id: string,
  state: JobState,
  message: string,
  timing: { readonly seconds: number; readonly samplesPerSecond: number } = {
    seconds: 0,
    samplesPerSecond: 0,
  },
): Promise<void> {
  const rec = await deps.store.update(id, { state, message });
  deps.log('info', rec.search ? 'search ended' : 'job ended', { jobId: id, state, message });
  deps.events.emit(id, { type: 'state', state });
  deps.events.emit(id, {
    type: 'done',
    done: {
      state,
      bestValAcc: rec.bestValAcc,
      fingerprint: rec.fingerprint,
      paramCount: rec.paramCount,
      message,
      ...timing,
      bestSpecJson: rec.search?.bestSpecJson ?? '',
      bestTrialJobId: rec.search?.bestTrialJobId ?? '',
      ...(rec.kfold ? { kfold: rec.kfold } : {}),
    },
  });
}
