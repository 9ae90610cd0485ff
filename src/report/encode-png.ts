/** PNG encoding of a Raster (8-bit RGBA, via pngjs). */
import { PNG } from 'pngjs';
import type { Raster } from './raster';

/** The PNG file bytes of `raster`. */
export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data = Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength);
  return PNG.sync.write(png, { colorType: 6 });
}
