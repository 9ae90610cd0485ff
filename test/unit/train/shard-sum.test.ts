import { strict as assert } from 'node:assert';
import { sumShardsInto } from '../../../src/train/shard-sum';
import { Rng, RngStream } from '../../../src/shared/rng';

/** The reduction as the trainer wrote it before: one pass per shard, then one division pass. */
function naive(
  g: Float32Array | Float64Array,
  sources: readonly (Float32Array | Float64Array)[],
  count: number,
) {
  g.fill(0);
  for (const s of sources) for (let j = 0; j < g.length; j++) g[j] += s[j];
  for (let j = 0; j < g.length; j++) g[j] /= count;
}

/** Values that stress rounding: wide exponents, signed zeros, infinities and NaN. */
function values(rng: Rng, n: number, make: (n: number) => Float32Array | Float64Array) {
  const a = make(n);
  const special = [0, -0, Infinity, -Infinity, NaN, 3.4e38, -3.4e38, 1e-45];
  for (let j = 0; j < n; j++) {
    const u = rng.uniform();
    a[j] =
      u < 0.05
        ? special[Math.floor(rng.uniform() * special.length)]
        : (rng.uniform() - 0.5) * 10 ** (u * 12 - 6);
  }
  return a;
}

describe('sumShardsInto (the trainer reduction of shard sums)', () => {
  for (const [name, make] of [
    ['float32', (n: number) => new Float32Array(n)],
    ['float64', (n: number) => new Float64Array(n)],
  ] as const) {
    it(`is bit for bit the per-shard loops then the division, ${name}, 1 to 6 shards`, () => {
      const rng = new Rng(11, RngStream.init, 0, 0, 0);
      for (let k = 1; k <= 6; k++) {
        for (const n of [1, 7, 1000]) {
          const sources = Array.from({ length: k }, () => values(rng, n, make));
          const want = make(n);
          naive(want, sources, 100);
          const got = make(n);
          got.fill(123); // whatever g held before is overwritten
          sumShardsInto(got, sources, 100);
          for (let j = 0; j < n; j++) {
            assert.ok(Object.is(got[j], want[j]), `k=${k} n=${n} j=${j}: ${got[j]} != ${want[j]}`);
          }
        }
      }
    });
  }

  it('rounds every addition to float32 (differs from summing in float64 and rounding once)', () => {
    const a = Float32Array.of(1);
    const b = Float32Array.of(2 ** -24);
    const g = new Float32Array(1);
    sumShardsInto(g, [a, b, b], 1);
    // float32: (1 + 2^-24) rounds to 1 twice; float64 would give 1 + 2^-23, which is a float32 value.
    assert.equal(g[0], 1);
  });

  it('refuses a shard sum of the wrong length', () => {
    assert.throws(
      () => sumShardsInto(new Float32Array(3), [new Float32Array(3), new Float32Array(2)], 1),
      /a shard sum has 2 values, expected 3/,
    );
  });
});
