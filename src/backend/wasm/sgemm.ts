/**
 * Loads the built sgemm.wasm (see sgemm-module.ts) into this thread and runs GEMM and the three
 * convolutions on Float32Arrays through it. One instance per thread; every call copies its operands into
 * the module's memory (above the fixed work area), runs, and copies the result out, so results never alias
 * the module's memory.
 *
 * Convolutions go through im2col + GEMM, one sample at a time (the output lands in NCHW directly):
 *   forward   y_n[O, P]        = W[O, CKK] · cols_n[CKK, P]                (P = OH·OW, CKK = C·KH·KW)
 *   filter    dW[O, CKK]      += dy_n[O, P] · cols_nᵀ[P, CKK]   for n = 0, 1, … in order
 *   input     dcols_n[CKK, P]  = Wᵀ[CKK, O] · dy_n[O, P], then col2im adds dcols_n into dx_n
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GradpoolError } from '../../shared/errors';
import { LAYOUT } from './sgemm-module';

/** The built module, beside the compiled loader. */
export const SGEMM_WASM_FILE = path.join(__dirname, 'sgemm.wasm');

/** Shape constants of a 2-D convolution (the names of kernels/defs/conv.ts). */
export interface ConvDims {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly O: number;
  readonly KH: number;
  readonly KW: number;
  readonly OH: number;
  readonly OW: number;
  readonly S: number;
  readonly P: number;
}

interface Exports {
  readonly memory: WebAssembly.Memory;
  gemm(...args: number[]): void;
  im2col(...args: number[]): void;
  col2im(...args: number[]): void;
  relu(x: number, y: number, n: number): void;
  reluGrad(dy: number, x: number, dx: number, n: number): void;
  poolArgMax(...args: number[]): void;
  biasAdd(x: number, b: number, y: number, N: number, C: number, S: number): void;
}

/** Shape constants of max pooling (the names of kernels/defs/pool.ts). */
export interface PoolDims {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly OH: number;
  readonly OW: number;
  readonly K: number;
  readonly S: number;
}

let compiled: WebAssembly.Module | null = null;

/** Compiles sgemm.wasm once per thread; a clear error if the build step did not run. */
export function sgemmModule(): WebAssembly.Module {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(SGEMM_WASM_FILE);
    } catch (e) {
      throw new GradpoolError(
        'E_BACKEND_UNAVAILABLE',
        `${SGEMM_WASM_FILE} is missing (${(e as Error).message}); run npm run build (it runs build:wasm)`,
      );
    }
    if (!WebAssembly.validate(bytes)) {
      throw new GradpoolError(
        'E_BACKEND_UNAVAILABLE',
        `${SGEMM_WASM_FILE} does not validate: this Node has no WebAssembly SIMD (Node ≥ 16.4 has it)`,
      );
    }
    compiled = new WebAssembly.Module(bytes);
  }
  return compiled;
}

/** Float32 GEMM and convolutions on one instance of sgemm.wasm. */
export class WasmSgemm {
  private readonly exports: Exports;
  private heap: Float32Array;

  constructor() {
    this.exports = new WebAssembly.Instance(sgemmModule(), {}).exports as unknown as Exports;
    this.heap = new Float32Array(this.exports.memory.buffer);
  }

  /**
   * C[M,N] = op(A)·op(B): A is [M,K] (or [K,M] when transposeA), B is [K,N] (or [N,K] when transposeB).
   * Sums run in float32, k-blocks of 256 added in order.
   */
  matMul(
    a: Float32Array,
    b: Float32Array,
    M: number,
    N: number,
    K: number,
    transposeA: boolean,
    transposeB: boolean,
  ): Float32Array {
    const [pa, pb, pc] = this.reserve([a.length, b.length, M * N]);
    this.heap.set(a, pa >> 2);
    this.heap.set(b, pb >> 2);
    const [sai, sak] = transposeA ? [1, M] : [K, 1];
    const [sbk, sbj] = transposeB ? [1, K] : [N, 1];
    this.gemm(M, N, K, pa, sai, sak, pb, sbk, sbj, pc, N, false);
    return this.heap.slice(pc >> 2, (pc >> 2) + M * N);
  }

  /** y [N,O,OH,OW] of x [N,C,H,W] and w [O,C,KH,KW]. */
  conv2d(x: Float32Array, w: Float32Array, d: ConvDims): Float32Array {
    const { ckk, p, inSize, outSize } = sizes(d);
    const [px, pw, py, pcols] = this.reserve([x.length, w.length, d.N * outSize, ckk * p]);
    this.heap.set(x, px >> 2);
    this.heap.set(w, pw >> 2);
    for (let n = 0; n < d.N; n++) {
      this.im2col(px + n * inSize * 4, d, pcols);
      this.gemm(d.O, p, ckk, pw, ckk, 1, pcols, p, 1, py + n * outSize * 4, p, false);
    }
    return this.heap.slice(py >> 2, (py >> 2) + d.N * outSize);
  }

  /** dw [O,C,KH,KW] = Σ_n of the filter gradient, from x [N,C,H,W] and dy [N,O,OH,OW]. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, d: ConvDims): Float32Array {
    const { ckk, p, inSize, outSize } = sizes(d);
    const [px, pdy, pdw, pcols] = this.reserve([x.length, dy.length, d.O * ckk, ckk * p]);
    this.heap.set(x, px >> 2);
    this.heap.set(dy, pdy >> 2);
    if (d.N === 0 || p === 0) this.heap.fill(0, pdw >> 2, (pdw >> 2) + d.O * ckk);
    for (let n = 0; n < d.N; n++) {
      this.im2col(px + n * inSize * 4, d, pcols);
      this.gemm(d.O, ckk, p, pdy + n * outSize * 4, p, 1, pcols, 1, p, pdw, ckk, n > 0);
    }
    return this.heap.slice(pdw >> 2, (pdw >> 2) + d.O * ckk);
  }

  /** dx [N,C,H,W] from dy [N,O,OH,OW] and w [O,C,KH,KW]. */
  conv2dBackpropInput(dy: Float32Array, w: Float32Array, d: ConvDims): Float32Array {
    const { ckk, p, inSize, outSize } = sizes(d);
    const [pdy, pw, pdx, pcols] = this.reserve([dy.length, w.length, d.N * inSize, ckk * p]);
    this.heap.set(dy, pdy >> 2);
    this.heap.set(w, pw >> 2);
    for (let n = 0; n < d.N; n++) {
      this.gemm(ckk, p, d.O, pw, 1, ckk, pdy + n * outSize * 4, p, 1, pcols, p, false);
      this.exports.col2im(pdx + n * inSize * 4, d.C, d.H, d.W, d.KH, d.KW, d.S, d.P, d.OH, d.OW, pcols);
    }
    return this.heap.slice(pdx >> 2, (pdx >> 2) + d.N * inSize);
  }

  /** y = x > 0 ? x : 0, elementwise. */
  relu(x: Float32Array): Float32Array {
    const n4 = Math.ceil(x.length / 4) * 4;
    const [px, py] = this.reserve([n4, n4]);
    this.heap.set(x, px >> 2);
    this.exports.relu(px, py, n4);
    return this.heap.slice(py >> 2, (py >> 2) + x.length);
  }

  /** y[n,c,s] = x[n,c,s] + b[c] for x [N, C, S…] flat. */
  biasAdd(x: Float32Array, b: Float32Array, N: number, C: number, S: number): Float32Array {
    const [px, pb, py] = this.reserve([x.length, b.length, x.length]);
    this.heap.set(x, px >> 2);
    this.heap.set(b, pb >> 2);
    this.exports.biasAdd(px, pb, py, N, C, S);
    return this.heap.slice(py >> 2, (py >> 2) + x.length);
  }

  /** dx = x > 0 ? dy : 0, elementwise. */
  reluGrad(dy: Float32Array, x: Float32Array): Float32Array {
    const n4 = Math.ceil(x.length / 4) * 4;
    const [pdy, px, pdx] = this.reserve([n4, n4, n4]);
    this.heap.set(dy, pdy >> 2);
    this.heap.set(x, px >> 2);
    this.exports.reluGrad(pdy, px, pdx, n4);
    return this.heap.slice(pdx >> 2, (pdx >> 2) + x.length);
  }

  /**
   * Per window of x [N,C,H,W]: its maximum (y [N,C,OH,OW]) and the in-plane index h·W + w of its first
   * maximum in row-major window order (arg, same layout).
   */
  poolArgMax(x: Float32Array, d: PoolDims): { y: Float32Array; arg: Int32Array } {
    const outSize = d.N * d.C * d.OH * d.OW;
    const [px, py, parg] = this.reserve([x.length, outSize, outSize]);
    this.heap.set(x, px >> 2);
    this.exports.poolArgMax(px, d.N * d.C, d.H, d.W, d.OH, d.OW, d.K, d.S, py, parg);
    const y = this.heap.slice(py >> 2, (py >> 2) + outSize);
    const arg = new Int32Array(this.heap.buffer, parg, outSize).slice();
    return { y, arg };
  }

  /** The raw strided GEMM on byte offsets into this instance's memory (for benchmarks and tests). */
  gemm(
    M: number,
    N: number,
    K: number,
    pa: number,
    sai: number,
    sak: number,
    pb: number,
    sbk: number,
    sbj: number,
    pc: number,
    ldc: number,
    accumulate: boolean,
  ): void {
    if (M === 0 || N === 0) return;
    if (K === 0) {
      // No k-block runs: C = 0 (or stays C when accumulating).
      if (!accumulate)
        for (let i = 0; i < M; i++) this.heap.fill(0, (pc >> 2) + i * ldc, (pc >> 2) + i * ldc + N);
      return;
    }
    this.exports.gemm(M, N, K, pa, sai, sak, pb, sbk, sbj, pc, ldc, accumulate ? 1 : 0);
  }

  /**
   * Byte offsets (16-byte aligned) of consecutive regions of the given float counts above the work area,
   * growing the memory when needed. Valid until the next reserve.
   */
  reserve(floats: readonly number[]): number[] {
    const out: number[] = [];
    let at: number = LAYOUT.end;
    for (const n of floats) {
      out.push(at);
      at += Math.ceil((n * 4) / 16) * 16;
    }
    const memory = this.exports.memory;
    if (at > memory.buffer.byteLength) {
      memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
    }
    if (this.heap.buffer !== memory.buffer) this.heap = new Float32Array(memory.buffer);
    return out;
  }

  /** A Float32Array view of the whole memory (renewed by reserve when the memory grows). */
  get memory(): Float32Array {
    return this.heap;
  }

  private im2col(px: number, d: ConvDims, pcols: number): void {
    this.exports.im2col(px, d.C, d.H, d.W, d.KH, d.KW, d.S, d.P, d.OH, d.OW, pcols);
  }
}

function sizes(d: ConvDims) {
  return {
    ckk: d.C * d.KH * d.KW,
    p: d.OH * d.OW,
    inSize: d.C * d.H * d.W,
    outSize: d.O * d.OH * d.OW,
  };
}
