/**
 * The piscina thread entry of the cpu-pool backend (cpu-pool.ts). Each task is one chunk of a shard's rows:
 * the thread views the call's SharedArrayBuffer (parameters, then the shard's x, then its labels), runs the
 * chunk through its own Sequential on its own kernel runner, and returns the chunk's sums. Threads keep
 * only caches (the runner, networks by spec); no result depends on which thread ran a chunk.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { KernelRunner } from '../../kernels/runner';
import type { Data } from '../../kernels/spec';
import { Sequential } from '../model/sequential';
import type { ModelSpec, NoiseKeys } from '../model/types';
import { GpuJsRunner } from './gpujs';
import { ReferenceRunner } from './reference';
import { WasmRunner } from './wasm/wasm-runner';

/** Kernel runners a pool thread can compute with. */
export type CpuPoolRunnerKind = 'wasm' | 'gpujs-cpu' | 'reference';

/** One chunk of a shard, as sent to a thread. Offsets and lengths count elements of the runner's dtype. */
export interface ChunkTask {
  readonly runner: CpuPoolRunnerKind;
  /** JSON of `spec`: the key of the thread's network cache. */
  readonly specKey: string;
  readonly spec: ModelSpec;
  /** Float32 (wasm, gpujs-cpu) or float64 (reference) storage shared by every chunk of one call. */
  readonly buffer: SharedArrayBuffer;
  /** Length of each parameter, in ParamInfo order; they lie back to back from element 0. */
  readonly paramLengths: readonly number[];
  /** Element offset of the chunk's first x value; x is [rows, ...spec.input]. */
  readonly xOffset: number;
  /** Element offset of the chunk's first label. */
  readonly labelsOffset: number;
  /** Rows in the chunk. */
  readonly rows: number;
  /** Training only: dropout keys, `noise.rows` being this chunk's slice of the shard's rows. */
  readonly noise?: NoiseKeys;
}

/** A chunk's gradient sums; `grads` holds every parameter's sum back to back, in ParamInfo order. */
export interface GradientChunkResult {
  readonly grads: Data;
  readonly lossSum: number;
  readonly correct: number;
  readonly count: number;
}

/** A chunk's evaluation sums. */
export interface EvaluateChunkResult {
  readonly lossSum: number;
  readonly correct: number;
}

/** Networks kept per thread; a worker holds at most a couple of jobs at a time. */
const MAX_NETS = 8;

const runners = new Map<CpuPoolRunnerKind, KernelRunner>();
const nets = new Map<string, Sequential>();

function runnerFor(kind: CpuPoolRunnerKind): KernelRunner {
  let runner = runners.get(kind);
  if (!runner) {
    runner =
      kind === 'reference'
        ? new ReferenceRunner()
        : kind === 'wasm'
          ? new WasmRunner()
          : new GpuJsRunner('cpu');
    runners.set(kind, runner);
  }
  return runner;
}

function netFor(task: ChunkTask): Sequential {
  let net = nets.get(task.specKey);
  if (net) {
    nets.delete(task.specKey); // re-inserted below: Map order is least recently used first
  } else {
    net = Sequential.fromSpec(task.spec);
    if (nets.size >= MAX_NETS) nets.delete(nets.keys().next().value as string);
  }
  nets.set(task.specKey, net);
  return net;
}

function view(task: ChunkTask, offset: number, length: number): Data {
  return task.runner === 'reference'
    ? new Float64Array(task.buffer, offset * Float64Array.BYTES_PER_ELEMENT, length)
    : new Float32Array(task.buffer, offset * Float32Array.BYTES_PER_ELEMENT, length);
}

/** The chunk's network, parameter views, x tensor and labels, without copying the shared storage. */
function inputsOf(task: ChunkTask) {
  const net = netFor(task);
  const params: Data[] = [];
  let offset = 0;
  for (const length of task.paramLengths) {
    params.push(view(task, offset, length));
    offset += length;
  }
  const x = {
    shape: [task.rows, ...net.inputShape],
    data: view(task, task.xOffset, task.rows * net.inputSize),
  };
  const labels = view(task, task.labelsOffset, task.rows);
  return { net, params, x, labels, runner: runnerFor(task.runner) };
}

/** Σ loss, Σ gradients and #correct of one chunk, in training mode; the packed gradients are transferred. */
export function gradientChunk(task: ChunkTask): unknown {
  const { net, params, x, labels, runner } = inputsOf(task);
  const sums = net.gradientSums({ runner, training: true, noise: task.noise }, params, x, labels);
  let total = 0;
  for (const g of sums.grads) total += g.length;
  const packed = runner.alloc(total);
  let offset = 0;
  for (const g of sums.grads) {
    packed.set(g, offset);
    offset += g.length;
  }
  const result: GradientChunkResult = {
    grads: packed,
    lossSum: sums.lossSum,
    correct: sums.correct,
    count: sums.count,
  };
  return move({ [transferableSymbol]: [packed.buffer], [valueSymbol]: result });
}

/** Σ loss and #correct of one chunk, in test mode. */
export function evaluateChunk(task: ChunkTask): EvaluateChunkResult {
  const { net, params, x, labels, runner } = inputsOf(task);
  return net.lossSum({ runner, training: false }, params, x, labels);
}
