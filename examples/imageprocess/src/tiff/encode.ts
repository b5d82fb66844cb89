import { deflateSync } from 'node:zlib';
import { TiffError, describe } from './errors.js';
import { lzwEncode } from './lzw.js';
import type { TiffImage, WriteTiffOptions } from './types.js';

const WRITE_OPTION_KEYS = new Set(['compression']);
const COMPRESSION_CODES = { none: 1, lzw: 5, deflate: 8 } as const;
/** Target uncompressed strip size: large enough to compress well, small enough to stream. */
const STRIP_BYTES = 256 * 1024;

function invalid(message: string): TiffError {
  return new TiffError('ERR_TIFF_INVALID_ARGUMENT', message);
}

/** Checks a caller's image at run time; TypeScript types do not reach JavaScript callers. */
export function checkImage(image: unknown): TiffImage {
  if (image === null || typeof image !== 'object') {
    throw invalid(`Expected \`image\` to be a TiffImage object, got ${describe(image)}`);
  }
  const { width, height, channels, bitsPerSample, alpha, data } = image as Partial<TiffImage>;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0xffffffff) {
      throw invalid(`Expected \`image.${name}\` to be a positive integer, got ${describe(value)}`);
    }
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw invalid(
      `Expected \`image.channels\` to be 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), got ${describe(channels)}`,
    );
  }
  if (bitsPerSample !== 8 && bitsPerSample !== 16) {
    throw invalid(`Expected \`image.bitsPerSample\` to be 8 or 16, got ${describe(bitsPerSample)}`);
  }
  const expectAlpha = channels === 2 || channels === 4;
  if (alpha !== expectAlpha) {
    throw invalid(
      `Expected \`image.alpha\` to be ${expectAlpha} for ${channels} channel${channels === 1 ? '' : 's'}, got ${describe(alpha)}`,
    );
  }
  const wanted = bitsPerSample === 8 ? Uint8Array : Uint16Array;
  if (!(data instanceof wanted)) {
    throw invalid(
      `Expected \`image.data\` to be a ${wanted.name} for ${bitsPerSample}-bit samples, got ${describe(data)}`,
    );
  }
  const length = (width as number) * (height as number) * channels;
  if (data.length !== length) {
    throw invalid(
      `Expected \`image.data\` to hold width*height*channels = ${length} samples, got ${data.length}`,
    );
  }
  return image as TiffImage;
}

/** Reads and checks write options; unknown keys are refused so typos do not pass silently. */
export function checkWriteOptions(options: unknown): 1 | 5 | 8 {
  if (options === undefined) return 1;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(
      `Expected \`options\` to be an object like { compression: 'lzw' }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!WRITE_OPTION_KEYS.has(key)) {
      throw invalid(
        `Unknown option \`${key}\` for writing a TIFF; the only option is \`compression\``,
      );
    }
  }
  const compression = (options as WriteTiffOptions).compression ?? 'none';
  if (compression !== 'none' && compression !== 'lzw' && compression !== 'deflate') {
    throw invalid(
      `Expected \`compression\` to be 'none', 'deflate' or 'lzw', got ${describe(compression)}`,
    );
  }
  return COMPRESSION_CODES[compression];
}

interface Entry {
  tag: number;
  type: 3 | 4 | 5;
  values: number[];
}

/**
 * Encodes an image as a baseline little-endian TIFF of the same kind: gray (MinIsBlack), gray +
 * alpha, RGB or RGBA (alpha marked unassociated, ExtraSamples=2), 8 or 16 bits per sample, in
 * strips, uncompressed or compressed with Deflate or LZW plus horizontal differencing.
 * libtiff (tiffinfo, tiffcp), Pillow and this package's {@link decodeTiff} read it back exactly.
 *
 * @param image - The pixels; checked at run time (sizes, types, data length).
 * @param options - See {@link WriteTiffOptions}.
 * @returns The file's bytes.
 * @throws TiffError `ERR_TIFF_INVALID_ARGUMENT` for a bad image or option.
 * @example
 * ```ts
 * const bytes = encodeTiff({ width: 2, height: 1, channels: 1, bitsPerSample: 8, alpha: false,
 *   data: Uint8Array.of(0, 255) }, { compression: 'lzw' });
 * ```
 */
export function encodeTiff(image: TiffImage, options?: WriteTiffOptions): Uint8Array {
  const parts = encodeTiffParts(image, options);
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * {@link encodeTiff}'s bytes as consecutive parts: the header with the IFD and its values, then
 * the strips. Uncompressed 8-bit strips are views of `image.data`, not copies: the parts are
 * valid while the samples do not change.
 * @internal
 */
export function encodeTiffParts(image: TiffImage, options?: WriteTiffOptions): Uint8Array[] {
  const { width, height, channels, bitsPerSample, alpha, data } = checkImage(image);
  const compression = checkWriteOptions(options);
  const sampleBytes = bitsPerSample / 8;
  const rowBytes = width * channels * sampleBytes;
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_BYTES / rowBytes)));
  const stripCount = Math.ceil(height / rowsPerStrip);

  const strips: Uint8Array[] = [];
  for (let s = 0; s < stripCount; s++) {
    const y0 = s * rowsPerStrip;
    const rows = Math.min(rowsPerStrip, height - y0);
    const start = y0 * width * channels;
    const count = rows * width * channels;
    if (compression === 1) {
      // Copied once, into the file's bytes below: 8-bit samples need no copy of their own.
      strips.push(
        sampleBytes === 1
          ? (data as Uint8Array).subarray(start, start + count)
          : stripBytes(data, start, count, sampleBytes),
      );
      continue;
    }
    // A copy: the predictor works in place.
    const raw = stripBytes(data, start, count, sampleBytes);
    differentiate(raw, rows, rowBytes, channels, sampleBytes);
    strips.push(
      compression === 8 ? new Uint8Array(deflateSync(raw, { level: 6 })) : lzwEncode(raw),
    );
  }

  const bits = new Array<number>(channels).fill(bitsPerSample);
  const entries: Entry[] = [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: bits },
    { tag: 259, type: 3, values: [compression] },
    { tag: 262, type: 3, values: [channels <= 2 ? 1 : 2] },
    { tag: 273, type: 4, values: new Array<number>(stripCount).fill(0) },
    { tag: 277, type: 3, values: [channels] },
    { tag: 278, type: 4, values: [rowsPerStrip] },
    { tag: 279, type: 4, values: strips.map((s) => s.length) },
    { tag: 282, type: 5, values: [72] },
    { tag: 283, type: 5, values: [72] },
    { tag: 284, type: 3, values: [1] },
    { tag: 296, type: 3, values: [2] },
  ];
  if (compression !== 1) entries.push({ tag: 317, type: 3, values: [2] });
  if (alpha) entries.push({ tag: 338, type: 3, values: [2] });
  entries.push({ tag: 339, type: 3, values: new Array<number>(channels).fill(1) });

  const size = (e: Entry): number => e.values.length * (e.type === 3 ? 2 : e.type === 4 ? 4 : 8);
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extraOffset = ifdOffset + ifdSize;
  const placed = entries.map((e) => {
    const bytes = size(e);
    if (bytes <= 4) return { entry: e, offset: -1 };
    const offset = extraOffset;
    extraOffset += bytes + (bytes & 1);
    return { entry: e, offset };
  });
  let dataOffset = extraOffset;
  const offsets = strips.map((s) => {
    const at = dataOffset;
    dataOffset += s.length;
    return at;
  });
  if (dataOffset > 0xffffffff) {
    throw new TiffError(
      'ERR_TIFF_TOO_LARGE',
      `The encoded TIFF would be ${dataOffset} bytes; classic TIFF ends at 4 GiB`,
    );
  }
  const stripOffsets = entries.find((e) => e.tag === 273);
  if (stripOffsets !== undefined) stripOffsets.values = offsets;

  const out = new Uint8Array(extraOffset);
  const view = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  view.setUint16(2, 42, true);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, entries.length, true);
  placed.forEach(({ entry, offset }, i) => {
    const p = ifdOffset + 2 + i * 12;
    view.setUint16(p, entry.tag, true);
    view.setUint16(p + 2, entry.type, true);
    view.setUint32(p + 4, entry.values.length, true);
    const at = offset === -1 ? p + 8 : offset;
    if (offset !== -1) view.setUint32(p + 8, offset, true);
    entry.values.forEach((v, k) => {
      if (entry.type === 3) view.setUint16(at + 2 * k, v, true);
      else if (entry.type === 4) view.setUint32(at + 4 * k, v, true);
      else {
        view.setUint32(at + 8 * k, v, true);
        view.setUint32(at + 8 * k + 4, 1, true);
      }
    });
  });
  view.setUint32(ifdOffset + 2 + entries.length * 12, 0, true);
  return [out, ...strips];
}

/** One strip's samples as little-endian bytes (a fresh copy, safe to modify). */
function stripBytes(
  data: Uint8Array | Uint16Array,
  start: number,
  count: number,
  sampleBytes: number,
): Uint8Array {
  if (sampleBytes === 1) return (data as Uint8Array).slice(start, start + count);
  const out = new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    const v = data[start + i] ?? 0;
    out[2 * i] = v & 0xff;
    out[2 * i + 1] = v >>> 8;
  }
  return out;
}

/** Horizontal differencing (Predictor 2) in place, right to left so each uses the original. */
function differentiate(
  raw: Uint8Array,
  rows: number,
  rowBytes: number,
  channels: number,
  sampleBytes: number,
): void {
  if (sampleBytes === 1) {
    for (let r = 0; r < rows; r++) {
      const start = r * rowBytes;
      for (let i = start + rowBytes - 1; i >= start + channels; i--) {
        raw[i] = ((raw[i] ?? 0) - (raw[i - channels] ?? 0)) & 0xff;
      }
    }
    return;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const stride = channels * 2;
  for (let r = 0; r < rows; r++) {
    const start = r * rowBytes;
    for (let i = start + rowBytes - 2; i >= start + stride; i -= 2) {
      view.setUint16(
        i,
        (view.getUint16(i, true) - view.getUint16(i - stride, true)) & 0xffff,
        true,
      );
    }
  }
}
