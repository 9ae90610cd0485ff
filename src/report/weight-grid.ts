/**
 * First-layer weights as an image grid, one tile per unit (the recipe's visualize_grid):
 * - conv weights [O, C, KH, KW] → O tiles of KH × KW;
 * - affine weights [D_in, D_out] → D_out tiles of H × W, where the input shape [C, H, W] has C·H·W = D_in
 *   (a flat input [D], or one whose size is not D_in, is shown as H × W with H the largest divisor of D_in
 *   not above √D_in: 784 → 28 × 28).
 * C = 1 is gray, C = 3 is RGB; any other C puts the channels side by side in gray. Each tile is
 * normalised to its own range (min → 0, max → 255; a constant tile is 128), upscaled (×4, or more for
 * tiles under 32 pixels), and separated (and framed) by `gap` transparent pixels, so every opaque pixel
 * belongs to a tile.
 * Tiles fill rows of ⌈√n⌉ columns; unused cells at the end stay transparent.
 */
import { encodePng } from './encode-png';
import { Raster, TRANSPARENT } from './raster';

/** How the grid is laid out. */
export interface GridLayout {
  /** Number of tiles (units). */
  readonly count: number;
  /** Tile size in weights, before upscaling. */
  readonly tileHeight: number;
  readonly tileWidth: number;
  /** 1 (gray) or 3 (RGB). */
  readonly channels: 1 | 3;
  readonly cols: number;
  readonly rows: number;
  /** Each weight is a scale × scale square. */
  readonly scale: number;
  /** Transparent pixels between tiles and around the grid. */
  readonly gap: number;
  /** Image size in pixels. */
  readonly width: number;
  readonly height: number;
}

/** Options of the grid. */
export interface GridOptions {
  /**
   * Upscaling factor (default 4, raised until a tile's longer side is at least 32 pixels, so that 5 × 5
   * filters stay visible; then lowered, down to 1, to keep the image within maxSide).
   */
  readonly scale: number;
  /** Gap between tiles in pixels (default 1). */
  readonly gap: number;
  /** Largest image side the scale is lowered for, down to 1 (default 2048). */
  readonly maxSide: number;
}

/** Defaults: ×4 (at least 32-pixel tiles), 1-pixel gaps, at most 2048 pixels a side where the scale allows. */
export const GRID_DEFAULTS: GridOptions = Object.freeze({ scale: 4, gap: 1, maxSide: 2048 });

/** Smallest longer tile side, in pixels, the default scale aims for. */
const MIN_TILE_SIDE = 32;

/** One unit's weights as a tile: rows × cols pixels of `channels` values each (HWC order), raw. */
export interface Tile {
  readonly values: Float64Array;
}

/** H × W for a flat vector of d values: H the largest divisor of d not above √d. */
export function factorSide(d: number): [number, number] {
  let h = Math.floor(Math.sqrt(d));
  while (d % h !== 0) h--;
  return [h, d / h];
}

/** The tiles of `weight` (shape [O, C, KH, KW] or [D_in, D_out]) and their geometry. */
export function weightTiles(
  weight: ArrayLike<number>,
  shape: readonly number[],
  inputShape: readonly number[] = [],
): { tiles: Tile[]; tileHeight: number; tileWidth: number; channels: 1 | 3 } {
  const size = shape.reduce((a, b) => a * b, 1);
  if (weight.length !== size)
    throw new RangeError(`weight has ${weight.length} values but shape [${shape}] needs ${size}`);
  let units: number;
  let c: number;
  let h: number;
  let w: number;
  let at: (unit: number, ch: number, y: number, x: number) => number;
  if (shape.length === 4) {
    [units, c, h, w] = shape;
    at = (u, ch, y, x) => weight[((u * c + ch) * h + y) * w + x];
  } else if (shape.length === 2) {
    const [dIn, dOut] = shape;
    units = dOut;
    const fits = inputShape.length === 3 && inputShape[0] * inputShape[1] * inputShape[2] === dIn;
    [c, h, w] = fits ? inputShape : [1, ...factorSide(dIn)];
    at = (u, ch, y, x) => weight[((ch * h + y) * w + x) * dOut + u];
  } else {
    throw new RangeError(`first-layer weights must be [O, C, KH, KW] or [D_in, D_out], got [${shape}]`);
  }
  const channels: 1 | 3 = c === 3 ? 3 : 1;
  // Other channel counts: channels side by side, in gray.
  const tileWidth = channels === 3 ? w : w * c;
  const tiles: Tile[] = [];
  for (let u = 0; u < units; u++) {
    const values = new Float64Array(h * tileWidth * channels);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < tileWidth; x++)
        for (let k = 0; k < channels; k++) {
          const [ch, xx] = channels === 3 ? [k, x] : [Math.floor(x / w), x % w];
          values[(y * tileWidth + x) * channels + k] = at(u, ch, y, xx);
        }
    tiles.push({ values });
  }
  return { tiles, tileHeight: h, tileWidth, channels };
}

/** Maps a tile's values to 0…255: its min to 0 and its max to 255 (all 128 if constant; NaN → 0). */
export function normalizeTile(values: ArrayLike<number>): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  const out = new Uint8Array(values.length);
  if (!(hi > lo)) return out.fill(Number.isFinite(lo) ? 128 : 0);
  for (let i = 0; i < values.length; i++) out[i] = Math.round((255 * (values[i] - lo)) / (hi - lo));
  return out;
}

/** The grid's geometry for `count` tiles of tileHeight × tileWidth. */
export function gridLayout(
  count: number,
  tileHeight: number,
  tileWidth: number,
  channels: 1 | 3,
  options: Partial<GridOptions> = {},
): GridLayout {
  const o = { ...GRID_DEFAULTS, ...options };
  const cols = Math.max(1, Math.ceil(Math.sqrt(count)));
  const rows = Math.max(1, Math.ceil(count / cols));
  const width = (scale: number) => cols * tileWidth * scale + (cols + 1) * o.gap;
  const height = (scale: number) => rows * tileHeight * scale + (rows + 1) * o.gap;
  let scale = Math.max(
    o.scale,
    options.scale === undefined ? Math.ceil(MIN_TILE_SIDE / Math.max(tileHeight, tileWidth)) : 1,
  );
  while (scale > 1 && Math.max(width(scale), height(scale)) > o.maxSide) scale--;
  return {
    count,
    tileHeight,
    tileWidth,
    channels,
    cols,
    rows,
    scale,
    gap: o.gap,
    width: width(scale),
    height: height(scale),
  };
}

/** Top-left pixel of tile `i`. */
export function tileOrigin(layout: GridLayout, i: number): [number, number] {
  const col = i % layout.cols;
  const row = Math.floor(i / layout.cols);
  return [
    layout.gap + col * (layout.tileWidth * layout.scale + layout.gap),
    layout.gap + row * (layout.tileHeight * layout.scale + layout.gap),
  ];
}

/** The grid image of first-layer weights and its layout. */
export function weightGrid(
  weight: ArrayLike<number>,
  shape: readonly number[],
  inputShape: readonly number[] = [],
  options: Partial<GridOptions> = {},
): { raster: Raster; layout: GridLayout } {
  const { tiles, tileHeight, tileWidth, channels } = weightTiles(weight, shape, inputShape);
  const layout = gridLayout(tiles.length, tileHeight, tileWidth, channels, options);
  const raster = new Raster(layout.width, layout.height, TRANSPARENT);
  const s = layout.scale;
  tiles.forEach((tile, i) => {
    const [ox, oy] = tileOrigin(layout, i);
    const v = normalizeTile(tile.values);
    for (let y = 0; y < tileHeight; y++)
      for (let x = 0; x < tileWidth; x++) {
        const p = (y * tileWidth + x) * channels;
        const rgb = channels === 3 ? [v[p], v[p + 1], v[p + 2]] : [v[p], v[p], v[p]];
        raster.fillRect(ox + x * s, oy + y * s, s, s, [rgb[0], rgb[1], rgb[2], 255]);
      }
  });
  return { raster, layout };
}

/** PNG of the first-layer weight grid (see the module comment). */
export function weightGridPng(
  weight: ArrayLike<number>,
  shape: readonly number[],
  inputShape: readonly number[] = [],
  options: Partial<GridOptions> = {},
): Buffer {
  return encodePng(weightGrid(weight, shape, inputShape, options).raster);
}
