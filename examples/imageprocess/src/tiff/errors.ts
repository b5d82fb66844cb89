/**
 * Stable codes carried by {@link TiffError}. Callers branch on `code`, never on the message.
 *
 * - `ERR_TIFF_NOT_TIFF`: the bytes do not start with a TIFF or BigTIFF header.
 * - `ERR_TIFF_CORRUPT`: the file claims to be a TIFF but its structure or compressed data is
 *   damaged (truncated, offsets past the end, impossible tag values, bad compressed streams).
 * - `ERR_TIFF_UNSUPPORTED`: a valid TIFF using a feature this reader deliberately refuses
 *   (float or signed samples, ZSTD, WebP, ...); the message names the feature.
 * - `ERR_TIFF_TOO_LARGE`: the declared image exceeds the decoder's memory cap.
 * - `ERR_TIFF_INVALID_ARGUMENT`: a caller passed a bad argument or option.
 * - `ERR_TIFF_IO`: reading or writing the file failed (missing file, permissions); see `cause`.
 */
export type TiffErrorCode =
  | 'ERR_TIFF_NOT_TIFF'
  | 'ERR_TIFF_CORRUPT'
  | 'ERR_TIFF_UNSUPPORTED'
  | 'ERR_TIFF_TOO_LARGE'
  | 'ERR_TIFF_INVALID_ARGUMENT'
  | 'ERR_TIFF_IO';

/**
 * The one error class of the TIFF layer. Every failure of {@link decodeTiff}, {@link readTiff},
 * {@link encodeTiff} and {@link writeTiff} is a `TiffError` (never a bare RangeError or TypeError
 * from a codec), with a stable {@link TiffErrorCode} and, where it wraps another error, `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await readTiff('scan.tif');
 * } catch (error) {
 *   if (error instanceof TiffError && error.code === 'ERR_TIFF_UNSUPPORTED') skip(error.message);
 *   else throw error;
 * }
 * ```
 */
export class TiffError extends Error {
  /** Stable machine-readable code; see {@link TiffErrorCode}. */
  readonly code: TiffErrorCode;
  /** The file the error is about, when known (set by readTiff and writeTiff). */
  readonly path: string | undefined;

  constructor(code: TiffErrorCode, message: string, options?: { cause?: unknown; path?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TiffError';
    this.code = code;
    this.path = options?.path;
  }
}

/** A short description of a value and its type for error messages: `` `12` (number) ``. */
export function describe(value: unknown): string {
  if (value === null) return '`null`';
  if (value === undefined) return '`undefined`';
  if (typeof value === 'string') return `\`${JSON.stringify(value).slice(1, -1)}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `\`${String(value)}\` (${typeof value})`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${value.byteLength}`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** Shorthand constructors used throughout the decoder. */
export const corrupt = (message: string, cause?: unknown): TiffError =>
  new TiffError('ERR_TIFF_CORRUPT', message, cause === undefined ? undefined : { cause });
export const unsupported = (message: string): TiffError =>
  new TiffError('ERR_TIFF_UNSUPPORTED', message);
