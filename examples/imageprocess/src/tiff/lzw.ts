import { corrupt } from './errors.js';

const CLEAR = 256;
const EOI = 257;
const FIRST = 258;
const TABLE_SIZE = 4096;

/**
 * Decodes a TIFF LZW stream into at most `maxOutput` bytes.
 *
 * Handles both flavours found in the wild: the TIFF 6.0 form (codes packed most significant bit
 * first, code width growing one code early) and the pre-6.0 "old-style" form written by early
 * libtiff (least significant bit first, no early change), detected as libtiff does from the first
 * two bytes. Every code is checked against the table, so a damaged stream ends in a
 * `ERR_TIFF_CORRUPT` error instead of a hang or an out-of-range read; output beyond `maxOutput`
 * is discarded (some writers pad the last strip).
 */
export function lzwDecode(input: Uint8Array, maxOutput: number): Uint8Array {
  const oldStyle = input.length >= 2 && input[0] === 0 && ((input[1] ?? 0) & 1) === 1;
  const out = new Uint8Array(maxOutput);
  const prefix = new Int16Array(TABLE_SIZE);
  const suffix = new Uint8Array(TABLE_SIZE);
  const length = new Uint16Array(TABLE_SIZE);
  const firstByte = new Uint8Array(TABLE_SIZE);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
    firstByte[i] = i;
  }

  let inPos = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  let width = 9;
  let next = FIRST;
  let previous = -1;
  let written = 0;
  // Early change: the new-style encoder widens codes when the table reaches 2^width - 1 entries.
  const early = oldStyle ? 0 : 1;

  while (written < maxOutput) {
    while (bitCount < width && inPos < input.length) {
      const byte = input[inPos++] ?? 0;
      if (oldStyle) bitBuffer |= byte << bitCount;
      else bitBuffer = (bitBuffer << 8) | byte;
      bitCount += 8;
    }
    if (bitCount < width) break;
    let code: number;
    if (oldStyle) {
      code = bitBuffer & ((1 << width) - 1);
      bitBuffer >>>= width;
    } else {
      code = (bitBuffer >>> (bitCount - width)) & ((1 << width) - 1);
    }
    bitCount -= width;
    if (!oldStyle) bitBuffer &= (1 << bitCount) - 1;
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      next = FIRST;
      previous = -1;
      continue;
    }
    if (previous === -1) {
      if (code > 255) {
        throw corrupt(
          `LZW data is damaged: code ${code} follows a clear code (expected a literal)`,
        );
      }
      out[written++] = code;
      previous = code;
      continue;
    }
    let entry: number;
    if (code < next) {
      entry = code;
    } else if (code === next && next < TABLE_SIZE) {
      entry = -1;
    } else {
      throw corrupt(`LZW data is damaged: code ${code} is not yet defined (table has ${next})`);
    }
    // Add previous + first byte of the current string, then emit the current string.
    const first = entry === -1 ? (firstByte[previous] ?? 0) : (firstByte[entry] ?? 0);
    if (next < TABLE_SIZE) {
      prefix[next] = previous;
      suffix[next] = first;
      length[next] = (length[previous] ?? 0) + 1;
      firstByte[next] = firstByte[previous] ?? 0;
      next++;
    }
    const emit = entry === -1 ? next - 1 : entry;
    const len = length[emit] ?? 0;
    const end = written + len;
    let p = emit;
    for (let i = end - 1; i >= written; i--) {
      if (i < maxOutput) out[i] = suffix[p] ?? 0;
      p = prefix[p] ?? -1;
    }
    written = Math.min(end, maxOutput);
    previous = code;
    if (next + early >= 1 << width && width < 12) width++;
  }
  return written === maxOutput ? out : out.subarray(0, written);
}

/**
 * Encodes bytes as a TIFF 6.0 LZW stream (MSB-first, early code-width change, clear code when the
 * table fills), the form libtiff, Pillow and every current reader expect.
 */
export function lzwEncode(input: Uint8Array): Uint8Array {
  // Worst case: one 12-bit code per byte plus clear codes: 1.5 bytes per input byte.
  let out = new Uint8Array(Math.max(64, Math.ceil(input.length * 1.6) + 16));
  let outPos = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  const put = (code: number, width: number): void => {
    bitBuffer = (bitBuffer << width) | code;
    bitCount += width;
    while (bitCount >= 8) {
      bitCount -= 8;
      if (outPos >= out.length) {
        const grown = new Uint8Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[outPos++] = (bitBuffer >>> bitCount) & 0xff;
    }
    bitBuffer &= (1 << bitCount) - 1;
  };

  // Dictionary: (code << 8 | byte) -> code, as an open table indexed directly (4096 * 256).
  const dict = new Int16Array(TABLE_SIZE * 256);
  const touched: number[] = [];
  const reset = (): void => {
    for (const key of touched) dict[key] = 0;
    touched.length = 0;
  };

  let width = 9;
  let next = FIRST;
  put(CLEAR, width);
  if (input.length === 0) {
    put(EOI, width);
  } else {
    let current = input[0] ?? 0;
    for (let i = 1; i < input.length; i++) {
      const byte = input[i] ?? 0;
      const key = (current << 8) | byte;
      const found = dict[key] ?? 0;
      if (found !== 0) {
        current = found;
        continue;
      }
      put(current, width);
      dict[key] = next;
      touched.push(key);
      next++;
      current = byte;
      if (next === TABLE_SIZE - 2) {
        // The decoder would widen past 12 bits at the next entry: restart the table instead.
        put(CLEAR, width);
        reset();
        width = 9;
        next = FIRST;
      } else if (next > (1 << width) - 1) {
        width++;
      }
    }
    put(current, width);
    // The decoder adds one more entry after reading the last code: mirror its width change.
    next++;
    if (next <= TABLE_SIZE - 2 && next > (1 << width) - 1 && width < 12) width++;
    put(EOI, width);
  }
  if (bitCount > 0) put(0, 8 - bitCount);
  return out.slice(0, outPos);
}
