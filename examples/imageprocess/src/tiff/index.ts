/**
 * The TIFF layer of the imageprocess example: {@link decodeTiff} / {@link readTiff} turn any
 * common TIFF into gray, gray+alpha, RGB or RGBA pixels at 8 or 16 bits; {@link encodeTiff} /
 * {@link writeTiff} write them back (atomically). See README.md in this folder.
 *
 * @packageDocumentation
 */
export type { TiffImage, DecodeTiffOptions, WriteTiffOptions } from './types.js';
export { TiffError, type TiffErrorCode } from './errors.js';
export { decodeTiff } from './decode.js';
export { encodeTiff } from './encode.js';
export { readTiff, writeTiff } from './io.js';
export { toRgb8 } from './rgb.js';
