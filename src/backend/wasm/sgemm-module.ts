/**
 * The source of sgemm.wasm: a blocked, register-tiled float32 GEMM in WebAssembly SIMD (f32x4), plus the
 * im2col / col2im loops the convolutions run through it (and, from memory-bound-module.ts, ReLU and max-pool). Built by `npm run build:wasm` (build.ts) into
 * dist/; the loader (sgemm.ts) refuses a file that differs from what this emitter produces.
 *
 * GEMM: C[M,N] (=|+=) A[M,K]·B[K,N], any strides on A and B (that is how the transposes are expressed),
 * C row-major with leading dimension ldc. Goto/BLIS structure:
 *   for jc (NC columns)  for pc (KC of K)  pack B[pc:,jc:] into NR-column panels (k-major)
 *     for ic (MC rows)   pack A[ic:,pc:] into MR-row panels (k-major)
 *       for jr (NR panel of B, stays in L1)  for ir (MR panel of A, streamed from L2)
 *         micro-kernel: MR×NR block of C in MR·NR/4 f32x4 accumulators over the kc steps
 * Partial edge blocks are computed into a scratch tile and copied. The k-blocks are added to C in order
 * (C = blk0, then C += blk1 …), so the result depends only on the shapes, never on threads or timing.
 * There is no FMA (relaxed-simd is behind a flag on Node 20): each step is f32x4.mul then f32x4.add.
 */
import {
  I32,
  Locals,
  V128,
  add,
  and,
  call,
  encodeModule,
  eq,
  f32Add,
  f32Load,
  f32Store,
  f32c,
  f32x4Add,
  f32x4Mul,
  forLoop,
  geS,
  get,
  gtS,
  i32,
  ifThen,
  leS,
  ltS,
  ltU,
  f32x4Shuffle,
  minS,
  mul,
  or,
  seq,
  set,
  sub,
  v128Load,
  v128Load32Splat,
  v128Store,
  whileLoop,
  type Code,
  type FuncDef,
  type ValType,
} from './wasm-emitter';
import { colLoops } from './im2col-module';
import { biasAddFunc, poolArgMaxFunc, reluFunc, reluGradFunc } from './memory-bound-module';

/** Rows of the micro-tile (A values broadcast per k step). */
export const MR = 4;
/** Columns of the micro-tile (two f32x4 vectors of B per k step). */
export const NR = 8;
/** K block: an MR×KC panel of A (4 KiB) and a KC×NR panel of B (8 KiB) sit in L1 together. */
export const KC = 256;
/** M block: the packed MC×KC block of A (128 KiB) stays in L2. */
export const MC = 128;
/** N block: the packed KC×NC block of B (1 MiB). */
export const NC = 1024;

/** Byte layout of the module's fixed work area; callers' matrices go at WORK_END and above. */
export const LAYOUT = {
  tile: 0,
  packedA: 1024,
  packedB: 1024 + MC * KC * 4,
  end: 1024 + MC * KC * 4 + KC * NC * 4,
} as const;

/** Function indices (the order of funcs() below; relu, reluGrad and poolArgMax follow, uncalled here). */
const F = { kernel: 0, packA: 1, packB: 2, gemm: 3, im2col: 4, col2im: 5 } as const;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * kernel(kc, pa, pb, pc, ldcBytes, accumulate): the MR×NR tile at pc (rows ldcBytes apart) gets
 * Σ_k pa[k][r]·pb[k][j], added to its old value when accumulate ≠ 0. pa, pb are packed panels.
 */
function microKernel(): FuncDef {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32];
  const [kc, pa, pb, pc, ldc, accumulate] = range(6);
  const l = new Locals(params.length);
  const end = l.add(I32);
  const av = l.add(V128);
  const bv = range(NR / 4).map(() => l.add(V128));
  const acc = range(MR).map(() => range(NR / 4).map(() => l.add(V128)));
  const row = range(MR).map(() => l.add(I32));
  // One k step. Unrolling it (2 or 4 steps per iteration) measured 35% slower on V8 11 (Node 20): the
  // register allocator then spills accumulators; so do 6×8 and 4×12 tiles (16+ live vectors).
  const step = seq(
    ...bv.map((b, v) => set(b, v128Load(get(pb), 16 * v))),
    ...range(MR).map((r) =>
      seq(
        set(av, v128Load32Splat(get(pa), 4 * r)),
        ...bv.map((b, v) => set(acc[r][v], f32x4Add(get(acc[r][v]), f32x4Mul(get(av), get(b))))),
      ),
    ),
  );
  const advance = seq(set(pa, add(get(pa), i32(MR * 4))), set(pb, add(get(pb), i32(NR * 4))));
  const body = seq(
    set(end, add(get(pb), mul(get(kc), i32(NR * 4)))),
    whileLoop(ltU(get(pb), get(end)), seq(step, advance)),
    ...row.map((p, r) => set(p, add(get(pc), mul(get(ldc), i32(r))))),
    ifThen(
      get(accumulate),
      seq(
        ...range(MR).flatMap((r) =>
          bv.map((_, v) => set(acc[r][v], f32x4Add(get(acc[r][v]), v128Load(get(row[r]), 16 * v)))),
        ),
      ),
    ),
    ...range(MR).flatMap((r) => bv.map((_, v) => v128Store(get(row[r]), get(acc[r][v]), 16 * v))),
  );
  return { name: 'kernel', params, locals: l.types, body };
}

/**
 * Packs a P-row strip (P = MR for A, NR for B) of a strided matrix into k-major panels:
 * dst[panel][k][r] = X(i0 + r, k), zero for rows past `rows`. Strides are in bytes. For A the strip index
 * is the row i (stride `sStrip` = sai) and k has stride sak; for B the strip index is the column j.
 * pack(n, kc, src, sStrip, sK, dst): n = rows of A (or columns of B) in this block.
 */
function packer(name: string, P: number): FuncDef {
  const params: ValType[] = [I32, I32, I32, I32, I32, I32];
  const [n, kc, src, sStrip, sK, dst] = range(6);
  const l = new Locals(params.length);
  const i0 = l.add(I32);
  const k = l.add(I32);
  const p = l.add(I32);
  const rows = l.add(I32);
  const off = range(P).map(() => l.add(I32));
  const t = range(4).map(() => l.add(V128));
  const next = seq(set(p, add(get(p), get(sK))), set(dst, add(get(dst), i32(P * 4))));
  // Strip elements contiguous (sStrip = 4 bytes): P/4 vector copies per k.
  const contiguous = forLoop(
    k,
    i32(0),
    get(kc),
    i32(1),
    seq(...range(P / 4).map((v) => v128Store(get(dst), v128Load(get(p), 16 * v), 16 * v)), next),
  );
  const gather = forLoop(
    k,
    i32(0),
    get(kc),
    i32(1),
    seq(...off.map((o, r) => f32Store(get(dst), f32Load(add(get(p), get(o))), 4 * r)), next),
  );
  // k contiguous (sK = 4 bytes): per 4 k steps and 4 strips, four vector loads and a 4×4 transpose
  // (eight shuffles) instead of sixteen scalar moves; the last kc mod 4 steps go one by one.
  const gatherStep = seq(...off.map((o, r) => f32Store(get(dst), f32Load(add(get(p), get(o))), 4 * r)), next);
  const transposeGroup = (g: number): Code => {
    const [r0, r1, r2, r3] = range(4).map((j) => v128Load(add(get(p), get(off[4 * g + j]))));
    const lo01 = f32x4Shuffle(r0, r1, [0, 4, 1, 5]);
    const lo23 = f32x4Shuffle(r2, r3, [0, 4, 1, 5]);
    const hi01 = f32x4Shuffle(r0, r1, [2, 6, 3, 7]);
    const hi23 = f32x4Shuffle(r2, r3, [2, 6, 3, 7]);
    return seq(
      set(t[0], lo01),
      set(t[1], lo23),
      set(t[2], hi01),
      set(t[3], hi23),
      v128Store(get(dst), f32x4Shuffle(get(t[0]), get(t[1]), [0, 1, 4, 5]), 16 * g),
      v128Store(get(dst), f32x4Shuffle(get(t[0]), get(t[1]), [2, 3, 6, 7]), P * 4 + 16 * g),
      v128Store(get(dst), f32x4Shuffle(get(t[2]), get(t[3]), [0, 1, 4, 5]), 2 * P * 4 + 16 * g),
      v128Store(get(dst), f32x4Shuffle(get(t[2]), get(t[3]), [2, 3, 6, 7]), 3 * P * 4 + 16 * g),
    );
  };
  const transposed = seq(
    set(k, i32(0)),
    whileLoop(
      leS(add(get(k), i32(4)), get(kc)),
      seq(
        ...range(P / 4).map(transposeGroup),
        set(p, add(get(p), i32(16))),
        set(dst, add(get(dst), i32(4 * P * 4))),
        set(k, add(get(k), i32(4))),
      ),
    ),
    whileLoop(ltS(get(k), get(kc)), seq(gatherStep, set(k, add(get(k), i32(1))))),
  );
  const partial = forLoop(
    k,
    i32(0),
    get(kc),
    i32(1),
    seq(
      ...off.map((o, r) =>
        ifThen(
          gtS(get(rows), i32(r)),
          f32Store(get(dst), f32Load(add(get(p), get(o))), 4 * r),
          f32Store(get(dst), f32c(0), 4 * r),
        ),
      ),
      next,
    ),
  );
  const body = seq(
    ...off.map((o, r) => set(o, mul(get(sStrip), i32(r)))),
    forLoop(
      i0,
      i32(0),
      get(n),
      i32(P),
      seq(
        set(p, add(get(src), mul(get(i0), get(sStrip)))),
        set(rows, sub(get(n), get(i0))),
        ifThen(
          geS(get(rows), i32(P)),
          ifThen(eq(get(sStrip), i32(4)), contiguous, ifThen(eq(get(sK), i32(4)), transposed, gather)),
          partial,
        ),
      ),
    ),
  );
  return { name, params, locals: l.types, body };
}

/** gemm(M, N, K, a, sai, sak, b, sbk, sbj, c, ldc, accumulate): strides and ldc in elements. */
function gemm(): FuncDef {
  const params: ValType[] = range(12).map(() => I32);
  const [M, N, K, a, sai, sak, b, sbk, sbj, c, ldc, accumulate] = range(12);
  const l = new Locals(params.length);
  const [jc, nc, pc, kc, ic, mc, jr, nr, ir, mr, cp, accNow, t1, t2, r, j, src] = range(17).map(() =>
    l.add(I32),
  );
  const tileAdd = (accumulated: boolean): Code =>
    forLoop(
      r,
      i32(0),
      get(mr),
      i32(1),
      forLoop(
        j,
        i32(0),
        get(nr),
        i32(1),
        seq(
          set(src, add(i32(LAYOUT.tile), mul(add(mul(get(r), i32(NR)), get(j)), i32(4)))),
          set(t1, add(add(get(cp), mul(get(r), get(ldc))), mul(get(j), i32(4)))),
          f32Store(get(t1), accumulated ? f32Add(f32Load(get(t1)), f32Load(get(src))) : f32Load(get(src))),
        ),
      ),
    );
  const panelA = add(i32(LAYOUT.packedA), mul(mul(get(ir), get(kc)), i32(4)));
  const panelB = add(i32(LAYOUT.packedB), mul(mul(get(jr), get(kc)), i32(4)));
  const micro = seq(
    set(mr, minS(i32(MR), sub(get(mc), get(ir)), t1, t2)),
    set(cp, add(get(c), add(mul(add(get(ic), get(ir)), get(ldc)), mul(add(get(jc), get(jr)), i32(4))))),
    ifThen(
      and(eq(get(mr), i32(MR)), eq(get(nr), i32(NR))),
      call(F.kernel, get(kc), panelA, panelB, get(cp), get(ldc), get(accNow)),
      seq(
        call(F.kernel, get(kc), panelA, panelB, i32(LAYOUT.tile), i32(NR * 4), i32(0)),
        ifThen(get(accNow), tileAdd(true), tileAdd(false)),
      ),
    ),
  );
  const body = seq(
    ...[sai, sak, sbk, sbj, ldc].map((s) => set(s, mul(get(s), i32(4)))),
    forLoop(
      jc,
      i32(0),
      get(N),
      i32(NC),
      seq(
        set(nc, minS(i32(NC), sub(get(N), get(jc)), t1, t2)),
        forLoop(
          pc,
          i32(0),
          get(K),
          i32(KC),
          seq(
            set(kc, minS(i32(KC), sub(get(K), get(pc)), t1, t2)),
            call(
              F.packB,
              get(nc),
              get(kc),
              add(get(b), add(mul(get(pc), get(sbk)), mul(get(jc), get(sbj)))),
              get(sbj),
              get(sbk),
              i32(LAYOUT.packedB),
            ),
            set(accNow, or(get(accumulate), gtS(get(pc), i32(0)))),
            forLoop(
              ic,
              i32(0),
              get(M),
              i32(MC),
              seq(
                set(mc, minS(i32(MC), sub(get(M), get(ic)), t1, t2)),
                call(
                  F.packA,
                  get(mc),
                  get(kc),
                  add(get(a), add(mul(get(ic), get(sai)), mul(get(pc), get(sak)))),
                  get(sai),
                  get(sak),
                  i32(LAYOUT.packedA),
                ),
                forLoop(
                  jr,
                  i32(0),
                  get(nc),
                  i32(NR),
                  seq(
                    set(nr, minS(i32(NR), sub(get(nc), get(jr)), t1, t2)),
                    forLoop(ir, i32(0), get(mc), i32(MR), micro),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
  return { name: 'gemm', params, locals: l.types, body };
}

/** Functions in index order (see F). */
function funcs(): FuncDef[] {
  return [
    microKernel(),
    packer('packA', MR),
    packer('packB', NR),
    gemm(),
    colLoops('im2col'),
    colLoops('col2im'),
    reluFunc(),
    reluGradFunc(),
    poolArgMaxFunc(),
    biasAddFunc(),
  ];
}

/** Initial memory: the work area plus 4 MiB for operands, in 64 KiB pages (grown on demand). */
export const INITIAL_PAGES = Math.ceil((LAYOUT.end + (4 << 20)) / 65536);

/** The module's bytes; deterministic, so the built file can be checked against it. */
export function emitSgemmModule(): Uint8Array {
  return encodeModule(funcs(), INITIAL_PAGES);
}

/** Function definitions, for tests that inspect the emitted instructions. */
export function sgemmFunctions(): readonly FuncDef[] {
  return funcs();
}
