/**
 * The memory-bound kernels of sgemm.wasm, branch-free in f32x4 (on random data the bodies' comparisons
 * mispredict about half the time):
 *   relu(x, y, n)               y = x > 0 ? x : 0          as x AND (x > 0): −0 and NaN give +0, as in the body
 *   reluGrad(dy, x, dx, n)      dx = x > 0 ? dy : 0
 *   poolArgMax(x, planes, H, W, OH, OW, K, S, y, arg)
 *       per plane and window: y = the window's maximum, arg = its plane index (h·W + w), the first maximum
 *       in row-major window order (strict >, as the body), four windows of a row per f32x4.
 *   biasAdd(x, b, y, N, C, S)   y = x + b[c]: a float32 add equals the body's float64 add rounded once.
 * n counts floats and must be a multiple of 4 (callers pad); pointers are bytes.
 */
import {
  F32,
  I32,
  Locals,
  V128,
  add,
  f32Gt,
  f32Load,
  f32Store,
  f32x4Gt,
  f32x4ReplaceLane,
  f32x4Splat,
  forLoop,
  get,
  i32,
  i32Store,
  i32x4Add,
  i32x4ReplaceLane,
  i32x4Splat,
  ifThen,
  ltS,
  whileLoop,
  f32Add,
  f32x4Add,
  mul,
  seq,
  set,
  sub,
  v128And,
  v128Bitselect,
  v128Load,
  v128Store,
  v128Zero,
  type Code,
  type FuncDef,
  type ValType,
} from './wasm-emitter';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** relu(x, y, n) */
export function reluFunc(): FuncDef {
  const params: ValType[] = [I32, I32, I32];
  const [x, y, n] = range(3);
  const l = new Locals(params.length);
  const i = l.add(I32);
  const v = l.add(V128);
  const body = forLoop(
    i,
    i32(0),
    mul(get(n), i32(4)),
    i32(16),
    seq(
      set(v, v128Load(add(get(x), get(i)))),
      v128Store(add(get(y), get(i)), v128And(get(v), f32x4Gt(get(v), v128Zero))),
    ),
  );
  return { name: 'relu', params, locals: l.types, body };
}

/** reluGrad(dy, x, dx, n) */
export function reluGradFunc(): FuncDef {
  const params: ValType[] = [I32, I32, I32, I32];
  const [dy, x, dx, n] = range(4);
  const l = new Locals(params.length);
  const i = l.add(I32);
  const body = forLoop(
    i,
    i32(0),
    mul(get(n), i32(4)),
    i32(16),
    v128Store(
      add(get(dx), get(i)),
      v128And(v128Load(add(get(dy), get(i))), f32x4Gt(v128Load(add(get(x), get(i))), v128Zero)),
    ),
  );
  return { name: 'reluGrad', params, locals: l.types, body };
}

/** biasAdd(x, b, y, N, C, S): y[n,c,s] = x[n,c,s] + b[c], f32x4 along s with a scalar tail. */
export function biasAddFunc(): FuncDef {
  const params: ValType[] = range(6).map(() => I32);
  const [x, b, y, N, C, S] = range(6);
  const l = new Locals(params.length);
  const [n, c, i, end] = range(4).map(() => l.add(I32));
  const bv = l.add(V128);
  const bs = l.add(F32);
  const step = (bytes: number): Code =>
    seq(
      set(x, add(get(x), i32(bytes))),
      set(y, add(get(y), i32(bytes))),
      set(i, add(get(i), i32(bytes / 4))),
    );
  const plane = seq(
    set(bs, f32Load(add(get(b), mul(get(c), i32(4))))),
    set(bv, f32x4Splat(get(bs))),
    set(i, i32(0)),
    set(end, sub(get(S), i32(3))),
    whileLoop(ltS(get(i), get(end)), seq(v128Store(get(y), f32x4Add(v128Load(get(x)), get(bv))), step(16))),
    whileLoop(ltS(get(i), get(S)), seq(f32Store(get(y), f32Add(f32Load(get(x)), get(bs))), step(4))),
  );
  const body = forLoop(n, i32(0), get(N), i32(1), forLoop(c, i32(0), get(C), i32(1), plane));
  return { name: 'biasAdd', params, locals: l.types, body };
}

/** poolArgMax(x, planes, H, W, OH, OW, K, S, y, arg) */
export function poolArgMaxFunc(): FuncDef {
  const params: ValType[] = range(10).map(() => I32);
  const [x, planes, H, W, OH, OW, K, S, y, arg] = range(10);
  const l = new Locals(params.length);
  const [plane, oh, ow, kh, kw, at, idx, p] = range(8).map(() => l.add(I32));
  const [best, bestIdx, v, m, laneOffsets] = range(5).map(() => l.add(V128));
  const bestS = l.add(F32);
  const vS = l.add(F32);
  // idx = (oh·S + kh)·W + ow·S + kw: the plane index of window (oh, ow)'s element (kh, kw).
  const setIdx = set(
    idx,
    add(mul(add(mul(get(oh), get(S)), get(kh)), get(W)), add(mul(get(ow), get(S)), get(kw))),
  );
  const addr = (lane: number): Code => add(get(p), mul(add(get(idx), mul(get(S), i32(lane))), i32(4)));
  const gather = seq(
    set(v, f32x4Splat(f32Load(addr(0)))),
    ...[1, 2, 3].map((lane) => set(v, f32x4ReplaceLane(get(v), lane, f32Load(addr(lane))))),
  );
  const windowLoop = (inner: Code): Code =>
    forLoop(kh, i32(0), get(K), i32(1), forLoop(kw, i32(0), get(K), i32(1), seq(setIdx, inner)));
  // Four windows ow..ow+3: strict > keeps the first maximum, as the body's scan does.
  const four = seq(
    set(kh, i32(0)),
    set(kw, i32(0)),
    setIdx,
    gather,
    set(best, get(v)),
    set(bestIdx, i32x4Add(i32x4Splat(get(idx)), get(laneOffsets))),
    windowLoop(
      seq(
        gather,
        set(m, f32x4Gt(get(v), get(best))),
        set(best, v128Bitselect(get(v), get(best), get(m))),
        set(bestIdx, v128Bitselect(i32x4Add(i32x4Splat(get(idx)), get(laneOffsets)), get(bestIdx), get(m))),
      ),
    ),
    v128Store(get(y), get(best)),
    v128Store(get(arg), get(bestIdx)),
    set(y, add(get(y), i32(16))),
    set(arg, add(get(arg), i32(16))),
  );
  const one = seq(
    set(kh, i32(0)),
    set(kw, i32(0)),
    setIdx,
    set(bestS, f32Load(addr(0))),
    set(at, get(idx)),
    windowLoop(
      seq(
        set(vS, f32Load(addr(0))),
        ifThen(f32Gt(get(vS), get(bestS)), seq(set(bestS, get(vS)), set(at, get(idx)))),
      ),
    ),
    f32Store(get(y), get(bestS)),
    i32Store(get(arg), get(at)),
    set(y, add(get(y), i32(4))),
    set(arg, add(get(arg), i32(4))),
  );
  const body = seq(
    set(laneOffsets, i32x4Splat(i32(0))),
    ...[1, 2, 3].map((lane) =>
      set(laneOffsets, i32x4ReplaceLane(get(laneOffsets), lane, mul(get(S), i32(lane)))),
    ),
    forLoop(
      plane,
      i32(0),
      get(planes),
      i32(1),
      seq(
        set(p, add(get(x), mul(mul(get(plane), mul(get(H), get(W))), i32(4)))),
        forLoop(
          oh,
          i32(0),
          get(OH),
          i32(1),
          seq(
            set(ow, i32(0)),
            forLoop(ow, i32(0), sub(get(OW), i32(3)), i32(4), four),
            // forLoop leaves ow at the first window not done in fours.
            forLoop(ow, get(ow), get(OW), i32(1), one),
          ),
        ),
      ),
    ),
  );
  return { name: 'poolArgMax', params, locals: l.types, body };
}
