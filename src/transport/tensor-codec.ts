/**
 * The only way tensors cross the wire: float32, little-endian, row-major bytes with an explicit shape
 * (gradpool.v1.Tensor). Decoding copies, because a received `bytes` field may sit at a byte offset that is
 * not a multiple of 4 (a Float32Array view on it would throw or, worse, be built on the wrong bytes), and
 * validates everything protobuf decoding does not: shape entries, byte length, finiteness.
 */
import * as os from 'node:os';
import type { Data } from '../../kernels/spec';
import { GradpoolError } from '../shared/errors';

/** A tensor as it goes into a message. */
export interface EncodedTensor {
  /** Dimensions, outermost first. */
  readonly shape: number[];
  /** float32, little-endian, row-major; shape product × 4 bytes. */
  readonly data: Buffer;
}

/** A tensor message as it comes out of the decoder (fields may be missing or wrong). */
export interface TensorMessage {
  readonly shape?: readonly number[] | null;
  readonly data?: Uint8Array | null;
}

/** A decoded tensor; `data` is a fresh copy that owns its memory. */
export interface DecodedTensor<D extends Data = Float32Array> {
  readonly shape: number[];
  readonly data: D;
}

/** Validation options of decodeTensor. */
export interface DecodeOptions {
  /** Reject NaN and ±Infinity (default false). */
  readonly finite?: boolean;
  /** What the tensor is, for error messages (default "tensor"), e.g. "params[3] (fc2.bias)". */
  readonly what?: string;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Product of the dimensions, after checking each is a non-negative integer. */
function elementCount(shape: readonly number[], what: string): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new GradpoolError('E_BAD_DATA', `${what}: shape[${i}] must be a non-negative integer, got ${d}`);
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) {
    throw new GradpoolError('E_BAD_DATA', `${what}: shape [${shape.join(', ')}] has too many elements`);
  }
  return n;
}

/** Encodes `data` (shape `shape`) as float32 little-endian bytes; float64 values are rounded to float32. */
export function encodeTensor(shape: readonly number[], data: Float32Array | Float64Array): EncodedTensor {
  const n = elementCount(shape, 'tensor');
  if (n !== data.length) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `tensor: shape [${shape.join(', ')}] has ${n} elements but the data has ${data.length}`,
    );
  }
  const bytes = Buffer.alloc(n * 4);
  if (LITTLE_ENDIAN) {
    new Float32Array(bytes.buffer, bytes.byteOffset, n).set(data);
  } else {
    for (let i = 0; i < n; i++) bytes.writeFloatLE(data[i], i * 4);
  }
  return { shape: [...shape], data: bytes };
}

/**
 * Like encodeTensor, but for float32 data on a little-endian machine the bytes are a view on `data`'s memory,
 * not a copy: for arrays that are not written again (a worker's fresh gradient sums), it saves allocating and
 * copying the bytes once more before protobuf copies them into the message.
 */
export function encodeTensorView(shape: readonly number[], data: Float32Array | Float64Array): EncodedTensor {
  if (!LITTLE_ENDIAN || !(data instanceof Float32Array)) return encodeTensor(shape, data);
  const n = elementCount(shape, 'tensor');
  if (n !== data.length) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `tensor: shape [${shape.join(', ')}] has ${n} elements but the data has ${data.length}`,
    );
  }
  return { shape: [...shape], data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Decodes a tensor message into a fresh Float32Array, checking its shape against `expectedShape` when
 * given. Throws GradpoolError E_BAD_DATA naming the problem.
 */
export function decodeTensor(
  msg: TensorMessage | null | undefined,
  expectedShape?: readonly number[],
  options: DecodeOptions = {},
): DecodedTensor {
  return decodeTensorInto(msg, (n) => new Float32Array(n), expectedShape, options);
}

/**
 * Like decodeTensor, but copies the values into an array from `alloc` (a backend's element type, say
 * Float64Array; float32 values widen exactly).
 */
export function decodeTensorInto<D extends Data>(
  msg: TensorMessage | null | undefined,
  alloc: (length: number) => D,
  expectedShape?: readonly number[],
  options: DecodeOptions = {},
): DecodedTensor<D> {
  const what = options.what ?? 'tensor';
  if (msg === null || msg === undefined) throw new GradpoolError('E_BAD_DATA', `${what} is missing`);
  const shape = [...(msg.shape ?? [])];
  const bytes = msg.data ?? new Uint8Array(0);
  const n = elementCount(shape, what);
  if (n * 4 !== bytes.byteLength) {
    throw new GradpoolError(
      'E_BAD_DATA',
      `${what}: shape [${shape.join(', ')}] needs ${n * 4} bytes (${n} float32) but the data has ${bytes.byteLength}`,
    );
  }
  if (expectedShape !== undefined) {
    const same = expectedShape.length === shape.length && expectedShape.every((d, i) => d === shape[i]);
    if (!same) {
      throw new GradpoolError(
        'E_BAD_DATA',
        `${what}: expected shape [${expectedShape.join(', ')}], got [${shape.join(', ')}]`,
      );
    }
  }
  const out = alloc(n);
  if (out.length !== n) throw new GradpoolError('E_INTERNAL', `${what}: alloc(${n}) gave ${out.length}`);
  if (LITTLE_ENDIAN && out instanceof Float32Array) {
    new Uint8Array(out.buffer, out.byteOffset, n * 4).set(bytes);
  } else if (LITTLE_ENDIAN) {
    // Copy into fresh, aligned memory first; only then view it as float32.
    const aligned = new Uint8Array(n * 4);
    aligned.set(bytes);
    out.set(new Float32Array(aligned.buffer, 0, n));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  }
  if (options.finite) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(out[i])) {
        throw new GradpoolError('E_BAD_DATA', `${what}: element ${i} is ${out[i]}; values must be finite`);
      }
    }
  }
  return { shape, data: out };
}
