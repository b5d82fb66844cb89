import { inflateSync } from 'node:zlib';
import { corrupt, unsupported } from './errors.js';
import { lzwDecode } from './lzw.js';

/** TIFF Compression tag values and the names used in messages. */
export const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  1: 'none',
  2: 'CCITT modified Huffman (RLE)',
  3: 'CCITT Group 3 fax',
  4: 'CCITT Group 4 fax',
  5: 'LZW',
  6: 'old-style JPEG (TIFF 6.0 section 22)',
  7: 'JPEG',
  8: 'Deflate (Adobe)',
  32773: 'PackBits',
  32946: 'Deflate (old-style)',
  34712: 'JPEG 2000',
  34887: 'LERC',
  34925: 'LZMA',
  50000: 'ZSTD',
  50001: 'WebP',
  52546: 'JPEG XL',
};

/** The readable name of a Compression tag value, for messages. */
export function compressionName(code: number): string {
  return COMPRESSION_NAMES[code] ?? `unknown scheme ${code}`;
}

/**
 * Decodes PackBits (Apple run-length) into at most `maxOutput` bytes; a run that would read past
 * the input is reported as damage.
 */
export function packBitsDecode(input: Uint8Array, maxOutput: number): Uint8Array {
  const out = new Uint8Array(maxOutput);
  let i = 0;
  let o = 0;
  while (i < input.length && o < maxOutput) {
    const n = input[i++] ?? 0;
    if (n < 128) {
      const count = n + 1;
      if (i + count > input.length) {
        throw corrupt(`PackBits data is damaged: a literal run of ${count} bytes passes the end`);
      }
      const take = Math.min(count, maxOutput - o);
      out.set(input.subarray(i, i + take), o);
      o += take;
      i += count;
    } else if (n > 128) {
      if (i >= input.length) throw corrupt('PackBits data is damaged: a repeat run has no byte');
      const count = 257 - n;
      const value = input[i++] ?? 0;
      const take = Math.min(count, maxOutput - o);
      out.fill(value, o, o + take);
      o += take;
    }
    // 128 is a no-op by definition.
  }
  return o === maxOutput ? out : out.subarray(0, o);
}

/** Inflates a zlib stream (Deflate compression 8 and the old code 32946 are the same format). */
export function deflateDecode(input: Uint8Array, maxOutput: number): Uint8Array {
  try {
    // The cap keeps a zip bomb from allocating more than the chunk can hold (plus slack some
    // writers leave at the end of the last strip).
    return inflateSync(input, { maxOutputLength: Math.max(1024, maxOutput + 4096) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw corrupt(`Deflate data is damaged (${message})`, error);
  }
}

/**
 * Decompresses one strip or tile for the lossless schemes handled here. JPEG and CCITT are
 * dispatched elsewhere; anything else is refused naming the scheme.
 */
export function decompressLossless(
  compression: number,
  input: Uint8Array,
  expected: number,
): Uint8Array {
  switch (compression) {
    case 1:
      return input;
    case 5:
      return lzwDecode(input, expected);
    case 8:
    case 32946:
      return deflateDecode(input, expected);
    case 32773:
      return packBitsDecode(input, expected);
    default:
      throw unsupported(
        `TIFF compression ${compressionName(compression)} (Compression=${compression}) is not supported; re-save the file uncompressed or with LZW, Deflate or PackBits`,
      );
  }
}

/** Reverses the bit order of every byte (FillOrder 2: least significant bit first). */
export function reverseBits(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    let b = input[i] ?? 0;
    b = ((b & 0xf0) >>> 4) | ((b & 0x0f) << 4);
    b = ((b & 0xcc) >>> 2) | ((b & 0x33) << 2);
    b = ((b & 0xaa) >>> 1) | ((b & 0x55) << 1);
    out[i] = b;
  }
  return out;
}
