import * as assert from 'node:assert/strict';
import { initParams, initScale } from '../../../src/model/init';
import { Sequential } from '../../../src/model/sequential';
import { parseModelSpec } from '../../../src/model/spec';

function net(init: unknown, biasInit?: number): Sequential {
  return Sequential.fromSpec(
    parseModelSpec({
      input: [3, 16, 16],
      layers: [
        { conv: { filters: 16, size: 5, pad: 2 } },
        'relu',
        { pool: 2 },
        { affine: 200 },
        'relu',
        { affine: 10 },
      ],
      loss: 'softmax',
      init,
      biasInit,
    }),
  );
}

function stats(a: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / a.length) };
}

const f64 = (n: number) => new Float64Array(n);

describe('initParams', () => {
  for (const [init, scale] of [
    ['he', (fanIn: number) => Math.sqrt(2 / fanIn)],
    ['xavier', (fanIn: number) => Math.sqrt(1 / fanIn)],
    [{ gaussian: 0.01 }, () => 0.01],
  ] as const) {
    it(`draws ${JSON.stringify(init)} weights with mean 0 and the right std, per layer fan-in`, () => {
      const n = net(init);
      const params = initParams(n, 7, f64);
      n.params.forEach((info, i) => {
        if (info.kind !== 'weight') return;
        const s = stats(params[i]);
        const expected = scale(info.fanIn);
        assert.equal(initScale(n.spec.init, info.fanIn), expected);
        // fc1 has 1024·200 samples; conv1 only 16·75 = 1200 (std error ≈ 2%), so allow 6% there.
        const tol = params[i].length > 10000 ? 0.02 : 0.06;
        assert.ok(Math.abs(s.std / expected - 1) < tol, `${info.name}: std ${s.std}, expected ${expected}`);
        assert.ok(
          Math.abs(s.mean) < (4 * expected) / Math.sqrt(params[i].length),
          `${info.name}: mean ${s.mean}`,
        );
      });
    });
  }

  it('uses fan-in C·KH·KW for conv and D_in for affine', () => {
    assert.deepEqual(
      net('he').params.map((p) => [p.name, p.fanIn]),
      [
        ['conv1.weight', 75],
        ['conv1.bias', 75],
        ['fc1.weight', 1024],
        ['fc1.bias', 1024],
        ['fc2.weight', 200],
        ['fc2.bias', 200],
      ],
    );
  });

  it('sets every bias to biasInit (default 0)', () => {
    for (const [biasInit, expected] of [
      [undefined, 0],
      [0.1, 0.1],
    ] as const) {
      const n = net('he', biasInit);
      const params = initParams(n, 1, f64);
      n.params.forEach((info, i) => {
        if (info.kind === 'bias')
          assert.ok(
            params[i].every((v) => v === expected),
            info.name,
          );
      });
    }
  });

  it('is deterministic in the seed and independent of dtype up to float32 rounding', () => {
    const n = net('he');
    const a = initParams(n, 42, f64);
    const b = initParams(n, 42, f64);
    const c = initParams(n, 43, f64);
    const d = initParams(n, 42, (k) => new Float32Array(k));
    a.forEach((p, i) => {
      assert.deepEqual(Array.from(b[i]), Array.from(p));
      assert.ok(d[i] instanceof Float32Array);
      assert.deepEqual(Array.from(d[i]), Array.from(p, Math.fround));
      if (n.params[i].kind === 'weight') assert.notDeepEqual(Array.from(c[i]), Array.from(p));
    });
  });

  it("draws each parameter from its own stream, so one layer's values do not depend on another's size", () => {
    const small = Sequential.fromSpec(
      parseModelSpec({ input: [4], layers: [{ affine: 3 }, 'relu', { affine: 2 }], loss: 'svm' }),
    );
    const wide = Sequential.fromSpec(
      parseModelSpec({ input: [9], layers: [{ affine: 3 }, 'relu', { affine: 2 }], loss: 'svm' }),
    );
    // fc2.weight is param 2 in both and has the same shape and fan-in.
    assert.deepEqual(Array.from(initParams(small, 5, f64)[2]), Array.from(initParams(wide, 5, f64)[2]));
  });
});
