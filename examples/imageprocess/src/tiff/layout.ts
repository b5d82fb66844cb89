import { compressionName, decompressLossless, reverseBits } from './codecs.js';
import { TiffError, corrupt, unsupported } from './errors.js';
import type { ByteReader, Ifd } from './ifd.js';
import { decodeG4, decodeJpeg } from './utif-bridge.js';
import { Tag } from './tags.js';
import { placeYcbcrChunk, ycbcrChunkBytes, ycbcrSubsampling } from './ycbcr.js';

/** Largest decoded buffer the reader agrees to allocate (raw samples or final pixels). */
export const MAX_DECODED_BYTES = 1 << 29;

/**
 * Upper bounds of each lossless scheme's expansion, used to reject impossible sizes early. LZW
 * peaks near 1,362:1 (constant input: a full table of strings of length 2..3837 from about 5.4 KB
 * of codes; 1,304:1 measured with our encoder), Deflate at 1,032:1, PackBits at 64:1.
 */
const MAX_RATIO: Readonly<Record<number, number>> = {
  1: 1,
  5: 1400,
  8: 1100,
  32946: 1100,
  32773: 64,
};

/** The validated description of one image, read from its directory. */
export interface ImageInfo {
  readonly width: number;
  readonly height: number;
  readonly samplesPerPixel: number;
  readonly bits: number;
  readonly compression: number;
  readonly photometric: number;
  readonly planar: 1 | 2;
  readonly predictor: number;
  readonly fillOrder: number;
  readonly extraSamples: readonly number[];
  /** 1 unsigned, 2 signed (decoded as raw bits, refused by decodeTiff), 4 undefined. */
  readonly sampleFormat: number;
}

const SAMPLE_FORMAT_NAMES: Readonly<Record<number, string>> = {
  2: 'signed integer',
  3: 'floating-point',
  5: 'complex integer',
  6: 'complex floating-point',
};

function positiveInteger(value: number | undefined, what: string): number {
  if (value === undefined) throw corrupt(`The TIFF has no ${what} tag, which every image needs`);
  if (!Number.isInteger(value) || value < 1) {
    throw corrupt(`Expected ${what} to be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Refuses sample formats other than unsigned integers (SampleFormat 1, or 4 "undefined", which
 * libtiff also reads as unsigned).
 */
export function refuseSampleFormat(sampleFormat: number, bits: number): void {
  if (sampleFormat === 1 || sampleFormat === 4) return;
  const name = SAMPLE_FORMAT_NAMES[sampleFormat] ?? `format ${sampleFormat}`;
  throw unsupported(
    `${bits}-bit ${name} samples (SampleFormat=${sampleFormat}) are not supported; convert the image to unsigned 8- or 16-bit integers`,
  );
}

/**
 * Reads and checks the tags that define the pixel layout of one directory; damaged values are
 * `ERR_TIFF_CORRUPT`, features this reader refuses are `ERR_TIFF_UNSUPPORTED`.
 */
export function readImageInfo(ifd: Ifd): ImageInfo {
  const width = positiveInteger(ifd.number(Tag.ImageWidth), 'ImageWidth');
  const height = positiveInteger(ifd.number(Tag.ImageLength), 'ImageLength');
  const samplesPerPixel = positiveInteger(ifd.number(Tag.SamplesPerPixel, 1), 'SamplesPerPixel');
  if (samplesPerPixel > 64) {
    throw corrupt(`SamplesPerPixel is ${samplesPerPixel}; no real image has more than 64`);
  }
  const bitsList = ifd.numbers(Tag.BitsPerSample, 64) ?? [1];
  const bits = bitsList[0] ?? 1;
  if (bitsList.some((b) => b !== bits)) {
    throw unsupported(
      `Samples of different bit depths (BitsPerSample ${bitsList.join(',')}) are not supported`,
    );
  }
  const formats = ifd.numbers(Tag.SampleFormat, 64) ?? [1];
  const sampleFormat = formats[0] ?? 1;
  if (formats.some((f) => f !== sampleFormat)) {
    throw unsupported(
      `Samples of different formats (SampleFormat ${formats.join(',')}) are not supported`,
    );
  }
  if (sampleFormat < 1 || sampleFormat > 6) {
    throw corrupt(`SampleFormat ${sampleFormat} is not a defined value`);
  }
  if (sampleFormat === 3 || sampleFormat === 5 || sampleFormat === 6) {
    // Refused before the bit-depth check so 32/64-bit floats get the message that names them.
    refuseSampleFormat(sampleFormat, bits);
  }
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw unsupported(
      `${bits}-bit integer samples are not supported; convert the image to 8- or 16-bit`,
    );
  }
  const compression = ifd.number(Tag.Compression, 1);
  const planarValue = ifd.number(Tag.PlanarConfiguration, 1);
  if (planarValue !== 1 && planarValue !== 2) {
    throw corrupt(`PlanarConfiguration is ${planarValue}; only 1 (chunky) and 2 (planar) exist`);
  }
  const planar: 1 | 2 = samplesPerPixel === 1 ? 1 : planarValue;
  const predictor = ifd.number(Tag.Predictor, 1);
  if (predictor === 3) {
    throw unsupported('The floating-point predictor (Predictor=3) is not supported');
  }
  if (predictor !== 1 && predictor !== 2) {
    throw unsupported(`Predictor ${predictor} is not supported (only 1 and 2 are)`);
  }
  if (predictor === 2 && bits !== 8 && bits !== 16) {
    throw unsupported(`Horizontal differencing with ${bits}-bit samples is not supported`);
  }
  const fillOrder = ifd.number(Tag.FillOrder, 1);
  if (fillOrder !== 1 && fillOrder !== 2)
    throw corrupt(`FillOrder is ${fillOrder}; only 1 and 2 exist`);
  const photometric = ifd.number(Tag.Photometric) ?? (samplesPerPixel >= 3 ? 2 : 1);
  const extraSamples = ifd.numbers(Tag.ExtraSamples, 64) ?? [];
  return {
    width,
    height,
    samplesPerPixel,
    bits,
    compression,
    photometric,
    planar,
    predictor,
    fillOrder,
    extraSamples,
    sampleFormat,
  };
}

/** One strip or tile: where it sits in the image and which sample plane it carries. */
interface Chunk {
  readonly x: number;
  readonly y: number;
  /** Pixels per row stored in the chunk (tile width, or image width for strips). */
  readonly width: number;
  /** Rows stored in the chunk (full tile height, or the strip's real row count). */
  readonly rows: number;
  /** RowsPerStrip or TileLength: some writers code a short last strip at this full height. */
  readonly nominalRows: number;
  readonly plane: number;
  readonly offset: number;
  readonly byteCount: number;
}

function chunksOf(ifd: Ifd, info: ImageInfo, reader: ByteReader): Chunk[] {
  const { width, height, planar, samplesPerPixel } = info;
  const planes = planar === 2 ? samplesPerPixel : 1;
  const tiled = ifd.has(Tag.TileOffsets) || ifd.has(Tag.TileWidth);
  let cw: number;
  let ch: number;
  let across: number;
  let down: number;
  let offsets: number[] | undefined;
  let counts: number[] | undefined;
  if (tiled) {
    cw = positiveInteger(ifd.number(Tag.TileWidth), 'TileWidth');
    ch = positiveInteger(ifd.number(Tag.TileLength), 'TileLength');
    if (cw * ch > 1 << 26) throw corrupt(`Tiles of ${cw}x${ch} pixels are impossibly large`);
    across = Math.ceil(width / cw);
    down = Math.ceil(height / ch);
    offsets = ifd.numbers(Tag.TileOffsets);
    counts = ifd.numbers(Tag.TileByteCounts);
  } else {
    const rps = ifd.number(Tag.RowsPerStrip, height);
    cw = width;
    ch = rps >= 1 ? Math.min(rps, height) : height;
    across = 1;
    down = Math.ceil(height / ch);
    offsets = ifd.numbers(Tag.StripOffsets);
    counts = ifd.numbers(Tag.StripByteCounts);
  }
  const kind = tiled ? 'tile' : 'strip';
  const perPlane = across * down;
  const total = perPlane * planes;
  if (offsets === undefined) throw corrupt(`The TIFF has no ${kind} offsets; it has no pixel data`);
  if (offsets.length < total) {
    throw corrupt(`The image needs ${total} ${kind}s but the file lists ${offsets.length}`);
  }
  if (counts === undefined) {
    if (info.compression !== 1 || offsets.length !== 1) {
      throw corrupt(`The TIFF has no ${kind} byte counts`);
    }
    counts = [reader.length - (offsets[0] ?? 0)];
  }
  if (counts.length < total) {
    throw corrupt(
      `The image needs ${total} ${kind} byte counts but the file lists ${counts.length}`,
    );
  }
  const chunks: Chunk[] = [];
  for (let plane = 0; plane < planes; plane++) {
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        const index = plane * perPlane + ty * across + tx;
        const y = ty * ch;
        chunks.push({
          x: tx * cw,
          y,
          width: cw,
          rows: tiled ? ch : Math.min(ch, height - y),
          nominalRows: ch,
          plane,
          offset: offsets[index] ?? 0,
          byteCount: counts[index] ?? 0,
        });
      }
    }
  }
  return chunks;
}

/** Undoes horizontal differencing (Predictor 2) in place, row by row, in file byte order. */
function undoPredictor(
  data: Uint8Array,
  rowBytes: number,
  rows: number,
  samples: number,
  bits: number,
  little: boolean,
): void {
  if (bits === 8) {
    for (let r = 0; r < rows; r++) {
      const start = r * rowBytes;
      for (let i = start + samples; i < start + rowBytes; i++) {
        data[i] = ((data[i] ?? 0) + (data[i - samples] ?? 0)) & 0xff;
      }
    }
    return;
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stride = samples * 2;
  for (let r = 0; r < rows; r++) {
    const start = r * rowBytes;
    for (let i = start + stride; i + 1 < start + rowBytes; i += 2) {
      view.setUint16(
        i,
        (view.getUint16(i, little) + view.getUint16(i - stride, little)) & 0xffff,
        little,
      );
    }
  }
}

/**
 * Whose the bytes being decoded are: the caller's ('copy': the samples never share their
 * memory), the decoder's alone ('owned': readTiff's own read of a file, which the image may
 * keep), or lent for as long as the image lives ('lent': the image may be any view of them).
 */
export type BytesHold = 'copy' | 'owned' | 'lent';

/**
 * Reads every strip or tile of the image into one interleaved array of raw sample values
 * (`samplesPerPixel` per pixel; Uint8Array up to 8 bits, Uint16Array above). For JPEG the
 * values are the decoder's output (RGB for YCbCr). All offsets, sizes and codes are checked.
 */
export function readSamples(
  ifd: Ifd,
  info: ImageInfo,
  reader: ByteReader,
  hold: BytesHold = 'copy',
): Uint8Array | Uint16Array {
  const { width, height, samplesPerPixel: spp, bits, compression, planar } = info;
  const sampleBytes = bits > 8 ? 2 : 1;
  const total = width * height * spp;
  if (total * sampleBytes > MAX_DECODED_BYTES) {
    throw new TiffError(
      'ERR_TIFF_TOO_LARGE',
      `The image is ${width}x${height} with ${spp} samples per pixel (${total * sampleBytes} bytes decoded), more than the ${MAX_DECODED_BYTES}-byte limit`,
    );
  }
  const isJpeg = compression === 7;
  const isFax = compression === 4;
  if (compression === 6) {
    throw unsupported(
      'Old-style JPEG compression (Compression=6) is not supported; re-save the file with new-style JPEG (7) or a lossless scheme',
    );
  }
  if ((isJpeg && (bits !== 8 || planar === 2)) || (isFax && (bits !== 1 || spp !== 1))) {
    throw unsupported(
      `${compressionName(compression)} with ${bits}-bit samples${planar === 2 ? ' in separate planes' : ''} is not supported`,
    );
  }
  const chunks = chunksOf(ifd, info, reader);
  const sub =
    info.photometric === 6 && !isJpeg ? ycbcrSubsampling(ifd, spp, bits, planar) : undefined;
  if (sub !== undefined && info.predictor !== 1) {
    throw unsupported('A predictor with subsampled YCbCr data is not supported');
  }
  const ratio = MAX_RATIO[compression];
  if (ratio !== undefined) {
    // A damaged size field must not make us allocate far more than the data could ever fill.
    const stored = chunks.reduce((sum, c) => sum + c.byteCount, 0);
    const needed =
      sub === undefined ? (total * bits) / 8 : width * height * (1 + 2 / (sub[0] * sub[1]));
    if (stored * ratio < needed) {
      throw corrupt(
        `The image declares ${width}x${height} pixels (${Math.ceil(needed)} bytes) but its ${compressionName(compression)} data holds only ${stored} bytes, too little to fill it: the file is truncated or damaged`,
      );
    }
  }
  if (hold !== 'copy' && sub === undefined) {
    const stored = storedAsHeld(chunks, info, reader, hold);
    if (stored) return stored;
  }
  const out = sampleBytes === 2 ? new Uint16Array(total) : new Uint8Array(total);
  const tables = isJpeg ? ifd.bytes(Tag.JPEGTables) : undefined;
  const chunkSpp = planar === 2 ? 1 : spp;
  const kind = ifd.has(Tag.TileOffsets) || ifd.has(Tag.TileWidth) ? 'tile' : 'strip';
  let index = 0;
  for (const chunk of chunks) {
    index++;
    if (chunk.byteCount === 0) {
      throw corrupt(`The ${kind} ${index} of ${chunks.length} has no data (byte count 0)`);
    }
    if (chunk.offset + chunk.byteCount > reader.length) {
      throw corrupt(
        `The ${kind} ${index} of ${chunks.length} ends at byte ${chunk.offset + chunk.byteCount} but the file has only ${reader.length} bytes: the file is truncated`,
      );
    }
    const raw = reader.slice(chunk.offset, chunk.byteCount, kind);
    let rowBytes = Math.ceil((chunk.width * chunkSpp * bits) / 8);
    let storedWidth = chunk.width;
    let data: Uint8Array;
    if (isJpeg) {
      const decoded = decodeJpeg(
        tables,
        raw,
        chunk.width,
        chunk.nominalRows,
        spp,
        info.photometric === 6,
      );
      const need = Math.min(chunk.rows, height - chunk.y);
      const needCols = Math.min(chunk.width, width - chunk.x);
      if (decoded.height < need || decoded.width < needCols) {
        throw corrupt(
          `The JPEG ${kind} ${index} decodes to ${decoded.width}x${decoded.height}, smaller than the ${needCols}x${need} it must cover`,
        );
      }
      data = decoded.data;
      storedWidth = decoded.width;
      rowBytes = decoded.width * spp;
    } else if (isFax) {
      data = decodeG4(raw, chunk.width, chunk.rows, info.fillOrder);
    } else {
      const expected =
        sub === undefined
          ? rowBytes * chunk.rows
          : ycbcrChunkBytes(chunk.width, chunk.rows, sub[0], sub[1]);
      data = decompressLossless(
        compression,
        info.fillOrder === 2 ? reverseBits(raw) : raw,
        expected,
      );
      if (data.length < expected) {
        throw corrupt(
          `The ${kind} ${index} of ${chunks.length} holds ${data.length} bytes after decompression, ${expected} expected: the data is truncated or damaged`,
        );
      }
      if (info.predictor === 2) {
        if (data === raw) data = raw.slice(0, expected);
        undoPredictor(data, rowBytes, chunk.rows, chunkSpp, bits, reader.little);
      }
    }
    if (sub === undefined) placeChunk(data, chunk, rowBytes, storedWidth, info, reader.little, out);
    else placeYcbcrChunk(data, chunk, sub[0], sub[1], width, height, out);
  }
  return out;
}

/**
 * The samples as a view of the file's bytes, when they lie there exactly as the image holds
 * them: 8-bit, uncompressed, no predictor or bit reversal, interleaved (or one sample per pixel),
 * in strips of whole rows stored one after the other from the top. The view is a plain
 * Uint8Array (a Buffer's subarray would be a Buffer). For 'owned' bytes, only where they own
 * their whole ArrayBuffer (so that the view shares memory with nothing else) and the samples are
 * at least half of them; 'lent' bytes outlive the image, so any view will do.
 * Otherwise undefined: the caller copies.
 */
function storedAsHeld(
  chunks: readonly Chunk[],
  info: ImageInfo,
  reader: ByteReader,
  hold: 'owned' | 'lent',
): Uint8Array | undefined {
  const { width, height, samplesPerPixel: spp, bits, compression, planar } = info;
  const bytes = reader.bytes;
  if (
    bits !== 8 ||
    compression !== 1 ||
    info.predictor !== 1 ||
    info.fillOrder !== 1 ||
    (planar === 2 && spp > 1) ||
    (hold === 'owned' && (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.length))
  ) {
    return undefined;
  }
  const rowBytes = width * spp;
  const start = chunks[0]?.offset ?? 0;
  let next = start;
  let y = 0;
  for (const chunk of chunks) {
    const rows = Math.min(chunk.rows, height - chunk.y);
    if (
      chunk.x !== 0 ||
      chunk.width !== width ||
      chunk.y !== y ||
      chunk.offset !== next ||
      chunk.byteCount < rows * rowBytes
    ) {
      return undefined;
    }
    next += rows * rowBytes;
    y += rows;
  }
  if (y !== height || next > bytes.length) return undefined;
  // A view of owned bytes keeps the whole file alive: only where the samples are most of it
  // (not one page of many, or a small image beside large metadata).
  if (hold === 'owned' && 2 * height * rowBytes < bytes.length) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, height * rowBytes);
}

/** Copies one decoded chunk's samples into the interleaved image array, cropping at the edges. */
function placeChunk(
  data: Uint8Array,
  chunk: Chunk,
  rowBytes: number,
  storedWidth: number,
  info: ImageInfo,
  little: boolean,
  out: Uint8Array | Uint16Array,
): void {
  const { width, height, samplesPerPixel: spp, bits, planar } = info;
  const chunkSpp = planar === 2 ? 1 : spp;
  const cols = Math.min(storedWidth, width - chunk.x);
  const rows = Math.min(chunk.rows, height - chunk.y);
  const count = cols * chunkSpp;
  const step = planar === 2 ? spp : 1;
  if (bits === 8 && step === 1 && count === rowBytes && count === width * spp) {
    // Whole rows, stored back to back as the image holds them: one copy for the chunk.
    out.set(data.subarray(0, rows * rowBytes), chunk.y * width * spp);
    return;
  }
  for (let r = 0; r < rows; r++) {
    const src = r * rowBytes;
    let dst = ((chunk.y + r) * width + chunk.x) * spp + chunk.plane;
    if (bits === 8) {
      if (step === 1) {
        out.set(data.subarray(src, src + count), dst);
      } else {
        for (let i = 0; i < count; i++, dst += step) out[dst] = data[src + i] ?? 0;
      }
    } else if (bits === 16) {
      for (let i = 0; i < count; i++, dst += step) {
        const a = data[src + 2 * i] ?? 0;
        const b = data[src + 2 * i + 1] ?? 0;
        out[dst] = little ? a | (b << 8) : (a << 8) | b;
      }
    } else {
      // Any other depth: samples are packed most significant bit first, rows byte-aligned.
      let bit = src * 8;
      for (let i = 0; i < count; i++, dst += step) {
        let value = 0;
        for (let k = 0; k < bits; k++, bit++) {
          value = (value << 1) | (((data[bit >>> 3] ?? 0) >>> (7 - (bit & 7))) & 1);
        }
        out[dst] = value;
      }
    }
  }
}
