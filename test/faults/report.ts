/**
 * The fault suite's record: one row per scenario (expected and observed outcome, detection and recovery
 * times, faults injected, bad inputs tried, jobs accepted and lost), and the totals. hooks.ts prints it as
 * a Markdown table and writes it as JSON (GP_FAULTS_REPORT, default dist/fault-report.json) after the run.
 */

/** One scenario's outcome. */
export interface FaultRow {
  readonly scenario: string;
  readonly expected: string;
  observed: string;
  /** Milliseconds from the fault to the coordinator's first reaction to it; null when not applicable. */
  detectionMs: number | null;
  /** Milliseconds from the fault to the job making progress again; null when not applicable. */
  recoveryMs: number | null;
  /** Faults injected (kills, freezes, partitions, corruptions, a full disk …). */
  faults: number;
  /** Bad inputs sent (invalid results, corrupt files, refused calls …). */
  badInputs: number;
  jobsAccepted: number;
  /** Accepted jobs that did not end with their fault-free fingerprint or a clear status. */
  jobsLost: number;
  passed: boolean;
  /** The failure, for a scenario that did not pass. */
  error?: string;
}

const rows: FaultRow[] = [];
let open: FaultRow | null = null;

/** Starts the row of a scenario; fill it in and call pass() once its assertions held. */
export function scenario(name: string, expected: string): FaultRow {
  const row: FaultRow = {
    scenario: name,
    expected,
    observed: '',
    detectionMs: null,
    recoveryMs: null,
    faults: 0,
    badInputs: 0,
    jobsAccepted: 0,
    jobsLost: 0,
    passed: false,
  };
  rows.push(row);
  open = row;
  return row;
}

/** Marks the open scenario as passed. */
export function pass(row: FaultRow): void {
  row.passed = true;
  if (open === row) open = null;
}

/** Marks the open scenario (if its test ended without pass()) as failed with `error`. */
export function failOpen(error: string): void {
  if (!open) return;
  open.error = error;
  if (!open.observed) open.observed = `FAILED: ${error.split('\n')[0].slice(0, 160)}`;
  open = null;
}

/** Every row and the totals. */
export function summary(): {
  rows: readonly FaultRow[];
  totals: {
    scenarios: number;
    passed: number;
    faultsSurvived: number;
    badInputs: number;
    jobsAccepted: number;
    jobsLost: number;
  };
} {
  const ok = rows.filter((r) => r.passed);
  return {
    rows,
    totals: {
      scenarios: rows.length,
      passed: ok.length,
      faultsSurvived: ok.reduce((a, r) => a + r.faults, 0),
      badInputs: rows.reduce((a, r) => a + r.badInputs, 0),
      jobsAccepted: rows.reduce((a, r) => a + r.jobsAccepted, 0),
      jobsLost: rows.reduce((a, r) => a + r.jobsLost, 0),
    },
  };
}

const fmtMs = (ms: number | null) =>
  ms === null ? '—' : ms < 10_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;

/** The rows as a Markdown table, then the totals. */
export function markdown(): string {
  const { rows: all, totals } = summary();
  const lines = [
    '| scenario | expected | observed | detection | recovery | result |',
    '| --- | --- | --- | --- | --- | --- |',
    ...all.map(
      (r) =>
        `| ${r.scenario} | ${r.expected} | ${r.observed} | ${fmtMs(r.detectionMs)} | ${fmtMs(r.recoveryMs)} | ${r.passed ? 'pass' : 'FAIL'} |`,
    ),
    '',
    `Scenarios passed: ${totals.passed} / ${totals.scenarios}; faults survived: ${totals.faultsSurvived}; ` +
      `bad inputs tried: ${totals.badInputs}; jobs accepted: ${totals.jobsAccepted}; jobs lost: ${totals.jobsLost}.`,
  ];
  return lines.join('\n');
}
