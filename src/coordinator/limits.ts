/**
 * Admission limits of SubmitJob, so that one client cannot exhaust the coordinator: the spec's size, the
 * model's parameter count, and the jobs a client has queued or running at once. A refused submission gets
 * E_LIMIT (RESOURCE_EXHAUSTED) with the limit, the value that broke it, and the flag that raises it.
 */
import { Sequential } from '../model/sequential';
import { GradpoolError } from '../shared/errors';
import { parseJobSpec } from '../train/job-spec';
import type { JobRecord } from './job-store';
import { TERMINAL_STATES } from './job-store';

/** Limit values; each has a coordinator flag. */
export interface LimitValues {
  /** Largest spec, in bytes of its JSON (`--max-spec-bytes`, default 1 MiB). */
  readonly maxSpecBytes: number;
  /** Most trainable scalars of a job's model (`--max-params`, default 10 000 000). */
  readonly maxParams: number;
  /** Most queued + running jobs per client, a search counting once (`--max-jobs-per-client`, default 16). */
  readonly maxJobsPerClient: number;
}

/** The defaults. 10M parameters keep one Params message (4 bytes each) well inside the 64 MiB limit. */
export const DEFAULT_LIMITS: Readonly<LimitValues> = Object.freeze({
  maxSpecBytes: 1024 * 1024,
  maxParams: 10_000_000,
  maxJobsPerClient: 16,
});

function exceeded(limit: string, flag: string, detail: string): GradpoolError {
  return new GradpoolError('E_LIMIT', `${limit} exceeded: ${detail}; the coordinator's ${flag} raises it`);
}

/** The coordinator's limits. */
export class Limits {
  /** Submissions between their admission and their record, by client: counted so a burst cannot slip by. */
  private readonly pending = new Map<string, number>();
  readonly values: Readonly<LimitValues>;

  constructor(values: Partial<LimitValues> = {}) {
    this.values = Object.freeze({ ...DEFAULT_LIMITS, ...values });
  }

  /** Checks the spec's size before it is parsed. */
  checkSpecSize(specJson: string): void {
    const bytes = Buffer.byteLength(specJson, 'utf8');
    if (bytes > this.values.maxSpecBytes) {
      throw exceeded('spec size limit', '--max-spec-bytes', `${bytes} bytes > ${this.values.maxSpecBytes}`);
    }
  }

  /** Checks the model's parameter count from its shapes alone (nothing is allocated, no data loaded). */
  checkParams(raw: unknown): void {
    const net = Sequential.fromSpec(parseJobSpec(raw).model);
    const count = net.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    if (count > this.values.maxParams) {
      throw exceeded(
        'parameter limit',
        '--max-params',
        `the model has ${count} parameters > ${this.values.maxParams}`,
      );
    }
  }

  /**
   * Admits one more job of `client` given every job record, and returns a release to call once the job is
   * recorded (or refused): until then the admission counts as one of the client's jobs.
   */
  admitJob(client: string, jobs: readonly JobRecord[]): () => void {
    const active = jobs.filter(
      (j) => j.owner === client && j.parentId === undefined && !TERMINAL_STATES.includes(j.state),
    ).length;
    const pending = this.pending.get(client) ?? 0;
    if (active + pending >= this.values.maxJobsPerClient) {
      throw exceeded(
        'concurrent jobs limit',
        '--max-jobs-per-client',
        `${client} has ${active + pending} jobs queued or running, the most allowed is ${this.values.maxJobsPerClient}; wait for one to end or cancel one`,
      );
    }
    this.pending.set(client, pending + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.pending.get(client) ?? 1) - 1;
      if (n <= 0) this.pending.delete(client);
      else this.pending.set(client, n);
    };
  }
}
