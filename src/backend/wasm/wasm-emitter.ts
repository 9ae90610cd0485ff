/**
 * A minimal WebAssembly binary encoder: just what the SGEMM module needs (i32/f32/v128 locals, loads and
 * stores, structured loops, calls, one exported memory). Instructions are plain byte arrays (`Code`) built
 * by small functions, so a kernel reads like the stack code it emits and loops can be unrolled in
 * TypeScript. Encodings follow the WebAssembly 2.0 core spec (binary format, chapter 5) and the fixed-width
 * SIMD proposal (prefix 0xFD); nothing here depends on a toolchain.
 */

/** Emitted instruction bytes. */
export type Code = readonly number[];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
/** A value type byte. */
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8(s: string): number[] {
  const bytes = Array.from(Buffer.from(s, 'utf8'));
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: readonly number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Concatenates instruction sequences. */
export function seq(...parts: Code[]): Code {
  return parts.flat();
}

// ---- locals and constants -------------------------------------------------------------------------------
/** local.get */
export const get = (l: number): Code => [0x20, ...uleb(l)];
/** local.set of the value `v` leaves on the stack. */
export const set = (l: number, v: Code): Code => [...v, 0x21, ...uleb(l)];
/** i32.const */
export const i32 = (n: number): Code => [0x41, ...sleb(n)];
/** f32.const */
export function f32c(x: number): Code {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return [0x43, ...b];
}

// ---- i32 arithmetic and comparisons ----------------------------------------------------------------------
const bin =
  (op: number) =>
  (a: Code, b: Code): Code => [...a, ...b, op];
export const add = bin(0x6a);
export const sub = bin(0x6b);
export const mul = bin(0x6c);
export const divS = bin(0x6d);
export const ltS = bin(0x48);
export const ltU = bin(0x49);
export const geS = bin(0x4e);
export const gtS = bin(0x4a);
export const leS = bin(0x4c);
export const eq = bin(0x46);
export const and = bin(0x71);
export const or = bin(0x72);
/** i32.eqz */
export const eqz = (a: Code): Code => [...a, 0x45];
/** a < b ? a : b on signed i32, via select (a and b are evaluated once each). */
export const minS = (a: Code, b: Code, ta: number, tb: number): Code =>
  seq(set(ta, a), set(tb, b), get(ta), get(tb), ltS(get(ta), get(tb)), [0x1b]);

// ---- memory (addresses are byte offsets; the memarg offset is 0 unless given) ---------------------------
const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];
/** f32.load */
export const f32Load = (addr: Code, offset = 0): Code => [...addr, 0x2a, ...memarg(2, offset)];
/** f32.store */
export const f32Store = (addr: Code, v: Code, offset = 0): Code => [
  ...addr,
  ...v,
  0x38,
  ...memarg(2, offset),
];
export const f32Add = bin(0x92);
export const f32Mul = bin(0x94);

// ---- SIMD ---------------------------------------------------------------------------------------------
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** v128.load (unaligned is allowed; the alignment hint is 1 byte). */
export const v128Load = (addr: Code, offset = 0): Code => [...addr, ...simd(0x00), ...memarg(0, offset)];
/** v128.load32_splat: one f32 broadcast to all four lanes. */
export const v128Load32Splat = (addr: Code, offset = 0): Code => [
  ...addr,
  ...simd(0x09),
  ...memarg(0, offset),
];
/** v128.store */
export const v128Store = (addr: Code, v: Code, offset = 0): Code => [
  ...addr,
  ...v,
  ...simd(0x0b),
  ...memarg(0, offset),
];
/** f32x4.splat of an f32 value. */
export const f32x4Splat = (v: Code): Code => [...v, ...simd(0x13)];
/** f32x4.add */
export const f32x4Add = (a: Code, b: Code): Code => [...a, ...b, ...simd(0xe4)];
/** f32x4.mul */
export const f32x4Mul = (a: Code, b: Code): Code => [...a, ...b, ...simd(0xe6)];
/** i8x16.shuffle of two vectors by f32 lanes: lanes 0–3 pick from a, 4–7 from b. */
export const f32x4Shuffle = (a: Code, b: Code, lanes: readonly number[]): Code => [
  ...a,
  ...b,
  ...simd(0x0d),
  ...lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]),
];
/** f32x4.gt: lanes all-ones where a > b (false for NaN). */
export const f32x4Gt = (a: Code, b: Code): Code => [...a, ...b, ...simd(0x44)];
/** v128.and */
export const v128And = (a: Code, b: Code): Code => [...a, ...b, ...simd(0x4e)];
/** v128.bitselect(a, b, mask): bits of a where mask is 1, of b elsewhere. */
export const v128Bitselect = (a: Code, b: Code, mask: Code): Code => [...a, ...b, ...mask, ...simd(0x52)];
/** f32x4.replace_lane */
export const f32x4ReplaceLane = (v: Code, lane: number, x: Code): Code => [...v, ...x, ...simd(0x20), lane];
/** i32x4.splat */
export const i32x4Splat = (v: Code): Code => [...v, ...simd(0x11)];
/** i32x4.replace_lane */
export const i32x4ReplaceLane = (v: Code, lane: number, x: Code): Code => [...v, ...x, ...simd(0x1c), lane];
/** i32x4.add */
export const i32x4Add = (a: Code, b: Code): Code => [...a, ...b, ...simd(0xae)];
/** f32x4 of 0.0 (v128.const of zero bytes). */
export const v128Zero: Code = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** f32.gt */
export const f32Gt = bin(0x5e);
/** i32.store */
export const i32Store = (addr: Code, v: Code, offset = 0): Code => [
  ...addr,
  ...v,
  0x36,
  ...memarg(2, offset),
];

/** The SIMD opcodes above, for tests that check a function really computes with f32x4. */
export const SIMD_OPS = { load: 0x00, load32Splat: 0x09, store: 0x0b, f32x4Add: 0xe4, f32x4Mul: 0xe6 };

// ---- bulk memory ---------------------------------------------------------------------------------------
/** memory.fill(dst, byte, length) */
export const memoryFill = (dst: Code, byte: Code, length: Code): Code => [
  ...dst,
  ...byte,
  ...length,
  0xfc,
  ...uleb(11),
  0x00,
];

// ---- control -------------------------------------------------------------------------------------------
/** if (cond) then [else otherwise], no result value. */
export const ifThen = (cond: Code, then: Code, otherwise?: Code): Code =>
  otherwise ? [...cond, 0x04, 0x40, ...then, 0x05, ...otherwise, 0x0b] : [...cond, 0x04, 0x40, ...then, 0x0b];
/** call function index `f` with the arguments already in `args`. */
export const call = (f: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb(f)];

/**
 * for (l = start; l < end; l += step) body — the bound `end` is re-evaluated each iteration, so pass a
 * local or a constant. Emitted as block { loop { br_if exit (l ≥ end); body; l += step; br loop } }.
 */
export function forLoop(l: number, start: Code, end: Code, step: Code, body: Code): Code {
  return seq(
    set(l, start),
    [0x02, 0x40, 0x03, 0x40],
    geS(get(l), end),
    [0x0d, 0x01],
    body,
    set(l, add(get(l), step)),
    [0x0c, 0x00, 0x0b, 0x0b],
  );
}

/** while (cond) body — emitted as block { loop { br_if exit (!cond); body; br loop } }. */
export function whileLoop(cond: Code, body: Code): Code {
  return seq([0x02, 0x40, 0x03, 0x40], eqz(cond), [0x0d, 0x01], body, [0x0c, 0x00, 0x0b, 0x0b]);
}

/** Allocates a function's locals after its parameters. */
export class Locals {
  readonly types: ValType[] = [];
  constructor(private readonly paramCount: number) {}

  /** A new local of type `t`; returns its index. */
  add(t: ValType): number {
    this.types.push(t);
    return this.paramCount + this.types.length - 1;
  }
}

/** One function of a module. */
export interface FuncDef {
  /** Export name. */
  readonly name: string;
  readonly params: readonly ValType[];
  /** Extra locals after the parameters. */
  readonly locals: readonly ValType[];
  readonly body: Code;
}

/** Encodes a module of functions (all exported, void results) and one exported memory `memory`. */
export function encodeModule(funcs: readonly FuncDef[], memoryPages: number): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0x00]);
  const funcIndices = funcs.map((_, i) => uleb(i));
  const memory = [0x00, ...uleb(memoryPages)];
  const exports = [
    ...funcs.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]),
    [...utf8('memory'), 0x02, 0x00],
  ];
  const bodies = funcs.map((f) => {
    const locals = vec(f.locals.map((t) => [0x01, t]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(funcIndices)),
    ...section(5, vec([memory])),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
