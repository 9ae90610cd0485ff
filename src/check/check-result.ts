/** The outcome of one sanity check of the recipe, and how its numbers are printed. */

/** Names of the checks, in the order `gradpool check` runs them. */
export const CHECK_NAMES = ['initial-loss', 'regularization', 'overfit', 'gradient', 'update-ratio'] as const;

/** One check's name. */
export type CheckName = (typeof CHECK_NAMES)[number];

/** A check's verdict: what was measured, what was expected, and a one-line explanation. */
export interface CheckResult {
  readonly name: CheckName;
  readonly pass: boolean;
  /** The measured number (a loss, an accuracy, a relative error, a ratio; NaN when none could be measured). */
  readonly value: number;
  /** What `value` should be, in words and numbers, e.g. `2.302585 ± 0.575646` or `in [1e-5, 1e-1]`. */
  readonly expected: string;
  /** The verdict line after PASS/FAIL, e.g. `initial loss 2.302612 ≈ ln(10) = 2.302585`. */
  readonly message: string;
  /** Wall time of the check, in seconds. */
  readonly seconds: number;
}

/** A number for a verdict line: six decimals in the usual range, else three significant digits in e-notation. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a === 0) return '0';
  return a >= 1e-3 && a < 1e5 ? v.toFixed(6) : v.toExponential(2);
}

/** A ratio or error in e-notation with two significant digits: `1.2e-3`, `1e-5`. */
export function sci(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
}

/** A hyper-parameter as a person writes it: `0.05`, `1e6`, `1e-6`. */
export function rate(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential().replace('e+', 'e') : String(v);
}

/** Seconds elapsed since `startNs` (from process.hrtime.bigint()). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}
