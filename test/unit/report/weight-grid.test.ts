import { strict as assert } from 'node:assert';
import { firstLayerWeight } from '../../../src/report/first-layer';
import {
  factorSide,
  gridLayout,
  normalizeTile,
  tileOrigin,
  weightGrid,
  weightGridPng,
} from '../../../src/report/weight-grid';
import { Rng } from '../../../src/shared/rng';
import { decode, pixel, type Decoded } from './png-helpers';

function randomWeights(n: number, seed = 1): Float64Array {
  const rng = new Rng(seed, 77);
  return Float64Array.from({ length: n }, () => rng.normal());
}

/** Runs of columns (or rows) that hold at least one opaque pixel: the tiles' columns (rows) of the grid. */
function opaqueRuns(img: Decoded, axis: 'x' | 'y'): [number, number][] {
  const [n, m] = axis === 'x' ? [img.width, img.height] : [img.height, img.width];
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    let opaque = false;
    for (let j = 0; i < n && j < m && !opaque; j++)
      opaque = (axis === 'x' ? pixel(img, i, j) : pixel(img, j, i))[3] === 255;
    if (opaque && start < 0) start = i;
    if (!opaque && start >= 0) {
      runs.push([start, i]);
      start = -1;
    }
  }
  return runs;
}

/** Tiles found through the gap pattern: grid cells (between transparent gap lines) that are fully opaque. */
function countTiles(img: Decoded): number {
  let tiles = 0;
  for (const [x0, x1] of opaqueRuns(img, 'x'))
    for (const [y0, y1] of opaqueRuns(img, 'y')) {
      let opaque = 0;
      for (let x = x0; x < x1; x++) for (let y = y0; y < y1; y++) if (pixel(img, x, y)[3] === 255) opaque++;
      if (opaque === (x1 - x0) * (y1 - y0)) tiles++;
      else assert.equal(opaque, 0, `cell at ${x0},${y0} is partly opaque`);
    }
  return tiles;
}

describe('pictures: first-layer weight grid', () => {
  it('draws one gray tile per conv filter [8, 1, 5, 5], found through the 1-pixel gaps', () => {
    const img = decode(weightGridPng(randomWeights(8 * 25), [8, 1, 5, 5]));
    const layout = gridLayout(8, 5, 5, 1);
    assert.deepEqual([layout.cols, layout.rows, layout.scale, layout.gap], [3, 3, 7, 1]);
    assert.equal(img.width, 3 * 35 + 4);
    assert.equal(img.height, 3 * 35 + 4);
    assert.equal(countTiles(img), 8);
    const [r, g, b] = pixel(img, 1, 1);
    assert.ok(r === g && g === b, 'C = 1 is gray');
  });

  it('draws conv filters with 3 channels in colour', () => {
    const w = randomWeights(4 * 3 * 3 * 3);
    const { raster, layout } = weightGrid(w, [4, 3, 3, 3]);
    assert.equal(layout.channels, 3);
    const img = decode(weightGridPng(w, [4, 3, 3, 3]));
    assert.equal(countTiles(img), 4);
    let colourful = 0;
    for (let y = 0; y < raster.height; y++)
      for (let x = 0; x < raster.width; x++) {
        const [r, g, b, a] = raster.get(x, y);
        if (a === 255 && !(r === g && g === b)) colourful++;
      }
    assert.ok(colourful > 0, 'RGB tiles are not all gray');
  });

  it('draws an affine weight [784, 10] as 10 tiles of 28 × 28 given the input shape [1, 28, 28]', () => {
    const img = decode(weightGridPng(randomWeights(784 * 10), [784, 10], [1, 28, 28]));
    assert.equal(img.width, 4 * 28 * 4 + 5);
    assert.equal(img.height, 3 * 28 * 4 + 4);
    assert.equal(countTiles(img), 10);
  });

  it('reads unit u of an affine weight from column u (row i = pixel i)', () => {
    // Unit 1's weights: pixel (y, x) = y·4 + x; unit 0's are constant.
    const w = new Float64Array(12 * 2);
    for (let i = 0; i < 12; i++) w[i * 2 + 1] = i;
    const { raster, layout } = weightGrid(w, [12, 2], [1, 3, 4], { scale: 1 });
    const [ox, oy] = tileOrigin(layout, 1);
    assert.deepEqual(raster.get(ox, oy), [0, 0, 0, 255], 'min at the first pixel');
    assert.deepEqual(raster.get(ox + 3, oy + 2), [255, 255, 255, 255], 'max at the last pixel');
    const [cx, cy] = tileOrigin(layout, 0);
    assert.deepEqual(raster.get(cx, cy), [128, 128, 128, 255], 'a constant tile is mid-gray');
  });

  it('normalises each tile to its own range: its min to 0 and its max to 255', () => {
    // Two filters of very different scales; each still spans 0 … 255.
    const w = Float64Array.from({ length: 2 * 9 }, (_, i) => (i < 9 ? i * 1e-3 : 100 - 10 * (i - 9)));
    const img = decode(weightGridPng(w, [2, 1, 3, 3], [], { scale: 2 }));
    const layout = gridLayout(2, 3, 3, 1, { scale: 2 });
    for (const [tile, minAt, maxAt] of [
      [0, 0, 8],
      [1, 8, 0],
    ]) {
      const [ox, oy] = tileOrigin(layout, tile);
      const at = (k: number) => pixel(img, ox + (k % 3) * 2, oy + Math.floor(k / 3) * 2);
      assert.deepEqual(at(minAt), [0, 0, 0, 255], `tile ${tile} min`);
      assert.deepEqual(at(maxAt), [255, 255, 255, 255], `tile ${tile} max`);
    }
    assert.deepEqual(Array.from(normalizeTile([2, 4, 3])), [0, 255, 128]);
  });

  it('shows a flat input as H × W with H the largest divisor of D not above √D', () => {
    assert.deepEqual(factorSide(784), [28, 28]);
    assert.deepEqual(factorSide(12), [3, 4]);
    assert.deepEqual(factorSide(7), [1, 7]);
    const { layout } = weightGrid(randomWeights(12 * 5), [12, 5], [12]);
    assert.deepEqual([layout.tileHeight, layout.tileWidth, layout.count], [3, 4, 5]);
  });

  it('lowers the scale to keep a grid of many tiles within 2048 pixels', () => {
    const layout = gridLayout(500, 28, 28, 1);
    assert.ok(layout.width <= 2048 && layout.height <= 2048, `${layout.width} × ${layout.height}`);
    assert.equal(layout.scale, 3);
  });

  it('rejects a weight whose size does not match its shape', () => {
    assert.throws(() => weightGridPng(new Float64Array(10), [3, 4]), /needs 12/);
    assert.throws(
      () => weightGridPng(new Float64Array(8), [2, 2, 2]),
      /must be \[O, C, KH, KW\] or \[D_in, D_out\]/,
    );
  });

  it("picks the first layer's weight out of a model's parameters", () => {
    const infos = [
      { name: 'conv1.weight', shape: [2, 1, 3, 3], kind: 'weight' as const, fanIn: 9 },
      { name: 'conv1.bias', shape: [2], kind: 'bias' as const, fanIn: 9 },
      { name: 'fc1.weight', shape: [8, 3], kind: 'weight' as const, fanIn: 8 },
    ];
    const params = [new Float64Array(18), new Float64Array(2), new Float64Array(24)];
    const first = firstLayerWeight(infos, params);
    assert.equal(first?.weight, params[0]);
    assert.deepEqual(first?.shape, [2, 1, 3, 3]);
    assert.equal(firstLayerWeight([], []), null);
  });
});
