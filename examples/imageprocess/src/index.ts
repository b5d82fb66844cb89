/**
 * imageprocess: Star-P's image-compression demo for Node.js. `compress(imno, rank)` keeps the top
 * `rank` singular triplets of every colour band of a TIFF image; `parallel()` runs it over the 16
 * images with ppeval.
 *
 * @packageDocumentation
 */
export {
  compress,
  compressFile,
  compressImage,
  compressedFileName,
  parallel,
  psnr,
  serial,
  storageRatio,
} from './compress.js';
export type {
  CompressFileOptions,
  CompressFileResult,
  CompressImageOptions,
  CompressOptions,
  ParallelOptions,
} from './compress.js';
export {
  DEFAULT_IMAGE_COUNT,
  DEFAULT_IMAGE_SIZE,
  GENERATOR_VERSION,
  MANIFEST_NAME,
  defaultImageSeed,
  ensureDefaultImages,
  generateImageFile,
} from './generate.js';
export type { GenerateOptions, GenerateResult } from './generate.js';
export { makeFigure, formatFigureTable } from './figure.js';
export type { FigureOptions, FigureResult, FigureRow } from './figure.js';
export { synthesizeImage } from './synth.js';
export type { SynthesizeOptions } from './synth.js';
export { parseRank, checkRankRange } from './rank.js';
export { ImageprocessError } from './errors.js';
export type { ImageprocessErrorCode } from './errors.js';
export {
  DEFAULT_IMAGE_DIR,
  DEFAULT_OUTPUT_DIR,
  IMAGE_DIR_ENV,
  OUTPUT_DIR_ENV,
  imageDir,
  outputDir,
} from './paths.js';
export { readTiff, writeTiff, decodeTiff, encodeTiff, TiffError } from './tiff/index.js';
export type { TiffImage, TiffErrorCode, WriteTiffOptions } from './tiff/index.js';
export { lowRankApproximation, lowRankApproximationDetailed } from './svd/index.js';
export type { LowRankDetails, LowRankOptions, SvdKernels, SvdMethod } from './svd/index.js';
