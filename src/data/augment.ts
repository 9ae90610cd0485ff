/**
 * Live data augmentation: random crops, pad-and-crop jitter and horizontal flips of [C, H, W] samples.
 *
 * Conventions:
 * - Work happens on a virtual zero-padded image of (H + 2·pad) × (W + 2·pad). The output window is
 *   crop × crop when `crop > 0`, else H × W. Its top-left corner (offsetY, offsetX) is drawn uniformly
 *   from 0..(H + 2·pad − outH) and 0..(W + 2·pad − outW), both ends inclusive, in padded coordinates.
 * - A flip reverses the W axis of the output window, for every channel:
 *   out[c, y, x] = padded[c, offsetY + y, offsetX + (flip ? outW − 1 − x : x)].
 * - A sample's choices come only from `new Rng(seed, RngStream.augment, epoch, sampleIndex)`, always drawn
 *   in the order offsetY, offsetX, flip (all three, whatever the spec enables). So the same sample in the same
 *   epoch is augmented identically on any worker, in any shard, in any order, and switching flip on or off
 *   leaves the crop offsets unchanged.
 * - Evaluation uses `centerCrop`: offsets ⌊(H − outH)/2⌋, ⌊(W − outW)/2⌋ in unpadded coordinates, no flip,
 *   so padding never shows at evaluation time.
 */
import { GradpoolError, specError } from '../shared/errors';
import { Rng, RngStream } from '../shared/rng';
import { asObject, bool, describe, nonNegativeInt, onlyKeys } from '../shared/validate';

/** What to do to each training sample (defaults: no crop, no pad, no flip). */
export interface AugmentSpec {
  /** Side of the square random crop, in pixels; 0 = no crop (the window is H × W). */
  readonly crop: number;
  /** Zero padding added on every side before cropping, in pixels; 0 = none. */
  readonly pad: number;
  /** Flip horizontally (reverse the W axis) with probability 1/2. */
  readonly flip: boolean;
}

/** The spec that changes nothing. */
export const NO_AUGMENT: AugmentSpec = Object.freeze({ crop: 0, pad: 0, flip: false });

/** The random choices for one sample, in padded coordinates (see the module comment). */
export interface AugmentChoices {
  /** Row of the window's top-left corner in the padded image. */
  readonly offsetY: number;
  /** Column of the window's top-left corner in the padded image. */
  readonly offsetX: number;
  /** Whether the window is reversed along W. */
  readonly flip: boolean;
}

/** The keys that seed each row's choices: row i uses (seed, epoch, sampleIndices[i]). */
export interface AugmentKeys {
  /** The job seed. */
  readonly seed: number;
  /** Epoch number (any fixed convention; the trainer counts from 0). */
  readonly epoch: number;
  /** Dataset index of each row of the batch (its index in the full dataset, not in the batch). */
  readonly sampleIndices: ArrayLike<number>;
}

/**
 * Parses `augment: { crop, pad, flip }` (every key optional; `undefined` or `null` means no augmentation).
 * With `sampleShape`, also checks that the spec fits it (see `checkAugmentShape`).
 */
export function parseAugment(raw: unknown, field: string, sampleShape?: readonly number[]): AugmentSpec {
  if (raw === undefined || raw === null) return NO_AUGMENT;
  const obj = asObject(raw, field);
  onlyKeys(obj, ['crop', 'pad', 'flip'], field);
  const spec: AugmentSpec = Object.freeze({
    crop: obj.crop === undefined ? 0 : nonNegativeInt(obj.crop, `${field}.crop`),
    pad: obj.pad === undefined ? 0 : nonNegativeInt(obj.pad, `${field}.pad`),
    flip: obj.flip === undefined ? false : bool(obj.flip, `${field}.flip`),
  });
  if (sampleShape !== undefined) checkAugmentShape(spec, sampleShape, field);
  return spec;
}

/** Whether the spec changes nothing. */
export function isIdentity(spec: AugmentSpec): boolean {
  return spec.crop === 0 && spec.pad === 0 && !spec.flip;
}

/**
 * Checks that `spec` can apply to samples of `sampleShape`: any non-identity spec needs [C, H, W], a crop
 * must fit (crop ≤ H and crop ≤ W), and a pad may be at most min(H, W). Throws E_BAD_SPEC naming `field`.
 */
export function checkAugmentShape(spec: AugmentSpec, sampleShape: readonly number[], field: string): void {
  if (isIdentity(spec)) return;
  if (sampleShape.length !== 3) {
    throw specError(
      field,
      `crop, pad and flip need image samples of shape [C, H, W], got [${sampleShape.join(', ')}]`,
    );
  }
  const [, h, w] = sampleShape;
  if (spec.crop > h || spec.crop > w) {
    throw specError(`${field}.crop`, `must be at most the image size ${h}×${w}, got ${spec.crop}`);
  }
  if (spec.pad > Math.min(h, w)) {
    throw specError(`${field}.pad`, `must be at most the image side ${Math.min(h, w)}, got ${spec.pad}`);
  }
}

/** Shape of one augmented sample: [C, crop, crop] when cropping, else `sampleShape` unchanged. */
export function augmentedShape(spec: AugmentSpec, sampleShape: readonly number[]): number[] {
  if (spec.crop === 0) return [...sampleShape];
  return [sampleShape[0], spec.crop, spec.crop];
}

/** The random choices for sample `sampleIndex` in `epoch`; a pure function of its arguments. */
export function augmentChoices(
  spec: AugmentSpec,
  sampleShape: readonly number[],
  seed: number,
  epoch: number,
  sampleIndex: number,
): AugmentChoices {
  const g = geometry(spec, sampleShape);
  const rng = new Rng(seed, RngStream.augment, epoch, sampleIndex);
  const offsetY = rng.int(g.ph - g.outH + 1);
  const offsetX = rng.int(g.pw - g.outW + 1);
  const flip = rng.int(2) === 1;
  return { offsetY, offsetX, flip: spec.flip && flip };
}

/**
 * Augments a batch: row i of `x` (a sample of `sampleShape`) becomes row i of the result (a sample of
 * `augmentedShape`), with choices keyed by (keys.seed, keys.epoch, keys.sampleIndices[i]).
 * Writes into `out` when given (it must hold exactly n · outSize values) and returns it.
 */
export function augmentBatch(
  spec: AugmentSpec,
  x: ArrayLike<number>,
  sampleShape: readonly number[],
  keys: AugmentKeys,
): Float32Array;
export function augmentBatch<T extends Float32Array | Float64Array>(
  spec: AugmentSpec,
  x: ArrayLike<number>,
  sampleShape: readonly number[],
  keys: AugmentKeys,
  out: T,
): T;
export function augmentBatch(
  spec: AugmentSpec,
  x: ArrayLike<number>,
  sampleShape: readonly number[],
  keys: AugmentKeys,
  out?: Float32Array | Float64Array,
): Float32Array | Float64Array {
  checkKey(keys.seed, 'seed');
  checkKey(keys.epoch, 'epoch');
  const n = keys.sampleIndices.length;
  const g = geometry(spec, sampleShape);
  const result = prepare(x, n, g, out);
  for (let i = 0; i < n; i++) {
    const sampleIndex = keys.sampleIndices[i];
    checkKey(sampleIndex, `sampleIndices[${i}]`);
    const choices = augmentChoices(spec, sampleShape, keys.seed, keys.epoch, sampleIndex);
    copyWindow(x, i, result, g, choices);
  }
  return result;
}

/**
 * The evaluation-time counterpart of `augmentBatch`: the centre window of each row (offsets
 * ⌊(H − outH)/2⌋, ⌊(W − outW)/2⌋ of the unpadded image), never flipped. Pad-only specs return the
 * images unchanged.
 */
export function centerCrop(
  spec: AugmentSpec,
  x: ArrayLike<number>,
  sampleShape: readonly number[],
  out?: Float32Array | Float64Array,
): Float32Array | Float64Array {
  const g = geometry(spec, sampleShape);
  const n = g.inSize === 0 ? 0 : Math.floor(x.length / g.inSize);
  const result = prepare(x, n, g, out);
  const choices: AugmentChoices = {
    offsetY: spec.pad + Math.floor((g.h - g.outH) / 2),
    offsetX: spec.pad + Math.floor((g.w - g.outW) / 2),
    flip: false,
  };
  for (let i = 0; i < n; i++) copyWindow(x, i, result, g, choices);
  return result;
}

/** Sizes derived from a spec and a sample shape. */
interface Geometry {
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly pad: number;
  /** Padded height and width. */
  readonly ph: number;
  readonly pw: number;
  readonly outH: number;
  readonly outW: number;
  readonly inSize: number;
  readonly outSize: number;
}

function geometry(spec: AugmentSpec, sampleShape: readonly number[]): Geometry {
  checkAugmentShape(spec, sampleShape, 'augment');
  // An identity spec on a non-image shape: treat each sample as one flat row.
  const [c, h, w] = sampleShape.length === 3 ? sampleShape : [1, 1, sampleShape.reduce((a, b) => a * b, 1)];
  const outH = spec.crop > 0 ? spec.crop : h;
  const outW = spec.crop > 0 ? spec.crop : w;
  return {
    c,
    h,
    w,
    pad: spec.pad,
    ph: h + 2 * spec.pad,
    pw: w + 2 * spec.pad,
    outH,
    outW,
    inSize: c * h * w,
    outSize: c * outH * outW,
  };
}

function prepare(
  x: ArrayLike<number>,
  n: number,
  g: Geometry,
  out: Float32Array | Float64Array | undefined,
): Float32Array | Float64Array {
  if (x.length !== n * g.inSize) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `augment: x must hold ${n} samples of ${g.inSize} values (${n * g.inSize}), got ${x.length}`,
    );
  }
  if (out === undefined) return new Float32Array(n * g.outSize);
  if (out.length !== n * g.outSize) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `augment: out must hold ${n} samples of ${g.outSize} values (${n * g.outSize}), got ${out.length}`,
    );
  }
  return out;
}

/** out[row, c, y, x] = padded[row, c, offsetY + y, offsetX + (flip ? outW − 1 − x : x)]; padding is 0. */
function copyWindow(
  x: ArrayLike<number>,
  row: number,
  out: Float32Array | Float64Array,
  g: Geometry,
  ch: AugmentChoices,
): void {
  const inBase = row * g.inSize;
  let o = row * g.outSize;
  for (let c = 0; c < g.c; c++) {
    const plane = inBase + c * g.h * g.w;
    for (let y = 0; y < g.outH; y++) {
      const sy = ch.offsetY + y - g.pad;
      const rowOk = sy >= 0 && sy < g.h;
      for (let xo = 0; xo < g.outW; xo++) {
        const sx = ch.offsetX + (ch.flip ? g.outW - 1 - xo : xo) - g.pad;
        out[o++] = rowOk && sx >= 0 && sx < g.w ? x[plane + sy * g.w + sx] : 0;
      }
    }
  }
}

function checkKey(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GradpoolError(
      'E_BAD_ARGS',
      `augment: ${name} must be a non-negative integer, got ${describe(value)}`,
    );
  }
}
