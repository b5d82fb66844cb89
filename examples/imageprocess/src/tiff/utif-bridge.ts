import { createRequire } from 'node:module';
import { TiffError, corrupt, unsupported } from './errors.js';
import { ycbcrToRgbLikeLibjpeg } from './jpeg-color.js';

/**
 * The parts of utif 3.1 this layer delegates to: its JPEG decoder (a port of pdf.js's JpegImage)
 * and its CCITT Group 4 decoder. Everything else (directory parsing, strips and tiles, LZW,
 * Deflate, PackBits, predictors, colour conversion) is done by this package, because utif gets
 * several of those wrong and hangs on old-style LZW.
 */
interface JpegImage {
  parse(data: Uint8Array): void;
  getData(width: number, height: number, forceRGB: boolean): Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  numComponents?: number;
  /** pdf.js's `colorTransform` option, under the minified name it has in utif 3.1. */
  B?: number;
  /** pdf.js's decoded components, under the minified name it has in utif 3.1. */
  b?: unknown;
}

interface UtifDecode {
  _decodeG4(
    data: Uint8Array,
    off: number,
    slen: number,
    tgt: Uint8Array,
    toff: number,
    w: number,
    fo: number,
  ): void;
  _addNtimes(arr: number[], n: number, val: number): void;
  _findDiff(line: number[], x: number, clr: number): number | undefined;
}

interface Utif {
  JpegDecoder: new () => JpegImage;
  decode: UtifDecode;
}

const require = createRequire(import.meta.url);
const UTIF = require('utif') as Utif;

/** Bits a valid Group 4 stream can go without completing a run (longest codes are 13 bits). */
const G4_MAX_BITS_WITHOUT_RUN = 512;

/**
 * Decodes one CCITT Group 4 strip with utif, into rows of `ceil(width/8)` bytes (0 bits for
 * white runs, as libtiff gives them). utif's decoder has no defences: on damaged data its line
 * buffer grows without end and its code lookup goes quadratic. So, for the duration of the
 * call only, its two helpers are wrapped: a run that overflows the line, or a long stretch of
 * bits that completes no run, aborts with `ERR_TIFF_CORRUPT`.
 */
export function decodeG4(
  data: Uint8Array,
  width: number,
  rows: number,
  fillOrder: number,
): Uint8Array {
  const rowBytes = Math.ceil(width / 8);
  const out = new Uint8Array(rowBytes * rows);
  const decode = UTIF.decode;
  const addNtimes = decode._addNtimes;
  const findDiff = decode._findDiff;
  let bitsSinceRun = 0;
  decode._addNtimes = (arr, n, val) => {
    bitsSinceRun = 0;
    if (n > 0 && arr.length + n > width) {
      throw corrupt(`CCITT Group 4 data is damaged: a run passes the end of a ${width}-pixel line`);
    }
    addNtimes(arr, n, val);
  };
  decode._findDiff = (line, x, clr) => {
    // Called twice per input bit: count bits, not calls.
    bitsSinceRun += 0.5;
    if (bitsSinceRun > G4_MAX_BITS_WITHOUT_RUN) {
      throw corrupt('CCITT Group 4 data is damaged: no valid code in 512 bits');
    }
    return findDiff(line, x, clr);
  };
  try {
    decode._decodeG4(data, 0, data.length, out, 0, width, fillOrder);
  } catch (error) {
    if (error instanceof TiffError) throw error;
    throw corrupt(`CCITT Group 4 data is damaged (${String(error)})`, error);
  } finally {
    decode._addNtimes = addNtimes;
    decode._findDiff = findDiff;
  }
  return out;
}

/** Frame size and component count from a JPEG stream's SOF marker, checked before decoding. */
function jpegFrame(data: Uint8Array): { width: number; height: number; components: number } {
  let p = 2;
  while (p + 4 <= data.length) {
    if (data[p] !== 0xff) {
      p++;
      continue;
    }
    const marker = data[p + 1] ?? 0;
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd8)) {
      p += marker === 0xff ? 1 : 2;
      continue;
    }
    const length = ((data[p + 2] ?? 0) << 8) | (data[p + 3] ?? 0);
    const isSof =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) {
        throw unsupported(
          `This JPEG-compressed TIFF uses JPEG process SOF${marker - 0xc0} (lossless, arithmetic or hierarchical), which is not supported`,
        );
      }
      const height = ((data[p + 5] ?? 0) << 8) | (data[p + 6] ?? 0);
      const width = ((data[p + 7] ?? 0) << 8) | (data[p + 8] ?? 0);
      return { width, height, components: data[p + 9] ?? 0 };
    }
    p += 2 + length;
  }
  throw corrupt('JPEG data is damaged: no frame header (SOF marker) found');
}

/**
 * Decodes one JPEG strip or tile (JPEGTables prepended) to interleaved 8-bit components.
 * `colorTransform` false keeps the components as stored (Photometric RGB or CMYK); true lets
 * the decoder turn YCbCr into RGB. The frame size is checked against the chunk before any
 * allocation, so a damaged header cannot request gigabytes.
 */
export function decodeJpeg(
  tables: Uint8Array | undefined,
  data: Uint8Array,
  chunkWidth: number,
  chunkHeight: number,
  components: number,
  colorTransform: boolean,
): { data: Uint8Array; width: number; height: number } {
  let stream = data;
  if (tables !== undefined && tables.length > 4) {
    // Tables end with EOI and the strip starts with SOI: splice them into one stream.
    const head =
      tables[tables.length - 2] === 0xff && tables[tables.length - 1] === 0xd9
        ? tables.subarray(0, tables.length - 2)
        : tables;
    const body = data[0] === 0xff && data[1] === 0xd8 ? data.subarray(2) : data;
    stream = new Uint8Array(head.length + body.length);
    stream.set(head, 0);
    stream.set(body, head.length);
  }
  if (stream[0] !== 0xff || stream[1] !== 0xd8) {
    throw corrupt('JPEG data is damaged: it does not start with an SOI marker');
  }
  const frame = jpegFrame(stream);
  if (frame.components !== components) {
    throw corrupt(
      `JPEG data has ${frame.components} components but the TIFF declares ${components} samples per pixel`,
    );
  }
  if (
    frame.width === 0 ||
    frame.height === 0 ||
    frame.width > chunkWidth + 16 ||
    frame.height > chunkHeight + 16
  ) {
    throw corrupt(
      `JPEG frame is ${frame.width}x${frame.height} but the strip or tile is ${chunkWidth}x${chunkHeight}`,
    );
  }
  // Even a flat JPEG spends about two bits per 8x8 block and component: a frame far larger than
  // its data can fill is damage, refused before the decoder allocates for it.
  if (frame.width * frame.height > 512 * stream.length + 65536) {
    throw corrupt(
      `JPEG frame of ${frame.width}x${frame.height} cannot come from ${stream.length} bytes of data`,
    );
  }
  const decoder = new UTIF.JpegDecoder();
  if (!colorTransform) {
    if (decoder.B !== -1) {
      throw unsupported(
        'JPEG with Photometric RGB needs the JPEG decoder to skip its YCbCr transform, which this utif version does not allow',
      );
    }
    decoder.B = 0;
  }
  try {
    decoder.parse(stream);
    if (colorTransform && components === 3) {
      const rgb = ycbcrToRgbLikeLibjpeg(decoder.b, decoder.width, decoder.height);
      if (rgb !== undefined) return { data: rgb, width: decoder.width, height: decoder.height };
    }
    const pixels = decoder.getData(decoder.width, decoder.height, false);
    return {
      data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength),
      width: decoder.width,
      height: decoder.height,
    };
  } catch (error) {
    const message =
      error instanceof Error
        ? error.message
        : String((error as { message?: unknown })?.message ?? error);
    throw corrupt(`JPEG data is damaged (${message})`, error);
  }
}
