/**
 * Accuracy run (not a test, not in CI): trains a job spec through the distributed stack (an embedded
 * coordinator on loopback and N worker processes, as `gradpool train <spec> --workers N` runs it), then
 * evaluates the best parameters on the test split through the workers (the Evaluate rpc, as `gradpool eval
 * <job> --split test`). Prints every epoch line with the wall time so far (the accuracy curve), the wall
 * time, the training throughput and the test accuracy against the spec's target, and writes loss.png,
 * accuracy.png, weights.png and result.json into --out.
 *
 *   npm run bench:accuracy -- examples/fashion-mlp.yaml [--workers 2] [--out bench-out/fashion-mlp]
 *                             [--epochs N] [--subset N] [--target 0.89] [--backend auto] [--threads N]
 *                             [--lease-ms 300000]
 *
 * --epochs and --subset override the spec's train.epochs and data.subset, for a short trial.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { onLocalPool } from '../src/cli/local-pool';
import { readSpecFile } from '../src/cli/load-spec';
import { writeJobPictures } from '../src/cli/pictures';
import { createLogger } from '../src/shared/log';
import { pythonExp, pythonFixed } from '../src/train/format';
import { parseJobSpec } from '../src/train/job-spec';

/** The end of the watched job. */
interface Done {
  readonly state: string;
  readonly bestValAcc: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  readonly message: string;
}

/** Targets of issue 4, by spec name. */
const TARGETS: Record<string, number> = { 'fashion-mlp': 0.89, 'fashion-cnn': 0.92 };

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

function positiveInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workers = positiveInt(flag(args, '--workers'), '--workers') ?? 2;
  const epochs = positiveInt(flag(args, '--epochs'), '--epochs');
  const subset = positiveInt(flag(args, '--subset'), '--subset');
  const backend = flag(args, '--backend') ?? 'auto';
  // A slow shard (a CNN's on a loaded CPU) must not be re-issued over and over: a long lease.
  const leaseMs = positiveInt(flag(args, '--lease-ms'), '--lease-ms') ?? 300_000;
  const threads =
    positiveInt(flag(args, '--threads'), '--threads') ??
    Math.max(1, Math.floor(availableParallelism() / workers));
  const specPath = args[0] ?? 'examples/fashion-mlp.yaml';
  const raw = readSpecFile(specPath) as Record<string, any>;
  if (epochs !== undefined) raw.train = { ...raw.train, epochs };
  if (subset !== undefined) raw.data = { ...raw.data, subset };
  const spec = parseJobSpec(raw);
  const targetFlag = flag(args, '--target');
  const target = targetFlag !== undefined ? Number(targetFlag) : TARGETS[spec.name];
  const out = flag(args, '--out') ?? join('bench-out', basename(specPath).replace(/\.(ya?ml|json)$/i, ''));
  mkdirSync(out, { recursive: true });

  const log = createLogger('bench', undefined, 'warn');
  const io = {
    json: false,
    out: (l: string) => console.log(l),
    err: (l: string) => console.error(l),
    progress: false,
  };
  console.log(
    `accuracy run: ${specPath} (${spec.name}) · ${spec.train.epochs} epochs · ${workers} workers × ${threads} threads · backend ${backend}`,
  );
  const started = Date.now();
  const result = await onLocalPool({ workers, backend, threads, leaseMs }, io, log, async (client) => {
    const { job } = await client.submit(raw, randomUUID());
    console.log(`job ${job.id}: ${job.totalIterations} updates of ${spec.train.batchSize} samples`);
    const curve: {
      epoch: number;
      seconds: number;
      cost: number;
      trainAcc: number;
      valAcc: number;
      lr: number;
    }[] = [];
    let done = null as Done | null;
    await client.watch(job.id, (e) => {
      const seconds = (Date.now() - started) / 1000;
      if (e.epoch) {
        const ep = e.epoch;
        curve.push({
          epoch: ep.epoch,
          seconds,
          cost: ep.cost,
          trainAcc: ep.trainAcc,
          valAcc: ep.valAcc,
          lr: ep.lr,
        });
        console.log(
          `[${seconds.toFixed(0).padStart(5)} s] Finished epoch ${ep.epoch} / ${ep.epochs}: cost ${pythonFixed(ep.cost)}, ` +
            `train: ${pythonFixed(ep.trainAcc)}, val ${pythonFixed(ep.valAcc)}, lr ${pythonExp(ep.lr)}`,
        );
      } else if (e.hint) console.log(`hint: ${e.hint}`);
      else if (e.done) done = { ...e.done, state: String(e.done.state) };
    });
    const end = done as Done | null;
    if (!end) throw new Error(`the stream of job ${job.id} ended without its result`);
    console.log(
      `job ${job.id} ${end.state.toLowerCase()}${end.message ? `: ${end.message}` : ''} · best val ${pythonFixed(end.bestValAcc)} · ` +
        `training ${end.seconds.toFixed(1)} s · ${end.samplesPerSecond.toFixed(0)} samples/s`,
    );
    const pictures = await writeJobPictures(client, job.id, out);
    const test = end.state === 'FINISHED' ? await client.evaluate(job.id, 'test') : null;
    return { jobId: job.id, end, curve, test, pictures };
  });
  const wallSeconds = (Date.now() - started) / 1000;
  const { test, end } = result;
  const summary = {
    spec: specPath,
    name: spec.name,
    workers,
    threads,
    backend,
    epochs: spec.train.epochs,
    jobId: result.jobId,
    state: end.state,
    bestValAcc: end.bestValAcc,
    trainingSeconds: end.seconds,
    samplesPerSecond: end.samplesPerSecond,
    wallSeconds,
    testAccuracy: test?.accuracy ?? null,
    testCount: test?.count ?? 0,
    target: target ?? null,
    curve: result.curve,
  };
  writeFileSync(join(out, 'result.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(`pictures: ${result.pictures.loss} ${result.pictures.accuracy} ${result.pictures.weights}`);
  console.log(`wall time ${wallSeconds.toFixed(1)} s (data loading, training, test evaluation)`);
  if (!test) {
    console.log(`no test accuracy: the job ended ${end.state}`);
    process.exitCode = 1;
    return;
  }
  const verdict =
    target === undefined
      ? ''
      : test.accuracy >= target
        ? ` ≥ target ${target}: PASS`
        : ` < target ${target}: FAIL`;
  console.log(`test accuracy ${pythonFixed(test.accuracy)} (${test.count} samples)${verdict}`);
  if (target !== undefined && test.accuracy < target) process.exitCode = 2;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
