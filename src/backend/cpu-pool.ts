/**
 * The cpu-pool backend: computes shards on a piscina pool of worker threads, so the calling thread (a
 * worker's gRPC event loop) stays free for keepalives and heartbeats.
 *
 * Determinism: a shard's rows are cut into chunks of CHUNK_ROWS rows (boundaries depend only on the row
 * count), each chunk is computed on some thread, and the chunk sums are added on the calling thread in
 * chunk order: Σ_shard = ((c_0 + c_1) + c_2) + …, gradients elementwise in the backend's dtype. Which thread
 * ran a chunk, and how many threads there are, cannot change a bit of the result. A shard of at most
 * CHUNK_ROWS rows is one chunk, and equals RunnerBackend on the same runner bit for bit.
 *
 * Data movement: once per call the parameters, the shard's x and its labels are copied back to back into
 * one SharedArrayBuffer of the dtype, which also has room for every chunk's gradients; every chunk task
 * gets that buffer (shared, not copied) plus offsets, and the model spec as its JSON (threads cache the
 * network by it). A thread writes its chunk's gradients into the chunk's slot of the buffer and returns
 * only the loss and counts. Call buffers are reused: a call takes a free one large enough and gives it back
 * once every chunk of the call has settled (allocating a SharedArrayBuffer per call cost about 0.1 ms and
 * garbage-collector time on the calling thread, which is the bottleneck of small shards).
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import type { DType } from '../../kernels/runner';
import { sizeOf, type Data } from '../../kernels/spec';
import type { Sequential } from '../model/sequential';
import type { GradientSums, ModelSpec } from '../model/types';
import { GradpoolError } from '../shared/errors';
import type { Backend, EvalSums, ShardInput } from './backend';
import { sgemmModule } from './wasm/sgemm';
import type {
  ChunkFailure,
  ChunkSlice,
  ChunkTask,
  CpuPoolRunnerKind,
  EvaluateChunkResult,
  GradientChunkResult,
  SliceResult,
} from './cpu-pool-thread';

/** Rows per chunk: the unit of work of a pool thread, and of the fixed summation order. */
export const CHUNK_ROWS = 32;

/** The compiled thread entry, beside this file. */
const THREAD_FILE = path.join(__dirname, 'cpu-pool-thread.js');

/** How a CpuPoolBackend is configured. */
export interface CpuPoolOptions {
  /** Pool threads, an integer ≥ 1 (default os.availableParallelism()). */
  readonly threads?: number;
  /**
   * Kernel runner of every thread: 'wasm' (float32, the default: MatMul and convolutions in WebAssembly
   * SIMD, the rest on gpu.js CPU mode), 'gpujs-cpu' (float32, every kernel on gpu.js CPU mode) or
   * 'reference' (float64).
   */
  readonly runner?: CpuPoolRunnerKind;
  /** Receives pool errors that belong to no call (a thread that died while idle). */
  readonly log?: (msg: string, fields: object) => void;
}

/** Free call buffers kept for reuse (a call holds one; a worker runs a few shards at a time). */
const MAX_FREE_BUFFERS = 8;

/**
 * A call's shared storage, in the backend's dtype: parameters, then x, then labels, then (gradient calls)
 * one slot of Σ paramLengths values per chunk. Elements past what the call wrote hold stale values of an
 * earlier call; nothing reads them.
 */
interface CallBuffer {
  readonly buffer: SharedArrayBuffer;
  readonly paramLengths: readonly number[];
  readonly xOffset: number;
  readonly labelsOffset: number;
  /** Element offset of chunk 0's gradient slot (slot c at gradsOffset + c·paramTotal). */
  readonly gradsOffset: number;
  /** Σ paramLengths: the length of one gradient slot. */
  readonly paramTotal: number;
}

/** Computes shard sums on a piscina thread pool, chunk by chunk, summed in chunk order. */
export class CpuPoolBackend implements Backend {
  readonly name: string;
  readonly dtype: DType;
  /** Threads in the pool. */
  readonly threads: number;
  private readonly runner: CpuPoolRunnerKind;
  private readonly pool: Piscina;
  private readonly specKeys = new WeakMap<ModelSpec, string>();
  /** Call buffers no call holds, for reuse. */
  private readonly freeBuffers: SharedArrayBuffer[] = [];
  private closing: Promise<void> | null = null;

  constructor(options: CpuPoolOptions = {}) {
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    if (!Number.isInteger(threads) || threads < 1) {
      throw new GradpoolError('E_BAD_ARGS', `cpu-pool threads must be a positive integer, got ${threads}`);
    }
    const runner = options.runner ?? 'wasm';
    if (runner !== 'wasm' && runner !== 'gpujs-cpu' && runner !== 'reference') {
      throw new GradpoolError(
        'E_BAD_ARGS',
        `cpu-pool runner must be wasm, gpujs-cpu or reference, got ${runner}`,
      );
    }
    if (!existsSync(THREAD_FILE)) {
      throw new GradpoolError(
        'E_BACKEND_UNAVAILABLE',
        `cpu-pool thread entry ${THREAD_FILE} is missing (run the compiled dist/)`,
      );
    }
    // Compiles sgemm.wasm here once, so a missing build or an engine without SIMD fails at start-up
    // (E_BACKEND_UNAVAILABLE, which select.ts reports) rather than in the first chunk.
    if (runner === 'wasm') sgemmModule();
    this.threads = threads;
    this.runner = runner;
    // Both float32 runners are 'cpu-pool'; the float64 one is named apart (its results differ in kind).
    this.name = runner === 'reference' ? 'cpu-pool-reference' : 'cpu-pool';
    this.dtype = runner === 'reference' ? 'float64' : 'float32';
    this.pool = new Piscina({ filename: THREAD_FILE, minThreads: threads, maxThreads: threads });
    const log = options.log ?? (() => {});
    this.pool.on('error', (e: unknown) => log('cpu-pool thread error', { error: String(e) }));
  }

  /** Pool threads alive right now (0 once close() has resolved). */
  get liveThreads(): number {
    return this.pool.threads.length;
  }

  alloc(length: number): Data {
    return this.dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  }

  async gradientSums(net: Sequential, params: readonly Data[], shard: ShardInput): Promise<GradientSums> {
    return (await this.gradientSumsOfShards(net, params, [shard]))[0];
  }

  /**
   * Every shard's sums, exactly as gradientSums returns them one by one, from one call buffer (the
   * parameters copied once) and at most one task per thread: the chunks of all shards, in shard order, are
   * cut into `threads` contiguous groups. Each shard's chunks are still added in chunk order.
   */
  async gradientSumsOfShards(
    net: Sequential,
    params: readonly Data[],
    shards: readonly ShardInput[],
  ): Promise<GradientSums[]> {
    this.checkOpen();
    for (const shard of shards) {
      this.checkShard(net, params, shard.x, shard.labels, shard.count);
      if (shard.noise.rows.length !== shard.count) {
        throw new Error(
          `noise.rows has ${shard.noise.rows.length} entries for a shard of ${shard.count} rows`,
        );
      }
    }
    const out = shards.map(() => ({
      grads: net.params.map((p) => this.alloc(sizeOf(p.shape))),
      lossSum: 0,
      correct: 0,
      count: 0,
    }));
    const chunks = chunksOf(shards.map((s) => s.count));
    if (chunks.length === 0) return out;
    const call = this.share(
      params,
      shards.map((s) => s.x),
      shards.map((s) => s.labels),
      chunks.length,
    );
    const slices = chunks.map((c, i): ChunkSlice => {
      const noise = shards[c.shard].noise;
      return {
        ...this.sliceOf(net, call, c),
        gradsOffset: call.gradsOffset + i * call.paramTotal,
        noise: { seed: noise.seed, step: noise.step, rows: noise.rows.slice(c.lo, c.hi) },
      };
    });
    try {
      await this.runGroups<GradientChunkResult>('gradientChunks', net, call, chunks, slices, (r, i) => {
        const c = chunks[i];
        const sums = out[c.shard];
        const first = c.lo === 0;
        const slot = this.view(call.buffer, call.gradsOffset + i * call.paramTotal, call.paramTotal);
        let offset = 0;
        for (const g of sums.grads) {
          // A shard's first chunk is copied rather than added to zeros, so a one-chunk shard keeps its -0s.
          if (first) g.set(slot.subarray(offset, offset + g.length));
          else addInto(g, slot, offset);
          offset += g.length;
        }
        sums.lossSum = first ? r.lossSum : sums.lossSum + r.lossSum;
        sums.correct += r.correct;
        sums.count += r.count;
      });
    } finally {
      this.release(call.buffer);
    }
    return out;
  }

  async evaluate(
    net: Sequential,
    params: readonly Data[],
    x: Data,
    labels: Data,
    count: number,
  ): Promise<EvalSums> {
    this.checkOpen();
    this.checkShard(net, params, x, labels, count);
    if (count === 0) return { lossSum: 0, correct: 0, count: 0 };
    const call = this.share(params, [x], [labels], 0);
    const chunks = chunksOf([count]);
    const slices = chunks.map((c) => this.sliceOf(net, call, c));
    let lossSum = 0;
    let correct = 0;
    try {
      await this.runGroups<EvaluateChunkResult>('evaluateChunks', net, call, chunks, slices, (r, i) => {
        lossSum = i === 0 ? r.lossSum : lossSum + r.lossSum;
        correct += r.correct;
      });
    } finally {
      this.release(call.buffer);
    }
    return { lossSum, correct, count };
  }

  /** Destroys the pool: running chunks are abandoned, and every thread has exited when this resolves. */
  close(): Promise<void> {
    this.closing ??= this.pool.destroy();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closing) throw new GradpoolError('E_FAILED_PRECONDITION', `${this.name} backend is closed`);
  }

  /** Sizes the chunks cannot check: a chunk sees only its own rows. */
  private checkShard(net: Sequential, params: readonly Data[], x: Data, labels: Data, count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`count must be an integer ≥ 0, got ${count}`);
    if (params.length !== net.params.length) {
      throw new Error(`expected ${net.params.length} parameter arrays, got ${params.length}`);
    }
    params.forEach((p, i) => {
      const info = net.params[i];
      if (p.length !== sizeOf(info.shape)) {
        throw new Error(
          `${info.name} must hold ${sizeOf(info.shape)} values ([${info.shape}]), got ${p.length}`,
        );
      }
    });
    if (x.length !== count * net.inputSize) {
      throw new Error(`x must hold ${count}·${net.inputSize} values for ${count} rows, got ${x.length}`);
    }
    if (labels.length !== count) throw new Error(`expected ${count} labels, got ${labels.length}`);
  }

  /**
   * Copies the parameters, the shards' x (back to back, in shard order) and their labels once into a call
   * buffer that every chunk of the call reads, with room for `gradSlots` chunks' gradients after them. Give
   * the buffer back with release() once every chunk has settled.
   */
  private share(
    params: readonly Data[],
    xs: readonly Data[],
    labels: readonly Data[],
    gradSlots: number,
  ): CallBuffer {
    const paramLengths = params.map((p) => p.length);
    const paramTotal = paramLengths.reduce((a, b) => a + b, 0);
    const xOffset = paramTotal;
    const labelsOffset = xs.reduce((at, x) => at + x.length, xOffset);
    const gradsOffset = labels.reduce((at, l) => at + l.length, labelsOffset);
    const buffer = this.acquire((gradsOffset + gradSlots * paramTotal) * this.bytesPerElement());
    const all = this.view(buffer, 0, gradsOffset);
    let offset = 0;
    for (const part of [...params, ...xs, ...labels]) {
      all.set(part, offset);
      offset += part.length;
    }
    return { buffer, paramLengths, xOffset, labelsOffset, gradsOffset, paramTotal };
  }

  /** Where chunk `c`'s rows lie in the call buffer (its x and labels; the shards' rows are back to back). */
  private sliceOf(net: Sequential, call: CallBuffer, c: CallChunk): ChunkSlice {
    return {
      xOffset: call.xOffset + c.row * net.inputSize,
      labelsOffset: call.labelsOffset + c.row,
      rows: c.hi - c.lo,
    };
  }

  private bytesPerElement(): number {
    return this.dtype === 'float32' ? Float32Array.BYTES_PER_ELEMENT : Float64Array.BYTES_PER_ELEMENT;
  }

  private view(buffer: SharedArrayBuffer, offset: number, length: number): Data {
    const bytes = offset * this.bytesPerElement();
    return this.dtype === 'float32'
      ? new Float32Array(buffer, bytes, length)
      : new Float64Array(buffer, bytes, length);
  }

  /** The smallest free call buffer of at least `bytes` bytes, or a new one. */
  private acquire(bytes: number): SharedArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.freeBuffers.length; i++) {
      const size = this.freeBuffers[i].byteLength;
      if (size >= bytes && (best < 0 || size < this.freeBuffers[best].byteLength)) best = i;
    }
    if (best >= 0) return this.freeBuffers.splice(best, 1)[0];
    return new SharedArrayBuffer(bytes);
  }

  /** Gives a call buffer back; beyond MAX_FREE_BUFFERS the smallest free one is dropped. */
  private release(buffer: SharedArrayBuffer): void {
    this.freeBuffers.push(buffer);
    if (this.freeBuffers.length > MAX_FREE_BUFFERS) {
      let smallest = 0;
      this.freeBuffers.forEach((b, i) => {
        if (b.byteLength < this.freeBuffers[smallest].byteLength) smallest = i;
      });
      this.freeBuffers.splice(smallest, 1);
    }
  }

  /**
   * Runs the chunks as at most `threads` tasks of contiguous chunks, and calls `add` on each chunk's result
   * in chunk order as soon as it and all earlier ones are in. On a failure it waits for every task to
   * settle (so no thread still works for this call), then throws the first failure in chunk order, naming
   * the chunk's rows within its shard.
   */
  private async runGroups<R extends object>(
    name: 'gradientChunks' | 'evaluateChunks',
    net: Sequential,
    call: CallBuffer,
    chunks: readonly CallChunk[],
    slices: readonly ChunkSlice[],
    add: (value: R, chunk: number) => void,
  ): Promise<void> {
    const specKey = this.specKey(net.spec);
    const groups = Math.min(this.threads, slices.length);
    const tasks: { first: number; result: Promise<Settled<readonly SliceResult<R>[]>> }[] = [];
    for (let g = 0, first = 0; g < groups; g++) {
      // Sizes differ by at most one, the larger groups first.
      const size = Math.floor(slices.length / groups) + (g < slices.length % groups ? 1 : 0);
      const task: ChunkTask = {
        runner: this.runner,
        specKey,
        buffer: call.buffer,
        paramLengths: call.paramLengths,
        chunks: slices.slice(first, first + size),
      };
      const last = first + size - 1;
      tasks.push({
        first,
        result: (this.pool.run(task, { name }) as Promise<SliceResult<R>[]>).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({
            ok: false as const,
            error: chunkError(this.name, chunks[first], chunks[last], error),
          }),
        ),
      });
      first += size;
    }
    for (const { first, result } of tasks) {
      const r = await result;
      const failure = !r.ok
        ? r.error
        : r.value.reduce<Error | null>((found, v, k) => {
            if (found || !isFailure(v)) return found;
            const c = chunks[first + k];
            return chunkError(this.name, c, c, Object.assign(new Error(v.error), { stack: v.stack }));
          }, null);
      if (failure) {
        await Promise.all(tasks.map((t) => t.result));
        throw failure;
      }
      if (r.ok) r.value.forEach((v, k) => add(v as R, first + k));
    }
  }

  private specKey(spec: ModelSpec): string {
    let key = this.specKeys.get(spec);
    if (key === undefined) {
      key = JSON.stringify(spec);
      this.specKeys.set(spec, key);
    }
    return key;
  }
}

/** Rows [lo, hi) of shard `shard`, whose row lo is row `row` of the call's x. */
interface CallChunk {
  readonly shard: number;
  readonly lo: number;
  readonly hi: number;
  readonly row: number;
  /** Rows in the shard. */
  readonly of: number;
}

/** The chunks of shards of these row counts, in shard order: each shard cut every CHUNK_ROWS rows. */
function chunksOf(counts: readonly number[]): CallChunk[] {
  const out: CallChunk[] = [];
  let row = 0;
  counts.forEach((count, shard) => {
    for (let lo = 0; lo < count; lo += CHUNK_ROWS) {
      out.push({ shard, lo, hi: Math.min(count, lo + CHUNK_ROWS), row: row + lo, of: count });
    }
    row += count;
  });
  return out;
}

function isFailure(v: object): v is ChunkFailure {
  return 'error' in v;
}

/** g[i] += slot[offset + i], in element order. */
function addInto(g: Data, slot: Data, offset: number): void {
  for (let i = 0; i < g.length; i++) g[i] += slot[offset + i];
}

type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: Error };

/**
 * A thread's error, naming the backend and the rows of the chunks it hit (from `from` to `to`, within
 * their shard); the thread's own message is kept.
 */
function chunkError(backend: string, from: CallChunk, to: CallChunk, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  // Row indices in the thread's message count from the chunk's first row.
  const rows =
    from.shard === to.shard
      ? `rows ${from.lo}..${to.hi - 1} (of ${from.of})`
      : `shard ${from.shard} row ${from.lo} to shard ${to.shard} row ${to.hi - 1}`;
  const what = from === to ? `the chunk of ${rows}` : `the chunks of ${rows}`;
  const wrapped = new Error(`${backend}: ${what} failed; in it, ${message}`);
  if (error instanceof Error && error.stack) wrapped.stack = `${wrapped.message}\n${error.stack}`;
  return wrapped;
}
