import { open, readFile } from 'node:fs/promises';
import { replaceFile } from '../atomic-write.js';
import { decodeLentTiff, decodeOwnedTiff } from './decode.js';
import { encodeTiff, encodeTiffParts } from './encode.js';
import { TiffError, describe } from './errors.js';
import type { TiffImage, WriteTiffOptions } from './types.js';

function checkPath(path: unknown, fn: string): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TiffError(
      'ERR_TIFF_INVALID_ARGUMENT',
      `Expected \`path\` of ${fn} to be a non-empty string, got ${describe(path)}`,
    );
  }
  return path;
}

function ioError(action: string, path: string, error: unknown): TiffError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const hint =
    code === 'ENOENT'
      ? action === 'read'
        ? ': no such file (check the path)'
        : ': the folder does not exist (create it first)'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? ': permission denied (check the folder is writable)'
        : code === 'EISDIR'
          ? ': it is a folder, not a file'
          : code === 'ENOSPC'
            ? ': the disk is full'
            : '';
  const detail = error instanceof Error ? error.message : String(error);
  return new TiffError('ERR_TIFF_IO', `Cannot ${action} TIFF ${path}${hint} (${detail})`, {
    cause: error,
    path,
  });
}

/**
 * Reads and decodes the first image of a TIFF file (see {@link decodeTiff}).
 *
 * @param path - File to read.
 * @returns The decoded, normalised image.
 * @throws Never synchronously; rejects with a {@link TiffError} whose message names the file:
 *   `ERR_TIFF_IO` when it cannot be read, otherwise the decoder's code.
 * @example
 * ```ts
 * const { width, height, channels, bitsPerSample, data } = await readTiff('flower0.tif');
 * ```
 */
export async function readTiff(path: string): Promise<TiffImage> {
  checkPath(path, 'readTiff');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw ioError('read', path, error);
  }
  // The bytes are this function's own: the samples may stay where they were read.
  return decodeNamed(path, () => decodeOwnedTiff(bytes));
}

/** The decoder's result, or its error with the file's path in front of the message. */
function decodeNamed<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof TiffError) {
      throw new TiffError(error.code, `${path}: ${error.message}`, { cause: error, path });
    }
    throw error;
  }
}

/**
 * {@link readTiff} into bytes that `lend` gives (asked for the file's size), decoded as lent
 * bytes: the image may be a view of them, so the caller drops it before it reuses `lent`.
 * Files that are not regular or are empty (a pipe, a device) are read as readTiff reads them,
 * into memory of their own: then `lent` is undefined.
 * @internal
 */
export async function readLentTiff(
  path: string,
  lend: (length: number) => Uint8Array,
): Promise<{ image: TiffImage; lent: Uint8Array | undefined }> {
  checkPath(path, 'readTiff');
  let bytes: Uint8Array;
  let lent: Uint8Array | undefined;
  try {
    const handle = await open(path, 'r');
    try {
      const stats = await handle.stat();
      if (stats.isFile() && stats.size > 0) {
        bytes = lend(stats.size);
        let filled = 0;
        while (filled < bytes.length) {
          const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        // A file cut short since its size was read: what it holds now.
        if (filled < bytes.length) bytes = bytes.subarray(0, filled);
        lent = bytes;
      } else {
        bytes = await handle.readFile();
      }
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError('read', path, error);
  }
  const image = decodeNamed(path, () => (lent ? decodeLentTiff(bytes) : decodeOwnedTiff(bytes)));
  return { image, lent };
}

/**
 * Encodes an image (see {@link encodeTiff}) and writes it atomically: the bytes go to a
 * temporary file in the same folder, are flushed to disk (fsync), and the temporary file is
 * renamed over `path` (then the folder is synced too, where the platform allows). Readers see the old file or the complete new one, never a partial
 * write; on any error the temporary file is removed and `path` is untouched.
 *
 * @param path - Destination file; its folder must exist and be writable.
 * @param image - The pixels to write.
 * @param options - See {@link WriteTiffOptions}.
 * @throws Never synchronously; rejects with a {@link TiffError} (`ERR_TIFF_INVALID_ARGUMENT`
 *   for a bad image or option, `ERR_TIFF_IO` naming the file when writing fails).
 * @example
 * ```ts
 * await writeTiff('out/compressed0_50.tif', image, { compression: 'deflate' });
 * ```
 */
export async function writeTiff(
  path: string,
  image: TiffImage,
  options?: WriteTiffOptions,
): Promise<void> {
  await writeEncoded(path, () => encodeTiff(image, options));
}

/**
 * {@link writeTiff} without a copy of the samples: uncompressed 8-bit strips go from
 * `image.data` straight to the file. For images that nothing else can change until the
 * promise settles (compressFile's own result).
 * @internal
 */
export async function writeOwnedTiff(
  path: string,
  image: TiffImage,
  options?: WriteTiffOptions,
): Promise<void> {
  await writeEncoded(path, () => encodeTiffParts(image, options));
}

/** The path checked, then the image encoded (its errors as rejections), then replaced. */
async function writeEncoded(
  path: string,
  encode: () => Uint8Array | readonly Uint8Array[],
): Promise<void> {
  checkPath(path, 'writeTiff');
  const content = encode();
  try {
    await replaceFile(path, content);
  } catch (error) {
    throw ioError('write', path, error);
  }
}
