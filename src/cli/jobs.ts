/** Client commands: submit, watch, jobs, cancel, export. They speak to a coordinator through its client only. */
import { GradpoolError } from '../shared/errors';
import { randomUUID } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { CoordinatorClient, type JobInfo } from '../coordinator/client';
import { exportDocument } from '../train/exported-model';
import { parseJobSpec } from '../train/job-spec';
import { readSpecFile } from './load-spec';
import { reportPictures, writeJobPictures } from './pictures';
import { retryUnavailable, watchWithReconnect } from './reconnect';
import { EventPrinter, exitCodeOf, jobsTable, progressBar } from './render';

/** Where output goes, and whether it is JSON. */
export interface Io {
  readonly json: boolean;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Draw a progress bar on stderr (a terminal, not --json). */
  readonly progress: boolean;
}

/** Watches a job to its end, printing events; returns the exit code for its final state. */
export async function watchJob(client: CoordinatorClient, jobId: string, io: Io): Promise<number> {
  const printer = new EventPrinter(io.json, io.out, io.err);
  let bar = '';
  const clearBar = () => {
    if (bar) process.stderr.write('\r' + ' '.repeat(bar.length) + '\r');
    bar = '';
  };
  const timer = io.progress
    ? setInterval(() => {
        client.getJob(jobId).then(
          (j) => {
            bar =
              progressBar(j.iteration, j.totalIterations) +
              (j.waitingForWorkers ? '  (waiting for workers)' : '');
            process.stderr.write('\r' + bar);
          },
          () => {},
        );
      }, 500)
    : null;
  try {
    const onRetry = (e: Error, ms: number) =>
      io.err(`coordinator unreachable (${e.message}); retrying in ${ms} ms`);
    await watchWithReconnect(
      client,
      jobId,
      (e) => {
        clearBar();
        printer.print(e);
      },
      onRetry,
    );
  } finally {
    if (timer) clearInterval(timer);
    clearBar();
  }
  return printer.finalState ? exitCodeOf(printer.finalState) : 1;
}

/** `gradpool submit <spec> [--watch]`. */
export async function submitCommand(
  client: CoordinatorClient,
  specPath: string,
  opts: { watch: boolean; requestId?: string; onSubmitted?: (jobId: string) => void },
  io: Io,
): Promise<number> {
  const raw = readSpecFile(specPath);
  parseJobSpec(raw); // the same validation the coordinator applies, before anything is sent
  const requestId = opts.requestId ?? randomUUID(); // the same on every retry: never a second job
  const { job, duplicate } = await retryUnavailable(
    () => client.submit(raw, requestId),
    (e, ms) => io.err(`coordinator unreachable (${e.message}); retrying in ${ms} ms`),
  );
  opts.onSubmitted?.(job.id);
  if (io.json) io.out(JSON.stringify({ type: 'submitted', jobId: job.id, duplicate }));
  else io.err(`submitted job ${job.id}${duplicate ? ' (already submitted with this request id)' : ''}`);
  return opts.watch ? watchJob(client, job.id, io) : 0;
}

/** `gradpool jobs`. */
export async function jobsCommand(client: CoordinatorClient, io: Io): Promise<number> {
  const jobs = await client.listJobs();
  if (io.json) for (const j of jobs) io.out(JSON.stringify({ type: 'job', ...j }));
  else for (const line of [...jobsTable(jobs), ...backendLines(jobs)]) io.out(line);
  return 0;
}

/**
 * Under the table, how each worker's backend was chosen where it says (auto's measurements, a fallback's
 * reason): `j-000001 local-1: cpu-pool (auto: cpu-pool 3.1 ms, gpujs-cpu 7.9 ms for a 25-row shard)`.
 */
export function backendLines(jobs: readonly JobInfo[]): string[] {
  const lines: string[] = [];
  for (const j of jobs) {
    for (const w of j.workerBackends ?? []) {
      if (w.detail) lines.push(`${j.id} ${w.workerId}: ${w.backend} (${w.detail})`);
    }
  }
  return lines.length > 0 ? ['', 'BACKENDS', ...lines] : [];
}

/** `gradpool cancel <id>`. */
export async function cancelCommand(client: CoordinatorClient, jobId: string, io: Io): Promise<number> {
  const job = await client.cancelJob(jobId);
  if (io.json) io.out(JSON.stringify({ type: 'job', ...job }));
  else io.out(`job ${job.id}: ${job.state}`);
  return 0;
}

/**
 * `gradpool export <id> -o FILE`: writes the job's best parameters as JSON
 * `{format, jobId, spec, fingerprint, params: [{name, shape, data}], preprocess}`, data = base64 of float32
 * little-endian values, preprocess = the statistics fitted on the job's training split or null (see
 * src/train/exported-model.ts, which loads it); written to a temporary file and renamed into place.
 */
export async function exportCommand(
  client: CoordinatorClient,
  jobId: string,
  file: string,
  io: Io,
): Promise<number> {
  const [job, { params, preprocess }] = await Promise.all([
    client.getJob(jobId),
    client.exportModelWithPreprocess(jobId),
  ]);
  const doc = exportDocument(jobId, JSON.parse(job.specJson), job.fingerprint, params, preprocess);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(doc));
  renameSync(tmp, file);
  const count = params.reduce((a, p) => a + p.data.length, 0);
  if (io.json)
    io.out(JSON.stringify({ type: 'exported', jobId, file, params: params.length, values: count }));
  else io.out(`exported ${params.length} parameters (${count} values) of job ${jobId} to ${file}`);
  // The curves and first-layer weights beside the model: model.json → model.loss.png, …
  const prefix = `${basename(file).replace(/\.json$/i, '')}.`;
  reportPictures(await writeJobPictures(client, jobId, dirname(file), prefix), io);
  return 0;
}

/**
 * `gradpool eval <id> --split test|val|train`: the job's best parameters evaluated on a split by the
 * workers. Every look at the test split is counted by the coordinator; from the second on it warns.
 */
export async function evalCommand(
  client: CoordinatorClient,
  jobId: string,
  split: string,
  io: Io,
): Promise<number> {
  if (split !== 'train' && split !== 'val' && split !== 'test') {
    throw new GradpoolError('E_BAD_ARGS', `--split must be train, val or test, got "${split}"`);
  }
  const r = await client.evaluate(jobId, split);
  if (io.json) {
    io.out(JSON.stringify({ type: 'eval', jobId, ...r }));
    return 0;
  }
  const line = `${r.split} accuracy ${r.accuracy.toFixed(6)} (${r.count} samples)`;
  if (r.split === 'test' && r.testLooks >= 2) {
    io.out(
      `${line} — the test split of ${jobId} has now been looked at ${r.testLooks} times; every look makes it less of an unbiased estimate`,
    );
  } else io.out(line);
  return 0;
}
