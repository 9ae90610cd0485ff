import { strict as assert } from 'node:assert';
import {
  augmentBatch,
  augmentChoices,
  augmentedShape,
  centerCrop,
  NO_AUGMENT,
  parseAugment,
  type AugmentSpec,
} from '../../../src/data/augment';
import { GradpoolError } from '../../../src/shared/errors';
import { Rng } from '../../../src/shared/rng';

/** A 1×4×4 image holding 0..15 row-major. */
const IMG = Float32Array.from({ length: 16 }, (_, i) => i);
const SHAPE_1X4X4 = [1, 4, 4] as const;

function spec(crop: number, pad: number, flip: boolean): AugmentSpec {
  return { crop, pad, flip };
}

function throwsSpec(fn: () => unknown, field: string): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof GradpoolError && e.code === 'E_BAD_SPEC' && e.field === field,
  );
}

/** n random [C, H, W] samples. */
function randomBatch(n: number, shape: readonly number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n * size }, () => rng.normal());
}

describe('augment', () => {
  describe('parseAugment', () => {
    it('fills defaults and treats a missing spec as no augmentation', () => {
      assert.deepEqual(parseAugment(undefined, 'data.augment'), NO_AUGMENT);
      assert.deepEqual(parseAugment({ crop: 24 }, 'data.augment'), { crop: 24, pad: 0, flip: false });
      assert.deepEqual(parseAugment({ pad: 4, flip: true }, 'data.augment', [3, 32, 32]), {
        crop: 0,
        pad: 4,
        flip: true,
      });
    });

    it('rejects bad values, naming the field', () => {
      throwsSpec(() => parseAugment([], 'data.augment'), 'data.augment');
      throwsSpec(() => parseAugment({ crop: -1 }, 'data.augment'), 'data.augment.crop');
      throwsSpec(() => parseAugment({ crop: 2.5 }, 'data.augment'), 'data.augment.crop');
      throwsSpec(() => parseAugment({ pad: -4 }, 'data.augment'), 'data.augment.pad');
      throwsSpec(() => parseAugment({ flip: 'yes' }, 'data.augment'), 'data.augment.flip');
      throwsSpec(() => parseAugment({ crpo: 24 }, 'data.augment'), 'data.augment.crpo');
    });

    it('rejects specs that do not fit the sample shape', () => {
      throwsSpec(() => parseAugment({ crop: 29 }, 'a', [1, 28, 28]), 'a.crop');
      throwsSpec(() => parseAugment({ crop: 20 }, 'a', [3, 32, 16]), 'a.crop');
      throwsSpec(() => parseAugment({ pad: 33 }, 'a', [3, 32, 32]), 'a.pad');
      throwsSpec(() => parseAugment({ flip: true }, 'a', [784]), 'a');
      assert.deepEqual(parseAugment({}, 'a', [784]), NO_AUGMENT);
    });
  });

  it('reports the augmented shape', () => {
    assert.deepEqual(augmentedShape(spec(24, 0, true), [1, 28, 28]), [1, 24, 24]);
    assert.deepEqual(augmentedShape(spec(0, 4, true), [3, 32, 32]), [3, 32, 32]);
  });

  it('crops a contiguous window at the chosen offsets', () => {
    const s = spec(2, 0, false);
    for (let idx = 0; idx < 20; idx++) {
      const { offsetY, offsetX, flip } = augmentChoices(s, SHAPE_1X4X4, 7, 0, idx);
      assert.equal(flip, false);
      const out = augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 7, epoch: 0, sampleIndices: [idx] });
      const tl = offsetY * 4 + offsetX;
      assert.deepEqual([...out], [tl, tl + 1, tl + 4, tl + 5]);
    }
  });

  it('flips by reversing columns in every channel', () => {
    // Two channels: 0..15 and 100..115; no crop, so the only choice is the flip.
    const x = Float32Array.from({ length: 32 }, (_, i) => (i < 16 ? i : 84 + i));
    const s = spec(0, 0, true);
    let flipped = 0;
    for (let idx = 0; idx < 16; idx++) {
      const out = augmentBatch(s, x, [2, 4, 4], { seed: 3, epoch: 1, sampleIndices: [idx] });
      if (!augmentChoices(s, [2, 4, 4], 3, 1, idx).flip) {
        assert.deepEqual(out, x);
        continue;
      }
      flipped++;
      const expected = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];
      assert.deepEqual([...out], [...expected, ...expected.map((v) => v + 100)]);
    }
    assert.ok(flipped > 0 && flipped < 16, `flipped ${flipped} of 16`);
  });

  it('pads with zeros and crops back, shifting the interior', () => {
    const s = spec(0, 1, false);
    const seen = new Set<string>();
    for (let idx = 0; idx < 200; idx++) {
      const { offsetY, offsetX } = augmentChoices(s, SHAPE_1X4X4, 11, 0, idx);
      assert.ok(offsetY >= 0 && offsetY <= 2 && offsetX >= 0 && offsetX <= 2);
      seen.add(`${offsetY},${offsetX}`);
      const out = augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 11, epoch: 0, sampleIndices: [idx] });
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const sy = y + offsetY - 1;
          const sx = x + offsetX - 1;
          const want = sy >= 0 && sy < 4 && sx >= 0 && sx < 4 ? sy * 4 + sx : 0;
          assert.equal(out[y * 4 + x], want, `idx ${idx} at (${y}, ${x})`);
        }
      }
    }
    assert.equal(seen.size, 9);
    // Offset (0, 0) by hand: the top row and left column are zeros, the rest is the image shifted down-right.
    const idx0 = [...Array(200).keys()].find((i) => {
      const c = augmentChoices(s, SHAPE_1X4X4, 11, 0, i);
      return c.offsetY === 0 && c.offsetX === 0;
    });
    assert.ok(idx0 !== undefined);
    const out = augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 11, epoch: 0, sampleIndices: [idx0] });
    assert.deepEqual([...out], [0, 0, 0, 0, 0, 0, 1, 2, 0, 4, 5, 6, 0, 8, 9, 10]);
  });

  it('centre-crops exactly, never flips, and ignores padding', () => {
    assert.deepEqual([...centerCrop(spec(2, 0, true), IMG, SHAPE_1X4X4)], [5, 6, 9, 10]);
    assert.deepEqual([...centerCrop(spec(3, 0, true), IMG, SHAPE_1X4X4)], [0, 1, 2, 4, 5, 6, 8, 9, 10]);
    assert.deepEqual(centerCrop(spec(0, 4, true), IMG, SHAPE_1X4X4), IMG);
    assert.deepEqual([...centerCrop(spec(2, 1, false), IMG, SHAPE_1X4X4)], [5, 6, 9, 10]);
    const two = new Float32Array(32);
    two.set(IMG);
    two.set(
      IMG.map((v) => v + 16),
      16,
    );
    assert.deepEqual([...centerCrop(spec(2, 0, false), two, SHAPE_1X4X4)], [5, 6, 9, 10, 21, 22, 25, 26]);
  });

  describe('determinism', () => {
    const shape = [3, 8, 8];
    const s = spec(6, 2, true);
    const n = 10;
    const x = randomBatch(n, shape, 1);
    const indices = [40, 3, 17, 99, 0, 5, 1234, 8, 61, 2];
    const keys = { seed: 42, epoch: 3, sampleIndices: indices };
    const outSize = 3 * 6 * 6;
    const inSize = 3 * 8 * 8;
    const whole = augmentBatch(s, x, shape, keys);

    it('augments a row the same alone, in shuffled order, or in shards', () => {
      for (let i = 0; i < n; i++) {
        const one = augmentBatch(s, x.subarray(i * inSize, (i + 1) * inSize), shape, {
          ...keys,
          sampleIndices: [indices[i]],
        });
        assert.deepEqual(one, whole.subarray(i * outSize, (i + 1) * outSize));
      }
      const order = [7, 2, 9, 0, 4, 1, 8, 3, 6, 5];
      const shuffledX = new Float32Array(n * inSize);
      order.forEach((r, i) => shuffledX.set(x.subarray(r * inSize, (r + 1) * inSize), i * inSize));
      const shuffled = augmentBatch(s, shuffledX, shape, {
        ...keys,
        sampleIndices: order.map((r) => indices[r]),
      });
      order.forEach((r, i) =>
        assert.deepEqual(
          shuffled.subarray(i * outSize, (i + 1) * outSize),
          whole.subarray(r * outSize, (r + 1) * outSize),
        ),
      );
      const shards = [
        [0, 3],
        [3, 4],
        [4, 10],
      ];
      const joined = new Float32Array(n * outSize);
      for (const [a, b] of shards) {
        const out = new Float32Array((b - a) * outSize);
        augmentBatch(
          s,
          x.subarray(a * inSize, b * inSize),
          shape,
          { ...keys, sampleIndices: indices.slice(a, b) },
          out,
        );
        joined.set(out, a * outSize);
      }
      assert.deepEqual(joined, whole);
    });

    it('writes into a Float64Array out with the same values', () => {
      const out64 = augmentBatch(s, x, shape, keys, new Float64Array(n * outSize));
      assert.deepEqual(Float32Array.from(out64), whole);
    });

    it('changes choices with the epoch and with the seed', () => {
      const differs = (f: (idx: number) => boolean) => indices.some(f);
      const same = (a: ReturnType<typeof augmentChoices>, b: ReturnType<typeof augmentChoices>) =>
        a.offsetX === b.offsetX && a.offsetY === b.offsetY && a.flip === b.flip;
      assert.ok(
        differs((i) => !same(augmentChoices(s, shape, 42, 3, i), augmentChoices(s, shape, 42, 4, i))),
      );
      assert.ok(
        differs((i) => !same(augmentChoices(s, shape, 42, 3, i), augmentChoices(s, shape, 43, 3, i))),
      );
      assert.notDeepEqual(augmentBatch(s, x, shape, { ...keys, epoch: 4 }), whole);
      assert.notDeepEqual(augmentBatch(s, x, shape, { ...keys, seed: 43 }), whole);
    });

    it('keeps the crop offsets when flip is switched off', () => {
      for (const i of indices) {
        const a = augmentChoices(s, shape, 42, 3, i);
        const b = augmentChoices(spec(6, 2, false), shape, 42, 3, i);
        assert.deepEqual([a.offsetY, a.offsetX, false], [b.offsetY, b.offsetX, b.flip]);
      }
    });
  });

  it('covers every offset and both flip states over many samples', () => {
    const s = spec(24, 0, true);
    const shape = [1, 28, 28];
    const ys = new Set<number>();
    const xs = new Set<number>();
    const flips = new Set<boolean>();
    for (let i = 0; i < 2000; i++) {
      const c = augmentChoices(s, shape, 5, 0, i);
      ys.add(c.offsetY);
      xs.add(c.offsetX);
      flips.add(c.flip);
    }
    assert.deepEqual([...ys].sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual([...xs].sort(), [0, 1, 2, 3, 4]);
    assert.equal(flips.size, 2);
  });

  it('rejects inputs and outputs of the wrong size, and bad keys', () => {
    const s = spec(2, 0, false);
    const badArgs = (e: unknown) => e instanceof GradpoolError && e.code === 'E_BAD_ARGS';
    assert.throws(
      () => augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 1, epoch: 0, sampleIndices: [0, 1] }),
      badArgs,
    );
    assert.throws(
      () => augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 1, epoch: 0, sampleIndices: [0] }, new Float32Array(3)),
      badArgs,
    );
    assert.throws(
      () => augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 1, epoch: -1, sampleIndices: [0] }),
      badArgs,
    );
    assert.throws(
      () => augmentBatch(s, IMG, SHAPE_1X4X4, { seed: 1, epoch: 0, sampleIndices: [0.5] }),
      badArgs,
    );
  });

  it('copies rows unchanged under the identity spec, whatever the shape', () => {
    const x = randomBatch(3, [5], 2);
    assert.deepEqual(augmentBatch(NO_AUGMENT, x, [5], { seed: 1, epoch: 0, sampleIndices: [0, 1, 2] }), x);
  });
});
