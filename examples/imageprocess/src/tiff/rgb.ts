import { TiffError, describe } from './errors.js';
import type { TiffImage } from './types.js';

/**
 * The image as Pillow's `convert('RGB')` shows it, for comparisons and previews: 8-bit RGB
 * interleaved, row-major (width*height*3 bytes). Gray is repeated into the three channels,
 * alpha is dropped (not composited), 16-bit samples keep their high byte, as Pillow does.
 * One known difference: for files with associated (premultiplied) alpha, Pillow divides the
 * alpha out after cutting samples to 8 bits and truncates, while {@link decodeTiff} divides at
 * full depth and rounds, so such pixels can differ (by a level in 8-bit files, more where a
 * 16-bit alpha is below 256).
 *
 * @example
 * ```ts
 * const rgb = toRgb8(await readTiff('scan.tif'));
 * ```
 */
export function toRgb8(image: TiffImage): Uint8Array {
  if (image === null || typeof image !== 'object' || !ArrayBuffer.isView(image.data)) {
    throw new TiffError(
      'ERR_TIFF_INVALID_ARGUMENT',
      `Expected a TiffImage ({ width, height, channels, bitsPerSample, alpha, data }), got ${describe(image)}`,
    );
  }
  const { width, height, channels, data } = image;
  const pixels = width * height;
  if (data.length !== pixels * channels) {
    throw new TiffError(
      'ERR_TIFF_INVALID_ARGUMENT',
      `Expected data of length width*height*channels = ${pixels * channels}, got ${data.length}`,
    );
  }
  const shift = image.bitsPerSample === 16 ? 8 : 0;
  const colors = channels <= 2 ? 1 : 3;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += channels, d += 3) {
    if (colors === 1) {
      const v = (data[s] ?? 0) >>> shift;
      out[d] = v;
      out[d + 1] = v;
      out[d + 2] = v;
    } else {
      out[d] = (data[s] ?? 0) >>> shift;
      out[d + 1] = (data[s + 1] ?? 0) >>> shift;
      out[d + 2] = (data[s + 2] ?? 0) >>> shift;
    }
  }
  return out;
}
