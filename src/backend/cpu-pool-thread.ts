/**
 * The piscina thread entry of the cpu-pool backend (cpu-pool.ts). Each task is one chunk of a shard's rows:
 * the thread views the call's SharedArrayBuffer (parameters, then the shard's x, then its labels), runs the
 * chunk through its own Sequential on its own kernel runner, writes the chunk's gradient sums into its slot
 * of the same buffer and returns the loss and counts. Threads keep only caches (the runner, networks by
 * spec); no result depends on which thread ran a chunk.
 */
import type { KernelRunner } from '../../kernels/runner';
import type { Data } from '../../kernels/spec';
import { Sequential } from '../model/sequential';
import type { ModelSpec, NoiseKeys } from '../model/types';
import { GpuJsRunner } from './gpujs';
import { ReferenceRunner } from './reference';
import { WasmRunner } from './wasm/wasm-runner';

/** Kernel runners a pool thread can compute with. */
export type CpuPoolRunnerKind = 'wasm' | 'gpujs-cpu' | 'reference';

/**
 * A task: one or more chunks of a call, computed one after another. Offsets and lengths count elements of
 * the runner's dtype.
 */
export interface ChunkTask {
  readonly runner: CpuPoolRunnerKind;
  /** The model spec as JSON (a string clones faster than the object): the key of the network cache. */
  readonly specKey: string;
  /** Float32 (wasm, gpujs-cpu) or float64 (reference) storage shared by every chunk of one call. */
  readonly buffer: SharedArrayBuffer;
  /** Length of each parameter, in ParamInfo order; they lie back to back from element 0. */
  readonly paramLengths: readonly number[];
  readonly chunks: readonly ChunkSlice[];
}

/** One chunk of a shard: where its rows lie in the call buffer. */
export interface ChunkSlice {
  /** Element offset of the chunk's first x value; x is [rows, ...spec.input]. */
  readonly xOffset: number;
  /** Element offset of the chunk's first label. */
  readonly labelsOffset: number;
  /** Rows in the chunk. */
  readonly rows: number;
  /**
   * Training only: element offset of the chunk's gradient slot, where the thread writes every parameter's
   * gradient sum back to back, in ParamInfo order.
   */
  readonly gradsOffset?: number;
  /** Training only: dropout keys, `noise.rows` being this chunk's slice of the shard's rows. */
  readonly noise?: NoiseKeys;
}

/** A chunk that threw: the task's later chunks are not computed. */
export interface ChunkFailure {
  readonly error: string;
  readonly stack?: string;
}

/** What a task returns per chunk, in chunk order; after a failure, nothing more. */
export type SliceResult<R> = R | ChunkFailure;

/** A chunk's sums; its gradients are in its slot of the call buffer (ChunkTask.gradsOffset). */
export interface GradientChunkResult {
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
    net = Sequential.fromSpec(JSON.parse(task.specKey) as ModelSpec);
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

/** The task's network, parameter views and runner, without copying the shared storage. */
function modelOf(task: ChunkTask) {
  const net = netFor(task);
  const params: Data[] = [];
  let offset = 0;
  for (const length of task.paramLengths) {
    params.push(view(task, offset, length));
    offset += length;
  }
  return { net, params, runner: runnerFor(task.runner) };
}

/** Runs `one` on every chunk in order; a chunk that throws ends the task with its failure. */
function eachChunk<R>(task: ChunkTask, one: (slice: ChunkSlice) => R): SliceResult<R>[] {
  const out: SliceResult<R>[] = [];
  for (const slice of task.chunks) {
    try {
      out.push(one(slice));
    } catch (e) {
      out.push(e instanceof Error ? { error: e.message, stack: e.stack } : { error: String(e) });
      break;
    }
  }
  return out;
}

/** Σ loss, Σ gradients and #correct of each chunk, in training mode; the gradients go to its slot. */
export function gradientChunks(task: ChunkTask): SliceResult<GradientChunkResult>[] {
  const { net, params, runner } = modelOf(task);
  return eachChunk(task, (slice) => {
    if (slice.gradsOffset === undefined) throw new Error('a gradient chunk needs gradsOffset');
    const x = {
      shape: [slice.rows, ...net.inputShape],
      data: view(task, slice.xOffset, slice.rows * net.inputSize),
    };
    const labels = view(task, slice.labelsOffset, slice.rows);
    const sums = net.gradientSums({ runner, training: true, noise: slice.noise }, params, x, labels);
    let total = 0;
    for (const g of sums.grads) total += g.length;
    const slot = view(task, slice.gradsOffset, total);
    let offset = 0;
    for (const g of sums.grads) {
      slot.set(g, offset);
      offset += g.length;
    }
    return { lossSum: sums.lossSum, correct: sums.correct, count: sums.count };
  });
}

/** Σ loss and #correct of each chunk, in test mode. */
export function evaluateChunks(task: ChunkTask): SliceResult<EvaluateChunkResult>[] {
  const { net, params, runner } = modelOf(task);
  return eachChunk(task, (slice) => {
    const x = {
      shape: [slice.rows, ...net.inputShape],
      data: view(task, slice.xOffset, slice.rows * net.inputSize),
    };
    const labels = view(task, slice.labelsOffset, slice.rows);
    return net.lossSum({ runner, training: false }, params, x, labels);
  });
}
