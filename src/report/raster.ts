/** An RGBA pixel buffer with the few drawing primitives the plots need: pixels, rectangles, lines, text. */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font';

/** A colour: red, green, blue, alpha, each 0…255. */
export type Rgba = readonly [number, number, number, number];

/** Opaque white. */
export const WHITE: Rgba = [255, 255, 255, 255];
/** Opaque black. */
export const BLACK: Rgba = [0, 0, 0, 255];
/** Fully transparent. */
export const TRANSPARENT: Rgba = [0, 0, 0, 0];

/** A width × height image, row-major RGBA, 4 bytes per pixel. */
export class Raster {
  /** The pixels, row-major, 4 bytes (R, G, B, A) each. */
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgba = WHITE,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new RangeError(`a raster needs positive integer sides, got ${width} × ${height}`);
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets pixel (x, y), rounded to integers; pixels outside the image are ignored. */
  set(x: number, y: number, c: Rgba): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = (py * this.width + px) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = c[3];
  }

  /** The colour of pixel (x, y). */
  get(x: number, y: number): Rgba {
    const i = (y * this.width + x) * 4;
    return [this.data[i], this.data[i + 1], this.data[i + 2], this.data[i + 3]];
  }

  /** Fills the w × h rectangle whose top-left pixel is (x, y). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgba): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, c);
  }

  /** A straight line from (x0, y0) to (x1, y1), `thickness` pixels wide (Bresenham, square pen). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgba, thickness = 1): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    const lo = -Math.floor((thickness - 1) / 2);
    let e = dx + dy;
    for (;;) {
      this.fillRect(x + lo, y + lo, thickness, thickness, c);
      if (x === xe && y === ye) return;
      const e2 = 2 * e;
      if (e2 >= dy) {
        e += dy;
        x += sx;
      }
      if (e2 <= dx) {
        e += dx;
        y += sy;
      }
    }
  }

  /** Draws `s` with its top-left corner at (x, y), each font pixel a `scale` × `scale` square. */
  text(x: number, y: number, s: string, c: Rgba, scale = 1): void {
    let cx = Math.round(x);
    for (const ch of s) {
      glyph(ch).forEach((row, gy) =>
        row.forEach((ink, gx) => {
          if (ink) this.fillRect(cx + gx * scale, Math.round(y) + gy * scale, scale, scale, c);
        }),
      );
      cx += (GLYPH_WIDTH + 1) * scale;
    }
  }
}

/** Width in pixels of `s` drawn at `scale` (without the trailing space of the last character). */
export function textWidth(s: string, scale = 1): number {
  const n = [...s].length;
  return n === 0 ? 0 : (n * (GLYPH_WIDTH + 1) - 1) * scale;
}

/** Height in pixels of a line of text at `scale`. */
export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}
