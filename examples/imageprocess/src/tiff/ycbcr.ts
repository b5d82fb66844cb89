import { corrupt, unsupported } from './errors.js';
import type { Ifd } from './ifd.js';
import { Tag } from './tags.js';

/**
 * The chroma subsampling of an uncompressed (non-JPEG) YCbCr image as [horizontal, vertical],
 * or undefined when samples are plain interleaved Y, Cb, Cr (1x1). Such data is stored in
 * "data units": h*v luma samples followed by one Cb and one Cr for each h x v block.
 */
export function ycbcrSubsampling(
  ifd: Ifd,
  samplesPerPixel: number,
  bits: number,
  planar: number,
): [number, number] | undefined {
  const values = ifd.numbers(Tag.YCbCrSubSampling, 2) ?? [2, 2];
  const h = values[0] ?? 2;
  const v = values[1] ?? h;
  const valid = [1, 2, 4];
  if (!valid.includes(h) || !valid.includes(v)) {
    throw corrupt(`YCbCrSubSampling is ${h},${v}; each factor must be 1, 2 or 4`);
  }
  if (h * v === 1) return undefined;
  if (planar === 2 || bits !== 8 || samplesPerPixel !== 3) {
    throw unsupported(
      `Subsampled YCbCr is supported only as 8-bit chunky data with 3 samples; this file has ${bits}-bit, ${samplesPerPixel} samples${planar === 2 ? ', separate planes' : ''}`,
    );
  }
  return [h, v];
}

/** Bytes of one strip or tile of subsampled YCbCr data covering `width` x `rows` pixels. */
export function ycbcrChunkBytes(width: number, rows: number, h: number, v: number): number {
  return Math.ceil(width / h) * Math.ceil(rows / v) * (h * v + 2);
}

/**
 * Expands one chunk of data units into full-resolution interleaved Y, Cb, Cr samples in `out`
 * (3 per pixel), repeating each block's chroma over its pixels as libtiff's RGBA reader does.
 */
export function placeYcbcrChunk(
  data: Uint8Array,
  chunk: { x: number; y: number; width: number; rows: number },
  h: number,
  v: number,
  imageWidth: number,
  imageHeight: number,
  out: Uint8Array | Uint16Array,
): void {
  const blocksAcross = Math.ceil(chunk.width / h);
  const blockRows = Math.ceil(chunk.rows / v);
  const unit = h * v + 2;
  for (let by = 0; by < blockRows; by++) {
    for (let bx = 0; bx < blocksAcross; bx++) {
      const p = (by * blocksAcross + bx) * unit;
      const cb = data[p + h * v] ?? 0;
      const cr = data[p + h * v + 1] ?? 0;
      for (let j = 0; j < v; j++) {
        const y = chunk.y + by * v + j;
        if (y >= imageHeight || by * v + j >= chunk.rows) continue;
        for (let i = 0; i < h; i++) {
          const x = chunk.x + bx * h + i;
          if (x >= imageWidth || bx * h + i >= chunk.width) continue;
          const o = (y * imageWidth + x) * 3;
          out[o] = data[p + j * h + i] ?? 0;
          out[o + 1] = cb;
          out[o + 2] = cr;
        }
      }
    }
  }
}

const f32 = Math.fround;
const FIX = (x: number): number => Math.trunc(f32(x * 65536) + 0.5);
const clampF = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/**
 * YCbCr (8-bit) to RGB tables built the way libtiff's TIFFYCbCrToRGBInit builds them (single
 * precision, truncating casts), from YCbCrCoefficients and ReferenceBlackWhite, so pixels match
 * libtiff's RGBA reader, which Pillow uses for such files.
 */
export function ycbcrConverter(
  ifd: Ifd,
): (y: number, cb: number, cr: number, out: number[]) => void {
  const luma = ifd.numbers(Tag.YCbCrCoefficients, 3) ?? [0.299, 0.587, 0.114];
  const ref = ifd.numbers(Tag.ReferenceBlackWhite, 6) ?? [0, 255, 128, 255, 128, 255];
  const [lr, lg, lb] = [f32(luma[0] ?? 0.299), f32(luma[1] ?? 0.587), f32(luma[2] ?? 0.114)];
  if (lg === 0) throw corrupt('YCbCrCoefficients has a zero green coefficient');
  const rb = ref.map((v) => f32(v));
  const f1 = f32(2 - f32(2 * lr));
  const d1 = FIX(clampF(f1, 0, 2));
  const d2 = -FIX(clampF(f32(f32(lr * f1) / lg), 0, 2));
  const f3 = f32(2 - f32(2 * lb));
  const d3 = FIX(clampF(f3, 0, 2));
  const d4 = -FIX(clampF(f32(f32(lb * f3) / lg), 0, 2));
  const code2v = (c: number, black: number, white: number, range: number): number => {
    const span = f32(white - black);
    return f32(f32(f32(c - black) * range) / (span !== 0 ? span : 1));
  };
  const crR = new Int32Array(256);
  const cbB = new Int32Array(256);
  const crG = new Int32Array(256);
  const cbG = new Int32Array(256);
  const yTab = new Int32Array(256);
  for (let i = 0, x = -128; i < 256; i++, x++) {
    const cr = Math.trunc(
      clampF(code2v(x, f32((rb[4] ?? 128) - 128), f32((rb[5] ?? 255) - 128), 127), -4096, 4096),
    );
    const cb = Math.trunc(
      clampF(code2v(x, f32((rb[2] ?? 128) - 128), f32((rb[3] ?? 255) - 128), 127), -4096, 4096),
    );
    crR[i] = (d1 * cr + 32768) >> 16;
    cbB[i] = (d3 * cb + 32768) >> 16;
    crG[i] = d2 * cr;
    cbG[i] = d4 * cb + 32768;
    yTab[i] = Math.trunc(clampF(code2v(x + 128, rb[0] ?? 0, rb[1] ?? 255, 255), -4096, 4096));
  }
  const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
  return (y, cb, cr, out) => {
    const base = yTab[y] ?? 0;
    out[0] = clamp(base + (crR[cr] ?? 0));
    out[1] = clamp(base + (((cbG[cb] ?? 0) + (crG[cr] ?? 0)) >> 16));
    out[2] = clamp(base + (cbB[cb] ?? 0));
  };
}
