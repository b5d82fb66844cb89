import { TiffError, corrupt, unsupported } from './errors.js';
import type { Ifd } from './ifd.js';
import { MAX_DECODED_BYTES, type ImageInfo } from './layout.js';
import { Tag } from './tags.js';
import type { TiffImage } from './types.js';
import { ycbcrConverter } from './ycbcr.js';

const PHOTOMETRIC_NAMES: Readonly<Record<number, string>> = {
  4: 'transparency mask',
  9: 'ICC L*a*b*',
  10: 'ITU L*a*b*',
  32803: 'color filter array (raw camera data)',
  32844: 'LogL',
  32845: 'LogLuv',
  34892: 'linear raw',
};

/** Colour samples per pixel for each supported photometric interpretation. */
function colorSamples(info: ImageInfo, ifd: Ifd): number {
  switch (info.photometric) {
    case 0:
    case 1:
    case 3:
      return 1;
    case 2:
    case 6:
    case 8:
      return 3;
    case 5: {
      const inkSet = ifd.number(Tag.InkSet, 1);
      const inks = ifd.number(Tag.NumberOfInks, 4);
      if (inkSet !== 1 || inks !== 4) {
        throw unsupported(
          `Separated (Photometric=5) images are supported only as CMYK; this one has InkSet ${inkSet} with ${inks} inks`,
        );
      }
      return 4;
    }
    default: {
      const name = PHOTOMETRIC_NAMES[info.photometric] ?? 'an unknown kind';
      throw unsupported(
        `Photometric interpretation ${info.photometric} (${name}) is not supported; convert the image to gray, RGB or palette`,
      );
    }
  }
}

/** Scales a sample of `bits` to 8 (bits below 8) or 16 (bits 9-15) by exact rounding. */
function scaler(bits: number): { outBits: 8 | 16; table: Uint16Array | undefined } {
  if (bits === 8) return { outBits: 8, table: undefined };
  if (bits === 16) return { outBits: 16, table: undefined };
  const outBits = bits < 8 ? 8 : 16;
  const inMax = (1 << bits) - 1;
  const outMax = (1 << outBits) - 1;
  const table = new Uint16Array(inMax + 1);
  for (let v = 0; v <= inMax; v++) table[v] = Math.round((v * outMax) / inMax);
  return { outBits, table };
}

/**
 * Turns raw samples into the normalised {@link TiffImage}: palette to RGB, scaling to 8 or 16
 * bits, MinIsWhite inverted, CMYK/Lab/YCbCr to RGB, associated alpha divided out.
 */
export function normalize(raw: Uint8Array | Uint16Array, info: ImageInfo, ifd: Ifd): TiffImage {
  const { width, height, samplesPerPixel: spp, bits } = info;
  const pixels = width * height;
  // JPEG hands back RGB for YCbCr; from here on such data is plain RGB.
  const photometric = info.compression === 7 && info.photometric === 6 ? 2 : info.photometric;
  const colors = colorSamples({ ...info, photometric }, ifd);
  if (spp < colors) {
    throw corrupt(
      `Photometric ${photometric} needs ${colors} samples per pixel but SamplesPerPixel is ${spp}`,
    );
  }
  const extraType = spp > colors ? (info.extraSamples[0] ?? 0) : 0;
  const hasAlpha = extraType === 1 || extraType === 2;
  const premultiplied = extraType === 1;

  if (photometric === 3) return fromPalette(raw, info, ifd, colors, hasAlpha);
  if (photometric === 6 && bits !== 8) {
    throw unsupported(`${bits}-bit YCbCr samples are not supported (only 8-bit ones are)`);
  }
  const ycbcr = photometric === 6 ? ycbcrConverter(ifd) : undefined;
  const rgb = [0, 0, 0];

  const { outBits, table } = scaler(bits);
  if ((photometric === 1 || photometric === 2) && spp === colors && table === undefined) {
    // Already normalised (plain gray or RGB at 8 or 16 bits): hand over the samples as they are.
    return {
      width,
      height,
      channels: colors as 1 | 3,
      bitsPerSample: outBits,
      alpha: false,
      data: raw,
    };
  }
  const max = outBits === 8 ? 255 : 65535;
  const outColors = colors === 1 ? 1 : 3;
  const channels = (outColors + (hasAlpha ? 1 : 0)) as 1 | 2 | 3 | 4;
  checkSize(pixels * channels * (outBits / 8), width, height);
  const out =
    outBits === 8 ? new Uint8Array(pixels * channels) : new Uint16Array(pixels * channels);
  const px = new Float64Array(4);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += spp, d += channels) {
    for (let c = 0; c < colors; c++) {
      const v = raw[s + c] ?? 0;
      px[c] = table === undefined ? v : (table[v] ?? 0);
    }
    let alpha = max;
    if (hasAlpha) {
      const a = raw[s + colors] ?? 0;
      alpha = table === undefined ? a : (table[a] ?? 0);
    }
    switch (photometric) {
      case 0:
        out[d] = max - (px[0] ?? 0);
        break;
      case 1:
        out[d] = px[0] ?? 0;
        break;
      case 2:
        out[d] = px[0] ?? 0;
        out[d + 1] = px[1] ?? 0;
        out[d + 2] = px[2] ?? 0;
        break;
      case 5:
        cmykToRgb(px, max, out, d);
        break;
      case 8:
        labToRgb(px, outBits, out, d);
        break;
      case 6:
        ycbcr?.(px[0] ?? 0, px[1] ?? 0, px[2] ?? 0, rgb);
        out[d] = rgb[0] ?? 0;
        out[d + 1] = rgb[1] ?? 0;
        out[d + 2] = rgb[2] ?? 0;
        break;
    }
    if (hasAlpha) {
      if (premultiplied) unpremultiply(out, d, outColors, alpha, max);
      out[d + outColors] = alpha;
    }
  }
  return { width, height, channels, bitsPerSample: outBits, alpha: hasAlpha, data: out };
}

function checkSize(bytes: number, width: number, height: number): void {
  if (bytes > MAX_DECODED_BYTES) {
    throw new TiffError(
      'ERR_TIFF_TOO_LARGE',
      `The ${width}x${height} image needs ${bytes} bytes decoded, more than the ${MAX_DECODED_BYTES}-byte limit`,
    );
  }
}

function unpremultiply(
  out: Uint8Array | Uint16Array,
  d: number,
  colors: number,
  alpha: number,
  max: number,
): void {
  for (let c = 0; c < colors; c++) {
    out[d + c] = alpha === 0 ? 0 : Math.min(max, Math.round(((out[d + c] ?? 0) * max) / alpha));
  }
}

/** CMYK to RGB as Pillow's convert('RGB') does it: each channel (1 - C)(1 - K), rounded. */
function cmykToRgb(px: Float64Array, max: number, out: Uint8Array | Uint16Array, d: number): void {
  const nk = max - (px[3] ?? 0);
  for (let c = 0; c < 3; c++) {
    const t = (px[c] ?? 0) * nk + (max + 1) / 2;
    // Pillow's MULDIV255: an exact rounded division by 255 (and its 16-bit analogue).
    const shift = max === 255 ? 8 : 16;
    out[d + c] = nk - (((t >>> shift) + t) >>> shift);
  }
}

/**
 * CIE 1976 L*a*b* (TIFF Photometric 8: L scaled to the sample range, a and b signed) to sRGB,
 * via XYZ under the D50 white TIFF assumes and a Bradford adaptation to sRGB's D65.
 */
function labToRgb(px: Float64Array, bits: number, out: Uint8Array | Uint16Array, d: number): void {
  const max = bits === 8 ? 255 : 65535;
  const half = bits === 8 ? 128 : 32768;
  const scale = bits === 8 ? 1 : 256;
  const L = ((px[0] ?? 0) * 100) / max;
  const rawA = px[1] ?? 0;
  const rawB = px[2] ?? 0;
  const a = (rawA >= half ? rawA - 2 * half : rawA) / scale;
  const b = (rawB >= half ? rawB - 2 * half : rawB) / scale;
  const fy = (L + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - b / 200;
  const inv = (t: number): number => (t > 6 / 29 ? t * t * t : 3 * (6 / 29) ** 2 * (t - 4 / 29));
  const X = 0.96422 * inv(fx);
  const Y = inv(fy);
  const Z = 0.82521 * inv(fz);
  // XYZ(D50) -> linear sRGB(D65), Bradford-adapted matrix.
  const r = 3.1338561 * X - 1.6168667 * Y - 0.4906146 * Z;
  const g = -0.9787684 * X + 1.9161415 * Y + 0.033454 * Z;
  const bl = 0.0719453 * X - 0.2289914 * Y + 1.4052427 * Z;
  const gamma = (u: number): number => {
    const v = u <= 0.0031308 ? 12.92 * u : 1.055 * u ** (1 / 2.4) - 0.055;
    return Math.round(Math.min(1, Math.max(0, v)) * max);
  };
  out[d] = gamma(r);
  out[d + 1] = gamma(g);
  out[d + 2] = gamma(bl);
}

function fromPalette(
  raw: Uint8Array | Uint16Array,
  info: ImageInfo,
  ifd: Ifd,
  colors: number,
  hasAlpha: boolean,
): TiffImage {
  const { width, height, samplesPerPixel: spp, bits } = info;
  const entries = 1 << bits;
  const map = ifd.numbers(Tag.ColorMap, 3 * 65536);
  if (map === undefined) throw corrupt('The palette image has no ColorMap tag');
  if (map.length < 3 * entries) {
    throw corrupt(
      `The ColorMap has ${map.length} values; a ${bits}-bit palette needs ${3 * entries}`,
    );
  }
  // 8-bit output when the 16-bit colormap only holds 8-bit colours (v * 257 or v << 8).
  let divisor = 0;
  if (map.every((v) => v % 257 === 0)) divisor = 257;
  else if (map.every((v) => v % 256 === 0)) divisor = 256;
  const outBits: 8 | 16 = divisor === 0 ? 16 : 8;
  const channels = (hasAlpha ? 4 : 3) as 3 | 4;
  const pixels = width * height;
  checkSize(pixels * channels * (outBits / 8), width, height);
  const lut = new Uint16Array(3 * entries);
  for (let i = 0; i < entries; i++) {
    for (let c = 0; c < 3; c++) {
      const v = map[c * entries + i] ?? 0;
      lut[3 * i + c] = divisor === 0 ? v : v / divisor;
    }
  }
  const alphaScale = outBits === 16 && bits <= 8 ? 257 : 1;
  const { table } = scaler(bits);
  const out =
    outBits === 8 ? new Uint8Array(pixels * channels) : new Uint16Array(pixels * channels);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += spp, d += channels) {
    const index = raw[s] ?? 0;
    out[d] = lut[3 * index] ?? 0;
    out[d + 1] = lut[3 * index + 1] ?? 0;
    out[d + 2] = lut[3 * index + 2] ?? 0;
    if (hasAlpha) {
      const a = raw[s + colors] ?? 0;
      out[d + 3] = (table === undefined ? a : (table[a] ?? 0)) * alphaScale;
    }
  }
  return { width, height, channels, bitsPerSample: outBits, alpha: hasAlpha, data: out };
}
