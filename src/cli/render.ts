/** How job events look: the recipe's lines on a terminal, or one JSON object per line with --json. */
import type { JobEventInfo, JobInfo, TrialInfo } from '../coordinator/client';
import { doneLine, epochLine, pythonExp, pythonFixed } from '../train/format';
import { SEARCHABLE_FIELDS } from '../train/search-spec';
import { renderCrossValidation, renderFold } from './kfold';

/** Exit code of a watched job by its final state. */
export function exitCodeOf(state: string): number {
  if (state === 'FINISHED') return 0;
  if (state === 'DIVERGED') return 3;
  return 1;
}

/** Prints job events; remembers the final state. */
export class EventPrinter {
  /** The state of the done event, once seen. */
  finalState: string | null = null;

  constructor(
    private readonly json: boolean,
    private readonly out: (line: string) => void,
    private readonly err: (line: string) => void,
  ) {}

  /** Prints one event. */
  print(e: JobEventInfo): void {
    const jobId = e.jobId;
    if (e.epoch) {
      const ep = e.epoch;
      const fields = {
        epoch: ep.epoch,
        epochs: ep.epochs,
        cost: ep.cost,
        trainAcc: ep.trainAcc,
        valAcc: ep.valAcc,
        lr: ep.lr,
      };
      this.out(this.json ? JSON.stringify({ type: 'epoch', jobId, ...fields }) : epochLine(fields));
    } else if (e.trial) {
      this.out(
        this.json ? JSON.stringify({ type: 'trial', jobId, ...trialJson(e.trial) }) : trialLine(e.trial),
      );
    } else if (e.fold) {
      this.out(renderFold(e.fold, jobId, this.json));
    } else if (e.hint) {
      if (this.json) this.out(JSON.stringify({ type: 'hint', jobId, message: e.hint }));
      else this.err(`hint: ${e.hint}`);
    } else if (e.done) {
      const d = e.done;
      this.finalState = String(d.state);
      if (this.json) {
        this.out(
          JSON.stringify({
            type: 'done',
            jobId,
            status: String(d.state).toLowerCase(),
            bestValAcc: d.bestValAcc,
            fingerprint: d.fingerprint,
            paramCount: d.paramCount,
            seconds: d.seconds,
            samplesPerSecond: d.samplesPerSecond,
            ...(d.message ? { message: d.message } : {}),
          }),
        );
        if (d.crossValidation) this.out(renderCrossValidation(d.crossValidation, jobId, true));
      } else {
        if (d.crossValidation) {
          if (d.crossValidation.results.some((r) => r.state === 'FINISHED'))
            this.out(renderCrossValidation(d.crossValidation, jobId, false));
        } else if (d.state === 'FINISHED' || d.state === 'DIVERGED') this.out(doneLine(d.bestValAcc));
        // A finished k-fold job's message is its summary line, printed above.
        if (d.message && !(d.crossValidation && d.state === 'FINISHED'))
          this.err(`${String(d.state).toLowerCase()}: ${d.message}`);
        this.err(
          `job ${jobId} ${String(d.state).toLowerCase()} · fingerprint ${d.fingerprint || '-'} · ` +
            `${d.paramCount} parameters · ${d.seconds.toFixed(1)} s · ${d.samplesPerSecond.toFixed(0)} samples/s`,
        );
      }
    } else if (e.state) {
      if (this.json) this.out(JSON.stringify({ type: 'state', jobId, state: e.state }));
      else this.err(`job ${jobId}: ${e.state}`);
    }
  }
}

/** A table of jobs for `gradpool jobs`. */
export function jobsTable(jobs: readonly JobInfo[]): string[] {
  const rows = [['ID', 'STATE', 'EPOCH', 'ITERATION', 'BEST VAL', 'BACKEND', 'NAME']];
  for (const j of jobs) {
    const state =
      j.state === 'RUNNING' && j.waitingForWorkers ? 'RUNNING (waiting for workers)' : String(j.state);
    rows.push([
      j.id,
      state,
      `${j.epoch} / ${j.epochs}`,
      `${j.iteration} / ${j.totalIterations}`,
      j.bestValAcc.toFixed(6),
      [...new Set((j.workerBackends ?? []).map((w) => w.backend))].join(',') || '-',
      j.name,
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((v, c) => v.padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
}

/** A one-line progress bar, e.g. `[#######.............]  120 / 400 iterations`. */
export function progressBar(done: number, total: number, width = 30): string {
  const f = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done} / ${total} iterations`;
}

/** Short names of searched fields in trial lines (the recipe's `lr`); other fields print as they are. */
const SHORT_NAMES: Readonly<Record<string, string>> = { learningRate: 'lr' };

/**
 * One trial in the recipe's form, e.g. `val_acc: 0.527000, lr: 5.340517e-04, reg: 4.097824e-01, (0 / 100)`:
 * values in Python's %e, `(i / N)` the trial's index and the trials of its stage; then the stage when the
 * search has several, and the state and reason of a trial that did not finish.
 */
export function trialLine(t: TrialInfo): string {
  const names = [...SEARCHABLE_FIELDS.filter((f) => f in t.values), ...Object.keys(t.values).sort()];
  const values = [...new Set(names)].map((f) => `${SHORT_NAMES[f] ?? f}: ${pythonExp(t.values[f])}, `);
  const stage = t.stages > 1 ? ` stage ${t.stage + 1} / ${t.stages}` : '';
  const state = String(t.state);
  const end = state === 'FINISHED' ? '' : ` ${state.toLowerCase()}${t.reason ? `: ${t.reason}` : ''}`;
  return `val_acc: ${pythonFixed(t.valAcc)}, ${values.join('')}(${t.trial} / ${t.trials})${stage}${end}`;
}

/** A trial as a JSON object (`status` is the lower-case state). */
export function trialJson(t: TrialInfo): Record<string, unknown> {
  return {
    trialJobId: t.trialJobId,
    stage: t.stage,
    stages: t.stages,
    trial: t.trial,
    trials: t.trials,
    epochs: t.epochs,
    values: { ...t.values },
    valAcc: t.valAcc,
    status: String(t.state).toLowerCase(),
    reason: t.reason,
    startedMs: t.startedMs,
    endedMs: t.endedMs,
  };
}

/**
 * Trials in table order: finished ones by validation accuracy, best first (ties: the later stage, then the
 * lower index), then the others (diverged, failed, cancelled) by stage and index.
 */
export function sortTrials(trials: readonly TrialInfo[]): TrialInfo[] {
  const finished = (t: TrialInfo) => String(t.state) === 'FINISHED';
  return [...trials].sort((a, b) => {
    if (finished(a) !== finished(b)) return finished(a) ? -1 : 1;
    if (finished(a) && a.valAcc !== b.valAcc) return b.valAcc - a.valAcc;
    if (a.stage !== b.stage) return finished(a) ? b.stage - a.stage : a.stage - b.stage;
    return a.trial - b.trial;
  });
}
