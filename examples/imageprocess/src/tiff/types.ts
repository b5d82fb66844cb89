/**
 * Decoded pixels in the one normalised form the rest of the example works on.
 *
 * Normalisation applied by {@link decodeTiff} (so that every TIFF flavour arrives as gray,
 * gray+alpha, RGB or RGBA with 8- or 16-bit unsigned samples):
 * - palette images become RGB (RGBA when an alpha sample follows the index), 8-bit when every
 *   colormap entry is an 8-bit value scaled by 257, otherwise 16-bit;
 * - 1-, 2- and 4-bit gray is scaled to 8 bits (0 and 255 at the ends, as Pillow shows it);
 *   12-bit samples are scaled to 16 bits (`round(v * 65535 / 4095)`);
 * - MinIsWhite gray is inverted so 0 is black;
 * - CMYK, CIE L*a*b* and YCbCr become RGB;
 * - associated (premultiplied) alpha is divided out, so `alpha` is always straight alpha;
 * - extra samples that are not alpha are dropped.
 *
 * @example
 * ```ts
 * const image = await readTiff('flower0.tif');
 * const red = image.data[(y * image.width + x) * image.channels];
 * ```
 */
export interface TiffImage {
  /** Width in pixels (at least 1). */
  readonly width: number;
  /** Height in pixels (at least 1). */
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
  readonly channels: 1 | 2 | 3 | 4;
  /** Bits per sample of `data`: 8 (Uint8Array) or 16 (Uint16Array). */
  readonly bitsPerSample: 8 | 16;
  /** True when the last channel is alpha (unassociated: straight, not premultiplied). */
  readonly alpha: boolean;
  /**
   * Samples interleaved, row-major: length width*height*channels. From readTiff, 8-bit samples
   * that the file stores exactly so (uncompressed strips of whole rows, back to back) and that
   * make at least half of it are a view of the bytes it read (`data.buffer` then holds the whole
   * file, and nothing else); otherwise,
   * and always from decodeTiff, they have an ArrayBuffer of their own.
   */
  readonly data: Uint8Array | Uint16Array;
}

/**
 * Options of {@link decodeTiff}.
 *
 * @example
 * ```ts
 * const second = decodeTiff(bytes, { page: 1 });
 * ```
 */
export interface DecodeTiffOptions {
  /**
   * Which image of a multi-page file to decode, counting the top-level IFD chain from 0.
   * @default 0
   */
  page?: number;
}

/**
 * Options of {@link encodeTiff} and {@link writeTiff}.
 *
 * @example
 * ```ts
 * await writeTiff('out.tif', image, { compression: 'deflate' });
 * ```
 */
export interface WriteTiffOptions {
  /**
   * Strip compression: `'none'`, `'deflate'` (zlib, TIFF code 8) or `'lzw'` (TIFF code 5).
   * Compressed files use horizontal differencing (Predictor 2), which every TIFF reader supports.
   * @default 'none'
   */
  compression?: 'none' | 'deflate' | 'lzw';
}
