/** Decoding helpers for the picture tests. */
import { PNG } from 'pngjs';

/** A decoded PNG: width, height and RGBA bytes. */
export interface Decoded {
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

/** Decodes PNG bytes (throws if they are not a valid PNG). */
export function decode(bytes: Buffer): Decoded {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: png.data };
}

/** RGBA of pixel (x, y). */
export function pixel(img: Decoded, x: number, y: number): [number, number, number, number] {
  const i = (y * img.width + x) * 4;
  return [img.data[i], img.data[i + 1], img.data[i + 2], img.data[i + 3]];
}

/** Number of pixels with exactly this RGB (any alpha 255). */
export function countColor(img: Decoded, rgb: readonly [number, number, number]): number {
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (
      img.data[i] === rgb[0] &&
      img.data[i + 1] === rgb[1] &&
      img.data[i + 2] === rgb[2] &&
      img.data[i + 3] === 255
    )
      n++;
  }
  return n;
}
