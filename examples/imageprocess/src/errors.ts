import { describe } from './tiff/errors.js';

/**
 * Stable codes of {@link ImageprocessError}:
 * - `ERR_IMAGEPROCESS_RANK`: the rank is not an integer, or outside 1..min(width, height).
 * - `ERR_IMAGEPROCESS_ARGUMENT`: another argument or option is wrong (image number, unknown
 *   option key, a malformed image object).
 * - `ERR_IMAGEPROCESS_INPUT`: an input image is missing or cannot be read.
 * - `ERR_IMAGEPROCESS_OUTPUT`: the output folder or file cannot be written.
 */
export type ImageprocessErrorCode =
  | 'ERR_IMAGEPROCESS_RANK'
  | 'ERR_IMAGEPROCESS_ARGUMENT'
  | 'ERR_IMAGEPROCESS_INPUT'
  | 'ERR_IMAGEPROCESS_OUTPUT';

/**
 * The error class of the imageprocess example (TIFF decoding failures stay `TiffError`s from
 * `./tiff/index.js`, with their own codes). Branch on `code`, never on the message.
 *
 * @example
 * ```ts
 * try {
 *   await compress(0, 5000);
 * } catch (error) {
 *   if (error instanceof ImageprocessError && error.code === 'ERR_IMAGEPROCESS_RANK') usage();
 * }
 * ```
 */
export class ImageprocessError extends Error {
  /** Stable machine-readable code; see {@link ImageprocessErrorCode}. */
  readonly code: ImageprocessErrorCode;
  /** The file the error is about, when there is one. */
  readonly path: string | undefined;

  constructor(
    code: ImageprocessErrorCode,
    message: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ImageprocessError';
    this.code = code;
    this.path = options?.path;
  }
}

/** A short description of a value and its type for error messages: `` `12` (number) ``. */
export const describeValue: (value: unknown) => string = describe;

/**
 * Refuses option keys outside `known`: a misspelt option must not be silently ignored.
 * @internal
 */
export function checkOptionKeys(where: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected the options of ${where} to be an object, got ${describeValue(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ImageprocessError(
        'ERR_IMAGEPROCESS_ARGUMENT',
        `Unknown option \`${key}\` of ${where}; the known options are ${known.map((k) => `\`${k}\``).join(', ')}.`,
      );
    }
  }
}
