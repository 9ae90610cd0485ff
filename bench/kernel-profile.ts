/**
 * Per-kernel profile of one gradientSums call on WasmRunner, on the calling thread (not a test): the
 * µs a call takes and, per kernel, the µs of all its calls within one gradientSums. Median of several
 * blocks of calls. Used for the typed-array loops of fast-loops.ts (docs/wasm-kernels.md).
 *
 *   npm run build && node dist/bench/kernel-profile.js [--model mlp|svm|cnn] [--rows 25] [--calls 2000]
 *   node dist/bench/kernel-profile.js --loops     µs per WasmRunner.run of the fast-loops.ts kernels
 *
 * mlp: 784-50-10 softmax; svm: 784-50-dropout(0.5)-10 with the SVM loss; cnn: conv5×5×8-relu-pool2-fc10.
 */
import type { AttrsByKernel, KernelName } from '../kernels/names';
import type { KernelRunner } from '../kernels/runner';
import type { Tensor } from '../kernels/spec';
import { WasmRunner } from '../src/backend/wasm/wasm-runner';
import { Sequential } from '../src/model/sequential';
import { parseModelSpec } from '../src/model/spec';
import { Rng } from '../src/shared/rng';

const MODELS: Record<string, unknown> = {
  mlp: { input: [784], layers: [{ affine: 50 }, 'relu', { affine: 10 }], loss: 'softmax' },
  svm: { input: [784], layers: [{ affine: 50 }, 'relu', { dropout: 0.5 }, { affine: 10 }], loss: 'svm' },
  cnn: {
    input: [1, 28, 28],
    layers: [{ conv: { filters: 8, size: 5, stride: 1, pad: 2 } }, 'relu', { pool: 2 }, { affine: 10 }],
    loss: 'softmax',
  },
};

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function positive(name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isInteger(v) || v < 1)
    throw new Error(`--${name} must be a positive integer, got ${flag(name, '')}`);
  return v;
}

/** Median µs of one f() over 5 blocks of about 50 ms each (at most 3000 calls), after a warm-up. */
function microseconds(f: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) f();
  const estimate = Number(process.hrtime.bigint() - t0) / 200;
  for (let i = 0; i < 1000 && i * estimate < 2e8; i++) f();
  const calls = Math.max(20, Math.min(3000, Math.round(5e7 / estimate)));
  const blocks: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) f();
    blocks.push(Number(process.hrtime.bigint() - t) / calls / 1000);
  }
  return blocks.sort((p, q) => p - q)[2];
}

/** The kernels of fast-loops.ts, one WasmRunner.run at a time, on scores-like shapes. */
function profileLoops(): void {
  const runner = new WasmRunner();
  const rng = new Rng(9);
  const tensor = (shape: number[], draw: () => number): Tensor => ({
    shape,
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, draw),
  });
  const shapes: number[][] = [
    [25, 10],
    [25, 50],
    [100, 10],
    [100, 50],
    [25, 8, 28, 28],
  ];
  // Two passes; the first (not printed) warms up every kernel and path.
  for (const pass of [0, 1]) {
    for (const shape of shapes) {
      const [n, c] = shape;
      const s = tensor(shape, () => rng.uniform() * 4 - 2);
      const mask = tensor(shape, () => (rng.uniform() > 0.5 ? 1 : 0));
      const labels = tensor([n], () => rng.int(c));
      const runs: [string, () => unknown][] = [
        ['BiasGrad', () => runner.run('BiasGrad', [s], {})],
        ['Mul', () => runner.run('Mul', [s, mask], {})],
        ['Scale', () => runner.run('Scale', [s], { factor: 0.5 })],
      ];
      if (shape.length === 2) {
        runs.push(
          ['SoftmaxCrossEntropy', () => runner.run('SoftmaxCrossEntropy', [s, labels], {})],
          ['SoftmaxCrossEntropyGrad', () => runner.run('SoftmaxCrossEntropyGrad', [s, labels], {})],
          ['HingeLoss', () => runner.run('HingeLoss', [s, labels], { delta: 1 })],
          ['HingeLossGrad', () => runner.run('HingeLossGrad', [s, labels], { delta: 1 })],
          ['ReduceSum', () => runner.run('ReduceSum', [s], {})],
          ['ArgMax', () => runner.run('ArgMax', [s], {})],
        );
      }
      for (const [name, f] of runs) {
        const us = microseconds(f);
        if (pass === 1) console.log(`${name} [${shape}]: ${us.toFixed(2)} µs`);
      }
    }
  }
  runner.close();
}

if (process.argv.includes('--loops')) {
  profileLoops();
  process.exit(0);
}

const model = flag('model', 'mlp');
if (!(model in MODELS))
  throw new Error(`--model must be one of ${Object.keys(MODELS).join(', ')}, got ${model}`);
const rows = positive('rows', 25);
const calls = positive('calls', model === 'cnn' ? 100 : 2000);
const BLOCKS = 5;

const wasm = new WasmRunner();
const nanos = new Map<string, number>();
/** WasmRunner with each run timed into `nanos`. */
const timed: KernelRunner = {
  name: wasm.name,
  dtype: wasm.dtype,
  alloc: (n) => wasm.alloc(n),
  close: () => wasm.close(),
  run<K extends KernelName>(name: K, inputs: readonly Tensor[], attrs: AttrsByKernel[K]): Tensor {
    const t = process.hrtime.bigint();
    const out = wasm.run(name, inputs, attrs);
    nanos.set(name, (nanos.get(name) ?? 0) + Number(process.hrtime.bigint() - t));
    return out;
  },
};

const net = Sequential.fromSpec(parseModelSpec(MODELS[model]));
const rng = new Rng(5);
const params = net.params.map((p) =>
  Float32Array.from({ length: p.shape.reduce((a, b) => a * b, 1) }, () => (rng.uniform() - 0.5) * 0.1),
);
const inputSize = net.spec.input.reduce((a, b) => a * b, 1);
const x: Tensor = {
  shape: [rows, ...net.spec.input],
  data: Float32Array.from({ length: rows * inputSize }, () => rng.uniform()),
};
const labels = Float32Array.from({ length: rows }, (_, i) => i % 10);
const batchRows = Array.from({ length: rows }, (_, i) => i);
const step = (i: number): void => {
  net.gradientSums(
    { runner: timed, training: true, noise: { seed: 1, step: i, rows: batchRows } },
    params,
    x,
    labels,
  );
};

for (let i = 0; i < Math.ceil(calls / 5); i++) step(i);
const perCall: number[] = [];
const perKernel = new Map<string, number[]>();
for (let b = 0; b < BLOCKS; b++) {
  nanos.clear();
  const t = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) step(i);
  perCall.push(Number(process.hrtime.bigint() - t) / calls / 1000);
  for (const [k, v] of nanos) perKernel.set(k, [...(perKernel.get(k) ?? []), v / calls / 1000]);
}
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(
  `${model}, ${rows} rows: ${median(perCall).toFixed(1)} µs per gradientSums call (median of ${BLOCKS})`,
);
for (const [k, v] of perKernel) console.log(`  ${k.padEnd(26)} ${median(v).toFixed(1)} µs`);
wasm.close();
