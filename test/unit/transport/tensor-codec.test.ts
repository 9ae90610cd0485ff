import { strict as assert } from 'node:assert';
import { GradpoolError } from '../../../src/shared/errors';
import { protos } from '../../../src/transport/proto';
import {
  decodeTensor,
  decodeTensorInto,
  encodeTensor,
  encodeTensorView,
} from '../../../src/transport/tensor-codec';

/** Asserts that `fn` throws GradpoolError E_BAD_DATA with a message matching `pattern`. */
function badData(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GradpoolError, `expected a GradpoolError, got ${e}`);
    assert.equal(e.code, 'E_BAD_DATA');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('tensor codec', () => {
  it('encodes float32 little-endian, row-major, with the shape', () => {
    const t = encodeTensor([2, 2], Float32Array.of(1, -2, 0.5, 3));
    assert.deepEqual(t.shape, [2, 2]);
    assert.equal(t.data.byteLength, 16);
    assert.equal(t.data.readFloatLE(0), 1);
    assert.equal(t.data.readFloatLE(4), -2);
    assert.equal(t.data.readFloatLE(8), 0.5);
    assert.equal(t.data.readFloatLE(12), 3);
  });

  it('round-trips float32 values bit for bit, and rounds float64 to float32', () => {
    const values = Float32Array.of(Math.PI, -1e-30, 3.4e38, 0, -0, 1 / 3);
    const back = decodeTensor(encodeTensor([6], values)).data;
    assert.deepEqual(Buffer.from(back.buffer), Buffer.from(values.buffer));
    const wide = Float64Array.of(Math.PI, 1 / 3);
    assert.deepEqual(decodeTensor(encodeTensor([2], wide)).data, Float32Array.from(wide));
  });

  it('decodes a buffer at an odd byte offset by copying it', () => {
    const values = Float32Array.of(1.5, -2.25, 7, 1e-3, 42);
    const backing = Buffer.alloc(values.length * 4 + 3);
    for (let i = 0; i < values.length; i++) backing.writeFloatLE(values[i], 3 + i * 4);
    const odd = backing.subarray(3);
    assert.equal(odd.byteOffset % 4, 3);
    const { shape, data } = decodeTensor({ shape: [5], data: odd });
    assert.deepEqual(shape, [5]);
    assert.deepEqual(data, values);
    backing.fill(0);
    assert.deepEqual(data, values, 'the decoded tensor owns its memory');
  });

  it('decodes tensors that protobuf decoding left at unaligned offsets inside a message', () => {
    const method = protos().workerPlane.Connect;
    const values = Float32Array.of(0.25, -8, 3.5);
    let misaligned = false;
    // Vary the id length so the bytes field lands at every offset modulo 4.
    for (const jobId of ['j', 'jo', 'job', 'job1']) {
      const wire = method.responseSerialize({
        params: { jobId, version: 3, values: [encodeTensor([3], values)] },
      });
      const msg = method.responseDeserialize(wire);
      const tensor = msg.params?.values[0];
      assert.ok(tensor);
      misaligned ||= tensor.data.byteOffset % 4 !== 0;
      assert.deepEqual(decodeTensor(tensor, [3]).data, values);
    }
    assert.ok(misaligned, 'at least one decoded bytes field should sit at an unaligned offset');
  });

  it('decodes into another element type through alloc (float64 for the reference backend)', () => {
    const values = Float32Array.of(0.1, 0.2, 0.3);
    const { data } = decodeTensorInto(encodeTensor([3], values), (n) => new Float64Array(n));
    assert.ok(data instanceof Float64Array);
    assert.deepEqual(Array.from(data), Array.from(values));
  });

  it('rejects a byte length that does not match the shape, naming both', () => {
    badData(
      () => decodeTensor({ shape: [2, 3], data: Buffer.alloc(20) }),
      /\[2, 3\] needs 24 bytes .* has 20/,
    );
    badData(() => decodeTensor({ shape: [4], data: Buffer.alloc(15) }), /needs 16 bytes .* has 15/);
    badData(() => decodeTensor({ shape: [], data: Buffer.alloc(0) }), /needs 4 bytes/);
  });

  it('rejects negative or fractional dimensions', () => {
    badData(() => decodeTensor({ shape: [2, -1], data: Buffer.alloc(0) }), /shape\[1\] .* got -1/);
    badData(() => decodeTensor({ shape: [1.5], data: Buffer.alloc(4) }), /shape\[0\] .* got 1.5/);
  });

  it('rejects a shape other than the expected one', () => {
    const t = encodeTensor([2, 3], new Float32Array(6));
    badData(
      () => decodeTensor(t, [3, 2], { what: 'fc1.weight' }),
      /fc1.weight: expected shape \[3, 2\], got \[2, 3\]/,
    );
    badData(() => decodeTensor(t, [6]), /expected shape \[6\]/);
  });

  it('rejects NaN and infinities when asked for finite values, and reports where', () => {
    const t = encodeTensor([4], Float32Array.of(1, 2, NaN, 4));
    assert.ok(Number.isNaN(decodeTensor(t).data[2]), 'finiteness is not checked by default');
    badData(
      () => decodeTensor(t, undefined, { finite: true, what: 'grads[0]' }),
      /grads\[0\]: element 2 is NaN/,
    );
    const inf = encodeTensor([2], Float64Array.of(1, 1e300));
    badData(() => decodeTensor(inf, [2], { finite: true }), /element 1 is Infinity/);
  });

  it('rejects a missing tensor, and an encode whose data does not match its shape', () => {
    badData(() => decodeTensor(undefined, undefined, { what: 'params[0]' }), /params\[0\] is missing/);
    badData(() => encodeTensor([2, 2], new Float32Array(3)), /4 elements but the data has 3/);
  });

  it('accepts empty tensors', () => {
    const t = encodeTensor([0, 5], new Float32Array(0));
    assert.deepEqual(decodeTensor(t, [0, 5]), { shape: [0, 5], data: new Float32Array(0) });
  });

  it('encodeTensorView gives the bytes of encodeTensor, as a view on float32 data and a copy of float64', () => {
    const backing = Float32Array.of(9, 1, -2, 0.5, 3, 9);
    const data = backing.subarray(1, 5);
    const view = encodeTensorView([2, 2], data);
    assert.deepEqual(view.shape, [2, 2]);
    assert.ok(view.data.equals(encodeTensor([2, 2], data).data));
    assert.deepEqual(decodeTensor(view, [2, 2]).data, Float32Array.of(1, -2, 0.5, 3));
    data[0] = 7; // a view: the bytes follow the array
    assert.equal(view.data.readFloatLE(0), 7);
    const wide = Float64Array.of(1, 2);
    const copy = encodeTensorView([2], wide);
    wide[0] = 5; // float64 is converted, so copied
    assert.deepEqual(decodeTensor(copy).data, Float32Array.of(1, 2));
    badData(() => encodeTensorView([3], data), /has 3 elements but the data has 4/);
  });
});
