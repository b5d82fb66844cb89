export type { TiffImage, DecodeTiffOptions, WriteTiffOptions } from './types.js';
export { TiffError, type TiffErrorCode } from './errors.js';
export { decodeTiff } from './decode.js';
export { encodeTiff } from './encode.js';
export { readTiff, writeTiff } from './io.js';
export { toRgb8 } from './rgb.js';
