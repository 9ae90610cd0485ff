/**
 * `gradpool check <spec>`: the recipe's sanity checks on a job spec, one verdict line per check
 * (`PASS …` / `FAIL …`), or one JSON object per line with --json. Exit code 0 if every check passed,
 * 4 if any failed (2 for a bad spec or flags, from main.ts).
 */
import type { KernelRunner } from '../../kernels/runner';
import type { Backend } from '../backend/backend';
import type { CheckResult } from '../check/check-result';
import { runChecks, type CheckOptions } from '../check/run-checks';
import { centerCropDataset, loadJobData } from '../train/run-job';
import { loadSpecFile } from './load-spec';

/** Exit code when at least one check failed. */
export const EXIT_CHECK_FAILED = 4;

/** Options of `gradpool check`. */
export interface CheckCommandOptions {
  /** Print one JSON object per line instead of verdict lines. */
  readonly json: boolean;
  /** Per-check options (e.g. overfit.samples from --overfit-samples). */
  readonly checks: CheckOptions;
}

/** A result as a verdict line: `PASS initial loss 2.302612 ≈ ln(10) = 2.302585 …`. */
export function verdictLine(r: CheckResult): string {
  return `${r.pass ? 'PASS' : 'FAIL'} ${r.message}`;
}

/** A result as a JSON event (non-finite values become null). */
export function checkEvent(r: CheckResult): object {
  return {
    type: 'check',
    name: r.name,
    pass: r.pass,
    value: Number.isFinite(r.value) ? r.value : null,
    expected: r.expected,
    message: r.message,
    seconds: r.seconds,
  };
}

/** Runs the command; returns the exit code (0 all passed, 4 some failed). */
export async function checkCommand(
  specPath: string,
  opts: CheckCommandOptions,
  startBackend: () => Backend,
  startFloat64: () => KernelRunner,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const spec = loadSpecFile(specPath);
  const train = centerCropDataset(spec.data.augment, loadJobData(spec.data, spec.train.seed).train);
  const backend = startBackend();
  const float64 = startFloat64();
  try {
    const started = process.hrtime.bigint();
    const onResult = (r: CheckResult): void =>
      out(opts.json ? JSON.stringify(checkEvent(r)) : verdictLine(r));
    const results = await runChecks(spec, train, { backend, float64 }, opts.checks, onResult);
    const failed = results.filter((r) => !r.pass).map((r) => r.name);
    const pass = failed.length === 0;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (opts.json) {
      out(JSON.stringify({ type: 'verdict', pass, failed, seconds, backend: backend.name }));
    } else {
      out(
        pass
          ? `all ${results.length} checks passed`
          : `${failed.length} of ${results.length} checks failed: ${failed.join(', ')}`,
      );
      err(`${seconds.toFixed(1)} s · backend ${backend.name} (gradient check on ${float64.name}, float64)`);
    }
    return pass ? 0 : EXIT_CHECK_FAILED;
  } finally {
    float64.close();
    await backend.close();
  }
}
