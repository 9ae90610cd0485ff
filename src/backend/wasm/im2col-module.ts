/** im2col and col2im of sgemm.wasm: the data movement of the convolutions around the GEMM. */
import {
  I32,
  Locals,
  add,
  divS,
  eq,
  f32Add,
  f32Load,
  f32Store,
  f32c,
  f32x4Add,
  forLoop,
  get,
  i32,
  ifThen,
  leS,
  ltS,
  ltU,
  memoryFill,
  minS,
  mul,
  seq,
  set,
  sub,
  v128Load,
  v128Store,
  whileLoop,
  type Code,
  type FuncDef,
  type ValType,
} from './wasm-emitter';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * The im2col loop nest, shared by im2col (cols[row, oh·OW+ow] = x[c, ih, iw], 0 outside) and col2im
 * (dx[c, ih, iw] += cols[row, oh·OW+ow]), row = (c·KH + kh)·KW + kw, ih = oh·S − P + kh, iw = ow·S − P + kw.
 * Params: (x, C, H, W, KH, KW, S, P, OH, OW, cols), pointers in bytes; for col2im x is dx (zeroed first).
 * For each kw the output columns whose iw lies inside the image, [owLo, owHi), are found once; a row then
 * is zeros, a run (f32x4 copies or adds when S = 1, scalar otherwise), zeros, with no per-element test.
 */
export function colLoops(name: 'im2col' | 'col2im'): FuncDef {
  const params: ValType[] = range(11).map(() => I32);
  const [x, C, H, W, KH, KW, S, P, OH, OW, cols] = range(11);
  const l = new Locals(params.length);
  const [ch, kh, kw, oh, ow, ih, owLo, owHi, src, dst, n, i, t1, t2] = range(14).map(() => l.add(I32));
  const scatter = name === 'col2im';
  const zeros = (from: Code, to: Code): Code =>
    scatter ? [] : forLoop(ow, from, to, i32(1), f32Store(add(get(cols), mul(get(ow), i32(4))), f32c(0)));
  const vectorStep = scatter
    ? v128Store(get(src), f32x4Add(v128Load(get(src)), v128Load(get(dst))))
    : v128Store(get(dst), v128Load(get(src)));
  const scalarStep = scatter
    ? f32Store(get(src), f32Add(f32Load(get(src)), f32Load(get(dst))))
    : f32Store(get(dst), f32Load(get(src)));
  const run = seq(
    set(n, sub(get(owHi), get(owLo))),
    set(dst, add(get(cols), mul(get(owLo), i32(4)))),
    set(i, i32(0)),
    ifThen(
      eq(get(S), i32(1)),
      seq(
        whileLoop(
          leS(add(get(i), i32(4)), get(n)),
          seq(
            vectorStep,
            set(src, add(get(src), i32(16))),
            set(dst, add(get(dst), i32(16))),
            set(i, add(get(i), i32(4))),
          ),
        ),
      ),
    ),
    whileLoop(
      ltS(get(i), get(n)),
      seq(
        scalarStep,
        set(src, add(get(src), mul(get(S), i32(4)))),
        set(dst, add(get(dst), i32(4))),
        set(i, add(get(i), i32(1))),
      ),
    ),
  );
  const rowOfOutput = seq(
    set(ih, sub(add(mul(get(oh), get(S)), get(kh)), get(P))),
    ifThen(
      ltU(get(ih), get(H)),
      seq(
        // src = &x[c, ih, owLo·S − P + kw]
        set(
          src,
          add(
            get(x),
            mul(
              add(
                mul(add(mul(get(ch), get(H)), get(ih)), get(W)),
                sub(add(mul(get(owLo), get(S)), get(kw)), get(P)),
              ),
              i32(4),
            ),
          ),
        ),
        zeros(i32(0), get(owLo)),
        run,
        zeros(get(owHi), get(OW)),
      ),
      zeros(i32(0), get(OW)),
    ),
    set(cols, add(get(cols), mul(get(OW), i32(4)))),
  );
  // owLo = first ow with ow·S − P + kw ≥ 0; owHi = one past the last with ow·S − P + kw ≤ W − 1.
  const bounds = seq(
    set(t1, sub(get(P), get(kw))),
    ifThen(
      leS(get(t1), i32(0)),
      set(owLo, i32(0)),
      set(owLo, divS(sub(add(get(t1), get(S)), i32(1)), get(S))),
    ),
    set(owLo, minS(get(owLo), get(OW), t1, t2)),
    set(t1, sub(add(get(W), get(P)), add(get(kw), i32(1)))),
    ifThen(ltS(get(t1), i32(0)), set(owHi, i32(0)), set(owHi, add(divS(get(t1), get(S)), i32(1)))),
    set(owHi, minS(get(owHi), get(OW), t1, t2)),
    ifThen(ltS(get(owHi), get(owLo)), set(owHi, get(owLo))),
  );
  const body = seq(
    scatter ? memoryFill(get(x), i32(0), mul(mul(mul(get(C), get(H)), get(W)), i32(4))) : [],
    forLoop(
      ch,
      i32(0),
      get(C),
      i32(1),
      forLoop(
        kh,
        i32(0),
        get(KH),
        i32(1),
        forLoop(kw, i32(0), get(KW), i32(1), seq(bounds, forLoop(oh, i32(0), get(OH), i32(1), rowOfOutput))),
      ),
    ),
  );
  return { name, params, locals: l.types, body };
}
