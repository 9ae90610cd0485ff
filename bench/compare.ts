/**
 * gradpool against TensorFlow.js, in one run and one process tree (not a test):
 *
 *   npm run bench:compare [-- --repeats 3] [-- --quick] [-- --only two-layer|cnn]
 *
 * Contenders, each a child process of this one: gradpool in-process on cpu-pool (bench/gp-train.ts),
 * `gradpool train --workers 1` and `--workers 2` on loopback (real worker processes, cpu-pool, the cores
 * split between the workers), TF.js with its WebAssembly backend (SIMD build when Node loads it; the conv
 * filter gradient supplied, see tfjs/tf-net.ts) and TF.js's pure-JS cpu backend (bench/tfjs/tf-train.ts).
 * Same data (builtin MNIST, the job's seeded split), same mini-batches, same initial parameters, momentum
 * 0.9 at the same learning rate, the recipe's accuracy checks after update 0 and at the epoch end.
 *
 * samples/s = batch / mean step time, over the updates without an evaluation (update 0, epoch ends and the
 * last update excluded); the median of the repeats is printed, with the whole run's samples/s (start-up of the step
 * loop and evaluations included) beside it. Every contender must learn: the cost after the last update
 * below the cost after the first, and validation accuracy higher; otherwise the bench fails.
 */
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import { availableParallelism, cpus } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseJobSpec } from '../src/train/job-spec';
import { loadJobData } from '../src/train/run-job';

const CLI = resolve(__dirname, '../src/cli/main.js');

/** What one run of one contender gives. */
interface RunResult {
  /** Wall ms of every update, evaluations included where they ran. */
  readonly stepMs: number[];
  /** Samples/s of the whole run as the contender reports it. */
  readonly runSamplesPerSecond: number;
  /** Cost, train and validation accuracy after update 0 and at the end. */
  readonly epochs: { cost: number; trainAcc: number; valAcc: number }[];
  /** E.g. "wasm (SIMD)". */
  readonly note?: string;
}

interface Contender {
  readonly name: string;
  /** Runs the spec once. */
  run(specPath: string): Promise<RunResult>;
  /** Repeats for this contender (the slow pure-JS CNN runs once, shorter). */
  readonly repeats?: number;
  /** Note for the table, e.g. a shortened run. */
  readonly note?: string;
}

/** Runs `node args…`, returning stdout; rejects with stderr's tail on a non-zero exit. */
function node(args: string[], onLine?: (line: string) => void): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine?.(l);
    });
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('close', (code) =>
      code === 0 ? ok(out) : fail(new Error(`node ${args.join(' ')} exited ${code}\n${err}`)),
    );
  });
}

function doneOf(out: string): Record<string, unknown> {
  const done = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e.type === 'done');
  if (!done) throw new Error(`no done line in:\n${out.slice(-2000)}`);
  return done;
}

/** A child that prints {type:'done', stepMs, epochs, samplesPerSecond} (gp-train, tf-train). */
async function runChild(args: string[], note?: (d: Record<string, unknown>) => string): Promise<RunResult> {
  const done = doneOf(await node(args));
  return {
    stepMs: done.stepMs as number[],
    runSamplesPerSecond: done.samplesPerSecond as number,
    epochs: done.epochs as RunResult['epochs'],
    note: note?.(done),
  };
}

/**
 * `gradpool train SPEC --workers N --json --http-port 0`: step times from the dashboard's event stream
 * (one `step` event per update), the epochs and samples/s from the CLI's JSON lines.
 */
async function runCli(specPath: string, workers: number, threads: number): Promise<RunResult> {
  const stepAt: number[] = [];
  let dashboard = '';
  let sse: http.ClientRequest | null = null;
  const args = [CLI, 'train', specPath, '--json', '--backend', 'cpu-pool'];
  args.push('--workers', String(workers), '--threads', String(threads), '--http-port', '0');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = await new Promise<string>((ok, fail) => {
    let text = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
      const m = /dashboard on (http:\/\/\S+?)\/? /.exec(err);
      if (m) dashboard = m[1];
    });
    child.stdout.on('data', (d: Buffer) => {
      text += d;
      const m = /"type":"submitted","jobId":"([^"]+)"/.exec(text);
      if (m && !sse && dashboard) sse = watchSteps(`${dashboard}/api/jobs/${m[1]}/events`, stepAt);
    });
    child.on('close', (code) =>
      code === 0 ? ok(text) : fail(new Error(`gradpool ${args.join(' ')}: ${code}\n${err}`)),
    );
  });
  (sse as http.ClientRequest | null)?.destroy();
  const done = doneOf(out);
  const epochs = out
    .split('\n')
    .filter((l) => l.includes('"type":"epoch"'))
    .map((l) => JSON.parse(l) as { cost: number; trainAcc: number; valAcc: number });
  // stepAt[i] = arrival of update i's event; updates before the stream opened are missing (NaN).
  const stepMs = stepAt.map((t, i) => (i > 0 && stepAt[i - 1] !== undefined ? t - stepAt[i - 1] : NaN));
  return { stepMs, runSamplesPerSecond: done.samplesPerSecond as number, epochs };
}

/** Records the arrival time of every `step` event of a dashboard event stream into at[iteration]. */
function watchSteps(url: string, at: number[]): http.ClientRequest {
  const req = http.get(url, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      const now = performance.now();
      buf += d.toString();
      const frames = buf.split('\n\n');
      buf = frames.pop() ?? '';
      for (const f of frames) {
        if (!f.startsWith('event: step')) continue;
        const data = JSON.parse(f.slice(f.indexOf('data: ') + 6)) as { iteration: number };
        at[data.iteration] = now;
      }
    });
  });
  req.on('error', () => {});
  return req;
}

function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Mean ms of the updates that ran no evaluation (update 0, epoch ends and the last update excluded): a sum
 * over the run, so that event-stream arrivals grouped in one read do not skew it.
 */
function steadyStepMs(stepMs: readonly number[], itersPerEpoch: number): number {
  const steady = stepMs.filter(
    (ms, it) => Number.isFinite(ms) && it > 0 && (it + 1) % itersPerEpoch !== 0 && it !== stepMs.length - 1,
  );
  return steady.reduce((a, b) => a + b, 0) / steady.length;
}

/** Throws unless the run's cost fell and its validation accuracy rose. */
function checkLearns(name: string, r: RunResult): void {
  const first = r.epochs[0];
  const last = r.epochs[r.epochs.length - 1];
  if (!first || !last || r.epochs.length < 2 || !(last.cost < first.cost) || !(last.valAcc > first.valAcc)) {
    throw new Error(`${name} did not learn: ${JSON.stringify(r.epochs)}`);
  }
}

/** The two nets of the issue; the data are the builtin MNIST digits with the default seeded split. */
function models(quick: boolean): Record<string, object> {
  return {
    'two-layer': {
      model: { input: [784], layers: [{ affine: 50 }, 'relu', { affine: 10 }], loss: 'softmax', init: 'he' },
      train: { epochs: 1, batchSize: 100, learningRate: 0.05, update: 'momentum', seed: 7, shards: 4 },
      data: quick ? { subset: 3000 } : {},
    },
    cnn: {
      model: {
        input: [1, 28, 28],
        layers: [
          { conv: { filters: 8, size: 5, pad: 2 } },
          'relu',
          { pool: 2 },
          { conv: { filters: 16, size: 5, pad: 2 } },
          'relu',
          { pool: 2 },
          { affine: 10 },
        ],
        loss: 'softmax',
        init: 'he',
      },
      train: { epochs: 1, batchSize: 50, learningRate: 0.02, update: 'momentum', seed: 7, shards: 4 },
      data: { subset: quick ? 500 : 1500 },
    },
  };
}

function contenders(model: string, cores: number): Contender[] {
  const bench = __dirname;
  const tf = join(bench, 'tfjs', 'tf-train.js');
  const slowCnn = model === 'cnn';
  return [
    {
      name: 'TF.js wasm',
      run: (spec) => runChild([tf, spec, 'wasm'], (d) => (d.simd ? 'SIMD build' : 'no SIMD') + ', 1 thread'),
    },
    {
      name: 'TF.js cpu (pure JS)',
      // ~9 samples/s on the CNN: a short run (6 updates, accuracy on 100 samples), once.
      run: (spec) =>
        runChild(
          slowCnn ? [tf, spec, 'cpu', '--max-iterations', '6', '--eval-samples', '100'] : [tf, spec, 'cpu'],
        ),
      repeats: slowCnn ? 1 : undefined,
      note: slowCnn ? '6 updates, accuracy on 100 samples, 1 run' : undefined,
    },
    {
      name: 'gradpool in-process (cpu-pool)',
      run: (spec) =>
        runChild([join(bench, 'gp-train.js'), spec, '--backend', 'cpu-pool', '--threads', String(cores)]),
      note: `${cores} threads`,
    },
    {
      name: 'gradpool --workers 1',
      run: (spec) => runCli(spec, 1, cores),
      note: `${cores} threads`,
    },
    {
      name: 'gradpool --workers 2',
      run: (spec) => runCli(spec, 2, Math.max(1, Math.floor(cores / 2))),
      note: `${Math.max(1, Math.floor(cores / 2))} thread(s) each`,
    },
  ];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flag = (f: string) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : undefined);
  const quick = argv.includes('--quick');
  const repeats = Number(flag('--repeats') ?? (quick ? 1 : 3));
  const only = flag('--only');
  const cores = availableParallelism();
  const dir = mkdtempSync(join(tmpdir(), 'gradpool-compare-'));
  console.log(
    `# gradpool vs TensorFlow.js · node ${process.version} · ${cores} cores (${cpus()[0]?.model ?? '?'}) · ` +
      `${repeats} repeat(s)${quick ? ' · quick' : ''}`,
  );
  const failures: string[] = [];
  try {
    for (const [name, raw] of Object.entries(models(quick))) {
      if (only && only !== name) continue;
      const specPath = join(dir, `${name}.json`);
      writeFileSync(specPath, JSON.stringify(raw));
      const spec = parseJobSpec(raw);
      const n = loadJobData(spec.data, spec.train.seed).train.count;
      const itersPerEpoch = Math.max(1, Math.floor(n / spec.train.batchSize));
      console.log(
        `\n## ${name}: ${JSON.stringify(spec.model.layers.map((l) => l.type))} · batch ${spec.train.batchSize} · ${itersPerEpoch} updates on ${n} samples`,
      );
      // Round-robin over the contenders, so that each repeat of each sees the same machine load.
      const list = contenders(name, cores);
      const results = list.map(() => [] as RunResult[]);
      for (let r = 0; r < repeats; r++) {
        for (const [i, c] of list.entries()) {
          if (r >= (c.repeats ?? repeats)) continue;
          const res = await c.run(specPath);
          try {
            checkLearns(`${name}: ${c.name}`, res);
          } catch (e) {
            failures.push((e as Error).message);
          }
          results[i].push(res);
          process.stderr.write(`${name}: ${c.name} run ${r + 1}: ${sampleRate(res).toFixed(0)} samples/s\n`);
        }
      }
      function sampleRate(res: RunResult): number {
        const perEpoch = res.stepMs.length === itersPerEpoch ? itersPerEpoch : res.stepMs.length;
        return (1000 * spec.train.batchSize) / steadyStepMs(res.stepMs, perEpoch);
      }
      const rows = list.map((c, i) => ({
        c,
        sps: median(results[i].map(sampleRate)),
        run: median(results[i].map((res) => res.runSamplesPerSecond)),
        first: results[i][0],
      }));
      const base = rows.find((r) => r.c.name === 'TF.js wasm')?.sps ?? NaN;
      console.log(
        '| contender | samples/s (steps) | × TF.js wasm | samples/s (whole run) | cost first → last | val acc first → last | notes |',
      );
      console.log('| --- | --- | --- | --- | --- | --- | --- |');
      for (const r of rows) {
        const e = r.first.epochs;
        const notes = [r.first.note, r.c.note].filter(Boolean).join('; ');
        console.log(
          `| ${r.c.name} | ${r.sps.toFixed(0)} | ${(r.sps / base).toFixed(2)} | ${r.run.toFixed(0)} | ` +
            `${e[0].cost.toFixed(3)} → ${e[e.length - 1].cost.toFixed(3)} | ` +
            `${e[0].valAcc.toFixed(3)} → ${e[e.length - 1].valAcc.toFixed(3)} | ${notes} |`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    throw new Error(`contenders that did not learn:\n${failures.join('\n')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
