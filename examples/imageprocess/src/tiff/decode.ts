import { TiffError, describe } from './errors.js';
import { parseTiff } from './ifd.js';
import {
  readImageInfo,
  readSamples,
  refuseSampleFormat,
  type BytesHold,
  type ImageInfo,
} from './layout.js';
import { normalize } from './normalize.js';
import type { DecodeTiffOptions, TiffImage } from './types.js';

const DECODE_OPTION_KEYS = new Set(['page']);

function invalid(message: string): TiffError {
  return new TiffError('ERR_TIFF_INVALID_ARGUMENT', message);
}

function checkDecodeArguments(bytes: unknown, options: unknown): number {
  if (!(bytes instanceof Uint8Array)) {
    throw invalid(`Expected \`bytes\` to be a Uint8Array (or Buffer), got ${describe(bytes)}`);
  }
  if (options === undefined) return 0;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(
      `Expected \`options\` to be an object like { page: 0 }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!DECODE_OPTION_KEYS.has(key)) {
      throw invalid(`Unknown option \`${key}\` for decodeTiff; the only option is \`page\``);
    }
  }
  const page = (options as DecodeTiffOptions).page ?? 0;
  if (typeof page !== 'number' || !Number.isInteger(page) || page < 0) {
    throw invalid(`Expected \`page\` to be an integer from 0 up, got ${describe(page)}`);
  }
  return page;
}

/**
 * Decodes one image of a TIFF or BigTIFF file into the normalised {@link TiffImage} form
 * (see there for how palette, CMYK, Lab, 1/4/12-bit and premultiplied alpha are converted).
 *
 * Supported: byte orders II and MM, classic TIFF and BigTIFF, strips and tiles (including
 * partial and oversize tiles), chunky and planar layout, 1-16-bit unsigned samples, compression
 * none, LZW (new and old style, with or without horizontal predictor), Deflate (both codes),
 * PackBits, JPEG (YCbCr, RGB, CMYK, gray; via utif's decoder) and CCITT Group 4 (via utif).
 * Refused with `ERR_TIFF_UNSUPPORTED` naming the feature: float, signed and complex samples,
 * samples over 16 bits, ZSTD, WebP, LZMA and other codecs, old-style JPEG, and photometric kinds
 * other than gray, RGB, palette, CMYK, YCbCr and CIE L*a*b*.
 *
 * Damaged input never hangs or escapes as a RangeError: every failure is a {@link TiffError}
 * (`ERR_TIFF_NOT_TIFF`, `ERR_TIFF_CORRUPT`, `ERR_TIFF_TOO_LARGE` above 512 MiB decoded).
 *
 * @param bytes - The whole file.
 * @param options - Which page to decode; see {@link DecodeTiffOptions}.
 * @returns The decoded image.
 * @throws TiffError
 * @example
 * ```ts
 * const image = decodeTiff(await readFile('photo.tif'));
 * console.log(image.width, image.height, image.channels, image.bitsPerSample);
 * ```
 */
export function decodeTiff(bytes: Uint8Array, options?: DecodeTiffOptions): TiffImage {
  return decode(bytes, options, 'copy');
}

/**
 * {@link decodeTiff} of bytes nothing else holds (readTiff's own read of the file): the samples
 * may then be a view of them instead of a copy, where they are stored as the image holds them.
 * @internal
 */
export function decodeOwnedTiff(bytes: Uint8Array): TiffImage {
  return decode(bytes, undefined, 'owned');
}

/**
 * {@link decodeTiff} of bytes that stay untouched for as long as the image is used (a buffer
 * lent to the caller, who drops the image before giving it back): the samples may be a view of
 * any part of them.
 * @internal
 */
export function decodeLentTiff(bytes: Uint8Array): TiffImage {
  return decode(bytes, undefined, 'lent');
}

function decode(
  bytes: Uint8Array,
  options: DecodeTiffOptions | undefined,
  hold: BytesHold,
): TiffImage {
  const page = checkDecodeArguments(bytes, options);
  try {
    const file = parseTiff(bytes, page);
    const ifd = file.pages[page];
    if (ifd === undefined) {
      throw invalid(
        `Expected \`page\` to be below the number of pages, got ${page}; the file has ${file.pages.length} page${file.pages.length === 1 ? '' : 's'}`,
      );
    }
    const info = readImageInfo(ifd);
    refuseSampleFormat(info.sampleFormat, info.bits);
    const raw = readSamples(ifd, info, file.reader, hold);
    return normalize(raw, info, ifd);
  } catch (error) {
    if (error instanceof TiffError) throw error;
    // A codec error that slipped past the checks is still damaged input, never a crash.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (
      error instanceof RangeError &&
      /allocation|Invalid typed array length|Array buffer/i.test(message)
    ) {
      throw new TiffError('ERR_TIFF_TOO_LARGE', `The image is too large to decode (${message})`, {
        cause: error,
      });
    }
    throw new TiffError('ERR_TIFF_CORRUPT', `The TIFF data is damaged (${message})`, {
      cause: error,
    });
  }
}

/**
 * Internal, for tests and diagnostics: the raw sample values of a page as stored (after
 * decompression, predictor and layout, before any colour conversion), signed formats included.
 */
export function decodeRawSamples(
  bytes: Uint8Array,
  page = 0,
): { info: ImageInfo; samples: Uint8Array | Uint16Array } {
  const file = parseTiff(bytes, page);
  const ifd = file.pages[page];
  if (ifd === undefined) throw invalid(`The file has no page ${page}`);
  const info = readImageInfo(ifd);
  return { info, samples: readSamples(ifd, info, file.reader) };
}
