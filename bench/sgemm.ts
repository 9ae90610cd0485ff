/**
 * SGEMM benchmark (not a test): GFLOP/s of the WebAssembly SIMD GEMM (src/backend/wasm) at 256³, 1024³ and
 * the GEMM shapes of the two nets of issue 6, on 1 thread and on 2 worker threads (rows of C split in
 * halves), against gpu.js CPU-mode MatMul (the previous cpu-pool kernel) measured in the same run.
 *
 *   npm run bench:sgemm [-- --quick]
 *
 * Wall figures are the median of several repeats of elapsed time. "on-CPU" figures divide the work by
 * the computing threads' own time on a CPU (Linux /proc/thread-self/schedstat, summed over all repeats:
 * the kernel updates it at scheduler ticks), which stays meaningful when other processes share the cores
 * (it still includes their cache and memory-bandwidth pressure); the load average is printed before and
 * after. The gpu.js baseline runs 3 repeats of ~100 MFLOP (1 at 1024³, about 10 s).
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { GpuJsRunner } from '../src/backend/gpujs';
import { WasmSgemm } from '../src/backend/wasm/sgemm';

/** One GEMM shape: C[M,N] = op(A)·op(B). */
interface Shape {
  readonly label: string;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly ta: boolean;
  readonly tb: boolean;
}

const SHAPES: readonly Shape[] = [
  { label: '256³', M: 256, N: 256, K: 256, ta: false, tb: false },
  { label: '1024³', M: 1024, N: 1024, K: 1024, ta: false, tb: false },
  { label: 'MLP fc1 forward x·W (batch 100)', M: 100, N: 50, K: 784, ta: false, tb: false },
  { label: 'MLP fc1 dW = xᵀ·dy', M: 784, N: 50, K: 100, ta: true, tb: false },
  { label: 'MLP fc1 dx = dy·Wᵀ', M: 100, N: 784, K: 50, ta: false, tb: true },
  { label: 'CNN conv1 forward W·cols (per sample)', M: 8, N: 784, K: 25, ta: false, tb: false },
  { label: 'CNN conv1 dW += dy·colsᵀ', M: 8, N: 25, K: 784, ta: false, tb: true },
  { label: 'CNN conv2 forward W·cols', M: 16, N: 196, K: 200, ta: false, tb: false },
  { label: 'CNN conv2 dW += dy·colsᵀ', M: 16, N: 200, K: 196, ta: false, tb: true },
  { label: 'CNN conv2 dcols = Wᵀ·dy', M: 200, N: 196, K: 16, ta: true, tb: false },
];

/** Message to a bench thread: set up a shape's rows [m0, m1), or run it `reps` times. */
type Job = { kind: 'setup'; shape: Shape; m0: number; m1: number } | { kind: 'run'; reps: number };

/** A GEMM of rows [m0, m1) of C, its operands placed once in a WasmSgemm's memory. */
class Prepared {
  private readonly args: number[];

  constructor(
    private readonly sgemm: WasmSgemm,
    s: Shape,
    m0: number,
    m1: number,
  ) {
    const [pa, pb, pc] = sgemm.reserve([s.M * s.K, s.K * s.N, s.M * s.N]);
    const heap = sgemm.memory;
    for (let i = 0; i < s.M * s.K; i++) heap[(pa >> 2) + i] = Math.sin(i) * 0.5;
    for (let i = 0; i < s.K * s.N; i++) heap[(pb >> 2) + i] = Math.cos(i) * 0.5;
    const [sai, sak] = s.ta ? [1, s.M] : [s.K, 1];
    const [sbk, sbj] = s.tb ? [1, s.K] : [s.N, 1];
    this.args = [m1 - m0, s.N, s.K, pa + 4 * m0 * sai, sai, sak, pb, sbk, sbj, pc + 4 * m0 * s.N, s.N];
  }

  run(reps: number): void {
    const [M, N, K, pa, sai, sak, pb, sbk, sbj, pc, ldc] = this.args;
    for (let r = 0; r < reps; r++) this.sgemm.gemm(M, N, K, pa, sai, sak, pb, sbk, sbj, pc, ldc, false);
  }
}

/** Seconds the calling thread has spent on a CPU (Linux schedstat, nanoseconds), or NaN elsewhere. */
function threadCpuSeconds(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const flops = (s: Shape): number => 2 * s.M * s.N * s.K;

/** Repeats so that one timed repeat does about `targetFlop` of work. */
const repsFor = (s: Shape, targetFlop: number): number => Math.max(1, Math.round(targetFlop / flops(s)));

function seconds(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** 1 thread: median wall GFLOP/s over `repeats`, and GFLOP per CPU-second over all of them. */
function oneThread(sgemm: WasmSgemm, s: Shape, repeats: number, target: number) {
  const p = new Prepared(sgemm, s, 0, s.M);
  const reps = repsFor(s, target);
  p.run(reps); // warm-up: lets V8 tier the module up from Liftoff to TurboFan
  const rates: number[] = [];
  const cpu0 = threadCpuSeconds();
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    p.run(reps);
    rates.push((flops(s) * reps) / seconds(t0) / 1e9);
  }
  const cpu = threadCpuSeconds() - cpu0;
  return { wall: median(rates), onCpu: (flops(s) * reps * repeats) / cpu / 1e9 };
}

/** A bench thread answering Jobs. */
function threadMain(): void {
  const sgemm = new WasmSgemm();
  let prepared: Prepared | null = null;
  parentPort?.on('message', (job: Job) => {
    if (job.kind === 'setup') prepared = new Prepared(sgemm, job.shape, job.m0, job.m1);
    else prepared?.run(job.reps);
    parentPort?.postMessage(threadCpuSeconds());
  });
}

/**
 * 2 threads: rows of C split in halves (at a multiple of 4). Median wall GFLOP/s, and the on-CPU figure
 * Σ_threads (flop of its half / its CPU seconds) over all repeats: what two free cores would give.
 */
async function twoThreads(workers: Worker[], s: Shape, repeats: number, target: number) {
  const half = Math.min(s.M, Math.ceil(s.M / 2 / 4) * 4);
  const ask = (w: Worker, job: Job) =>
    new Promise<number>((ok) => {
      w.once('message', (cpuSecondsSoFar: number) => ok(cpuSecondsSoFar));
      w.postMessage(job);
    });
  await Promise.all([
    ask(workers[0], { kind: 'setup', shape: s, m0: 0, m1: half }),
    ask(workers[1], { kind: 'setup', shape: s, m0: half, m1: s.M }),
  ]);
  const reps = repsFor(s, target);
  // Warm-up; the kernel's CPU time is read at tick granularity, so it is taken over all repeats at once.
  const cpu0 = await Promise.all(workers.map((w) => ask(w, { kind: 'run', reps })));
  const rates: number[] = [];
  let cpu1 = cpu0;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    cpu1 = await Promise.all(workers.map((w) => ask(w, { kind: 'run', reps })));
    rates.push((flops(s) * reps) / seconds(t0) / 1e9);
  }
  const cpu = cpu1.map((c, i) => c - cpu0[i]);
  const rows = [half, s.M - half];
  const onCpu = rows.reduce((sum, m, i) => sum + (2 * m * s.N * s.K * reps * repeats) / cpu[i] / 1e9, 0);
  return { wall: median(rates), onCpu };
}

/** gpu.js CPU-mode MatMul (the body of kernels/defs/matmul.ts), median wall GFLOP/s. */
function gpujsBaseline(runner: GpuJsRunner, s: Shape, repeats: number, target: number): number {
  const a = {
    shape: s.ta ? [s.K, s.M] : [s.M, s.K],
    data: new Float32Array(s.M * s.K).map((_, i) => Math.sin(i)),
  };
  const b = {
    shape: s.tb ? [s.N, s.K] : [s.K, s.N],
    data: new Float32Array(s.K * s.N).map((_, i) => Math.cos(i)),
  };
  const attrs = { transposeA: s.ta, transposeB: s.tb };
  const reps = repsFor(s, target);
  runner.run('MatMul', [a, b], attrs);
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) runner.run('MatMul', [a, b], attrs);
    rates.push((flops(s) * reps) / seconds(t0) / 1e9);
  }
  return median(rates);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const repeats = quick ? 3 : 7;
  const target = quick ? 2e8 : 1e9;
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`# SGEMM, WebAssembly SIMD (f32x4, 4×8 micro-kernel) vs gpu.js CPU mode`);
  console.log(`${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, Node ${process.version}`);
  console.log(`load average before: ${load()}; median of ${repeats} repeats, ~${target / 1e6} MFLOP each\n`);
  console.log(
    '| shape | M×N×K | gpu.js cpu | wasm 1 thr | on-CPU | × gpu.js | 2 thr | × 1 thr | 2 thr on-CPU | × 1 thr on-CPU |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const sgemm = new WasmSgemm();
  const gpujs = new GpuJsRunner('cpu');
  const workers = [new Worker(__filename), new Worker(__filename)];
  try {
    for (const s of SHAPES) {
      const base = gpujsBaseline(gpujs, s, s.M * s.N * s.K > 1e8 ? 1 : 3, 1e8);
      const one = oneThread(sgemm, s, repeats, target);
      const two = await twoThreads(workers, s, repeats, target);
      const t = [s.ta ? 'Aᵀ' : '', s.tb ? 'Bᵀ' : ''].filter(Boolean).join(' ');
      console.log(
        `| ${s.label} | ${s.M}×${s.N}×${s.K}${t ? ` (${t})` : ''} | ${base.toFixed(2)} | ` +
          `${one.wall.toFixed(1)} | ${one.onCpu.toFixed(1)} | ${(one.wall / base).toFixed(1)}× | ` +
          `${two.wall.toFixed(1)} | ${(two.wall / one.wall).toFixed(2)}× | ` +
          `${two.onCpu.toFixed(1)} | ${(two.onCpu / one.onCpu).toFixed(2)}× |`,
      );
    }
  } finally {
    gpujs.close();
    await Promise.all(workers.map((w) => w.terminate()));
  }
  console.log(`\nGFLOP/s (2·M·N·K per call). load average after: ${load()}`);
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  threadMain();
}
