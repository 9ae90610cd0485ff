/**
 * Distributed throughput benchmark (not a test): the two-layer net and a small CNN trained in-process and
 * with `gradpool train --workers N` (N = 1, 2, 3) on loopback, all in this one run, same backend and spec.
 * Prints samples/s, step time, the ratio to the in-process figure, and the share of worker time spent
 * outside compute: 1 − (compute per step) / (N × step time), where compute per step is measured in this
 * process on the same backend over the same shards.
 *
 *   npm run bench:distributed [-- --backend gpujs-cpu] [-- --quick]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBackendName, selectBackend } from '../src/backend/select';
import { initParams } from '../src/model/init';
import { Sequential } from '../src/model/sequential';
import { parseJobSpec } from '../src/train/job-spec';
import { LocalExecutor } from '../src/train/local-executor';
import { loadJobData } from '../src/train/run-job';
import { sampleIndices, shardPlans } from '../src/train/trainer';

const CLI = resolve(__dirname, '../src/cli/main.js');

interface Done {
  status: string;
  seconds: number;
  samplesPerSecond: number;
  fingerprint: string;
  bestValAcc: number;
}

function runCli(args: string[]): Promise<{ done: Done; wallSeconds: number }> {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const lines = stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'));
      const events = lines.map((l) => JSON.parse(l));
      const done = events.find((e) => e.type === 'done');
      if (code !== 0 || !done)
        return fail(new Error(`gradpool ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`));
      ok({ done, wallSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

/** Mean milliseconds of compute for one step's shards, in this process on `backend`. */
async function computePerStepMs(
  spec: ReturnType<typeof parseJobSpec>,
  backendName: string,
  steps: number,
): Promise<number> {
  const backend = selectBackend(parseBackendName(backendName, '--backend'), () => {});
  try {
    const net = Sequential.fromSpec(spec.model);
    const splits = loadJobData(spec.data, spec.train.seed);
    const ex = new LocalExecutor(backend, net, splits, spec);
    const params = initParams(net, spec.train.seed, (n) => backend.alloc(n));
    const plan = (it: number) =>
      shardPlans(
        sampleIndices(spec.train.seed, it, splits.train.count, spec.train.batchSize),
        spec.train.shards,
      );
    await ex.shardSums(0, 0, params, plan(0)); // warm-up: kernel compilation
    const t0 = process.hrtime.bigint();
    for (let it = 1; it <= steps; it++) await ex.shardSums(it, it, params, plan(it));
    return Number(process.hrtime.bigint() - t0) / 1e6 / steps;
  } finally {
    await backend.close();
  }
}

const MODELS = {
  'two-layer 784-50-10 (batch 100)': {
    model: {
      input: [784],
      layers: [{ affine: 50 }, 'relu', { affine: 10 }],
      loss: 'softmax',
      init: { gaussian: 1e-4 },
    },
    train: { epochs: 1, batchSize: 100, learningRate: 0.05, update: 'momentum', seed: 7, shards: 6 },
    data: {},
  },
  'CNN conv5x5x8-relu-pool2-fc10 (batch 50)': {
    model: {
      input: [1, 28, 28],
      layers: [{ conv: { filters: 8, size: 5, pad: 2 } }, 'relu', { pool: 2 }, { affine: 10 }],
      loss: 'softmax',
      init: 'he',
    },
    train: { epochs: 1, batchSize: 50, learningRate: 0.02, update: 'momentum', seed: 7, shards: 6 },
    data: { subset: 2000 },
  },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backend = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1] : 'gpujs-cpu';
  const quick = argv.includes('--quick');
  const dir = mkdtempSync(join(tmpdir(), 'gradpool-bench-'));
  console.log(`# gradpool distributed benchmark · backend ${backend} · node ${process.version}`);
  try {
    for (const [title, raw] of Object.entries(MODELS)) {
      const spec = quick ? { ...raw, data: { ...raw.data, subset: 600 } } : raw;
      const path = join(dir, 'spec.json');
      writeFileSync(path, JSON.stringify(spec));
      const parsed = parseJobSpec(spec);
      const computeMs = await computePerStepMs(parsed, backend, 10);
      const trainCount = loadJobData(parsed.data, parsed.train.seed).train.count;
      console.log(
        `\n## ${title}  (compute per step in-process: ${computeMs.toFixed(1)} ms over ${parsed.train.shards} shards)`,
      );
      console.log('| run | samples/s | step ms | × in-process | outside compute | fingerprint |');
      console.log('| --- | --- | --- | --- | --- | --- |');
      let base = 0;
      let baseFp = '';
      for (const workers of [0, 1, 2, 3]) {
        const r = await runCli(['train', path, '--json', '--backend', backend, '--workers', String(workers)]);
        const iterations = parsed.train.epochs * Math.floor(trainCount / parsed.train.batchSize);
        const stepMs = (r.done.seconds * 1000) / iterations;
        if (workers === 0) {
          base = r.done.samplesPerSecond;
          baseFp = r.done.fingerprint;
        }
        const outside = workers === 0 ? 1 - computeMs / stepMs : 1 - computeMs / (workers * stepMs);
        console.log(
          `| ${workers === 0 ? 'in-process' : `--workers ${workers}`} | ${r.done.samplesPerSecond.toFixed(0)} | ${stepMs.toFixed(1)} | ` +
            `${(r.done.samplesPerSecond / base).toFixed(2)} | ${(100 * outside).toFixed(0)} % | ` +
            `${r.done.fingerprint.slice(0, 12)}${r.done.fingerprint === baseFp ? ' (= in-process)' : ' (DIFFERS)'} |`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
