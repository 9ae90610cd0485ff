/**
 * `gradpool search <spec>`: submits a search job (a spec with a `search:` block), follows its trials as they
 * end, then prints the table of trials by validation accuracy in the recipe's form and writes the best
 * trial's spec as YAML, ready to train for longer.
 */
import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { CoordinatorClient, JobEventInfo, TrialInfo } from '../coordinator/client';
import { GradpoolError } from '../shared/errors';
import { pythonFixed } from '../train/format';
import { parseJobSpec } from '../train/job-spec';
import type { Io } from './jobs';
import { readSpecFile } from './load-spec';
import { exitCodeOf, sortTrials, trialJson, trialLine } from './render';

/** Options of `gradpool search`. */
export interface SearchCommandOptions {
  /** Where to write the best trial's spec (default `best-<jobid>.yaml` in the working directory). */
  readonly out?: string;
  /** Idempotency key of the submission (default a random UUID). */
  readonly requestId?: string;
}

type DoneInfo = NonNullable<JobEventInfo['done']>;

/** Validates a search spec file (it must have a `search:` block); returns the decoded spec. */
export function readSearchSpec(specPath: string): unknown {
  const raw = readSpecFile(specPath);
  if (!parseJobSpec(raw).search) {
    throw new GradpoolError(
      'E_BAD_SPEC',
      `search: is missing in ${specPath}; add e.g. search: { trials: 20, learningRate: [1e-6, 1e-1] } (see docs/job-spec.md, "Search")`,
      'search',
    );
  }
  return raw;
}

/** Runs the search on the coordinator behind `client`; returns the exit code (0 finished, 3 all diverged). */
export async function searchCommand(
  client: CoordinatorClient,
  specPath: string,
  opts: SearchCommandOptions,
  io: Io,
): Promise<number> {
  const raw = readSearchSpec(specPath);
  const { job, duplicate } = await client.submit(raw, opts.requestId ?? randomUUID());
  if (io.json) io.out(JSON.stringify({ type: 'submitted', jobId: job.id, duplicate }));
  else io.err(`submitted search ${job.id}: ${job.epochs} trials`);
  const trials: TrialInfo[] = [];
  let done: DoneInfo | null = null;
  await client.watch(job.id, (e) => {
    if (e.trial) {
      trials.push(e.trial);
      if (io.json) io.out(JSON.stringify({ type: 'trial', jobId: job.id, ...trialJson(e.trial) }));
      else io.err(`trial ended (${trials.length} / ${job.epochs}): ${trialLine(e.trial)}`);
    } else if (e.hint) {
      if (io.json) io.out(JSON.stringify({ type: 'hint', jobId: job.id, message: e.hint }));
      else io.err(`hint: ${e.hint}`);
    } else if (e.done) {
      done = e.done;
    }
  });
  const end = done as DoneInfo | null;
  if (!end)
    throw new GradpoolError('E_UNAVAILABLE', `the stream of search ${job.id} ended without its result`);
  const sorted = sortTrials(trials);
  const file = end.bestSpecJson ? (opts.out ?? `best-${job.id}.yaml`) : undefined;
  if (file) writeBestSpec(file, end, job.id);
  const best = trials.find((t) => t.trialJobId === end.bestTrialJobId);
  const status = String(end.state).toLowerCase();
  if (io.json) {
    io.out(
      JSON.stringify({
        type: 'search',
        jobId: job.id,
        status,
        message: end.message,
        seconds: end.seconds,
        best: best ? { ...trialJson(best), spec: JSON.parse(end.bestSpecJson) as unknown } : null,
        bestSpecFile: file ?? null,
        trials: sorted.map(trialJson),
      }),
    );
  } else {
    for (const t of sorted) io.out(trialLine(t));
    if (best)
      io.out(`best validation accuracy achieved during cross-validation: ${pythonFixed(best.valAcc)}`);
    io.err(
      `search ${job.id} ${status}${end.message ? `: ${end.message}` : ''} · ${end.seconds.toFixed(1)} s`,
    );
    if (file) io.err(`best spec written to ${file} (train it for longer: gradpool train ${file})`);
  }
  return exitCodeOf(String(end.state));
}

/** Writes the best spec as YAML with a comment naming its origin (temporary file, then rename). */
function writeBestSpec(file: string, done: DoneInfo, searchId: string): void {
  const header =
    `# Best trial ${done.bestTrialJobId} of gradpool search ${searchId} ` +
    `(val_acc ${pythonFixed(done.bestValAcc)}); the search block is removed, train.epochs is your own.\n`;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, header + stringify(JSON.parse(done.bestSpecJson)));
  renameSync(tmp, file);
}
