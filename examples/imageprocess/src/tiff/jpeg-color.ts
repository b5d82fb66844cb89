/**
 * YCbCr to RGB for JPEG strips and tiles the way libjpeg does it by default, which is what
 * libtiff (and so Pillow) shows: "fancy" triangle-filter upsampling of subsampled chroma, then
 * the fixed-point colour conversion of jdcolor.c. utif's JPEG decoder (pdf.js) replicates
 * chroma samples instead, which drifts up to ~1.8 levels on average from Pillow on
 * 2x2-subsampled files; this brings it down to the IDCT's rounding.
 */

/** A decoded component inside utif's pdf.js port (its minified field names, checked on use). */
interface JpegComponent {
  /** Samples in 8x8 block order, blocksPerLine+1 blocks per block row. */
  R: ArrayLike<number>;
  /** Horizontal and vertical sampling relative to the largest factor (1 or 0.5 here). */
  U: number;
  V: number;
  /** Blocks per line and per column. */
  c: number;
  l: number;
}

function isComponent(value: unknown): value is JpegComponent {
  if (value === null || typeof value !== 'object') return false;
  const c = value as Partial<JpegComponent>;
  return (
    ArrayBuffer.isView(c.R) &&
    typeof c.U === 'number' &&
    typeof c.V === 'number' &&
    typeof c.c === 'number' &&
    typeof c.l === 'number'
  );
}

/** One component as a plain plane of `width` x `height` samples (its own resolution). */
function plane(component: JpegComponent, width: number, height: number): Uint8Array | undefined {
  const stride = (component.c + 1) << 3;
  const source = component.R;
  if (source.length < 64 * component.l * (component.c + 1)) return undefined;
  if (width > component.c * 8 || height > component.l * 8) return undefined;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = stride * (y & ~7) + ((y & 7) << 3);
    for (let x = 0; x < width; x++)
      out[y * width + x] = source[row + ((x & ~7) << 3) + (x & 7)] ?? 0;
  }
  return out;
}

/** libjpeg's h2v1 and h2v2 fancy upsampling of one chroma plane to the full frame size. */
function upsample(
  chroma: Uint8Array,
  cw: number,
  ch: number,
  vertical: boolean,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(width * height);
  const sums = new Int32Array(cw);
  for (let y = 0; y < height; y++) {
    if (vertical) {
      const i = Math.min(ch - 1, y >> 1);
      const neighbour = Math.min(ch - 1, Math.max(0, (y & 1) === 0 ? i - 1 : i + 1));
      for (let x = 0; x < cw; x++) {
        sums[x] = 3 * (chroma[i * cw + x] ?? 0) + (chroma[neighbour * cw + x] ?? 0);
      }
    } else {
      const i = Math.min(ch - 1, y);
      for (let x = 0; x < cw; x++) sums[x] = chroma[i * cw + x] ?? 0;
    }
    // Vertical sums carry weight 4, so their rounding is /16; plain rows /4.
    const shift = vertical ? 4 : 2;
    const left = vertical ? 8 : 1;
    const right = vertical ? 7 : 2;
    for (let k = 0; k < cw; k++) {
      const here = 3 * (sums[k] ?? 0);
      const before = sums[Math.max(0, k - 1)] ?? 0;
      const after = sums[Math.min(cw - 1, k + 1)] ?? 0;
      const x = 2 * k;
      if (x < width) out[y * width + x] = (here + before + left) >> shift;
      if (x + 1 < width) out[y * width + x + 1] = (here + after + right) >> shift;
    }
  }
  return out;
}

const FIX = (x: number): number => Math.round(x * 65536);
const HALF = 1 << 15;
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + HALF) >> 16;
  CB_B[i] = (FIX(1.772) * x + HALF) >> 16;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + HALF;
}

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * Converts the three decoded components of a YCbCr JPEG to interleaved RGB with libjpeg's
 * defaults. Returns undefined (the caller falls back to utif's own conversion) for sampling
 * layouts other than 1x1, 2x1 and 2x2, or when the decoder's internals are not as expected.
 */
export function ycbcrToRgbLikeLibjpeg(
  components: unknown,
  width: number,
  height: number,
): Uint8Array | undefined {
  if (!Array.isArray(components) || components.length !== 3) return undefined;
  const [luma, cb, cr] = components as unknown[];
  if (!isComponent(luma) || !isComponent(cb) || !isComponent(cr)) return undefined;
  if (luma.U !== 1 || luma.V !== 1 || cb.U !== cr.U || cb.V !== cr.V) return undefined;
  const h = cb.U;
  const v = cb.V;
  const supported = (h === 1 && v === 1) || (h === 0.5 && (v === 1 || v === 0.5));
  if (!supported) return undefined;
  const cw = Math.ceil(width * h);
  const ch = Math.ceil(height * v);
  const y = plane(luma, width, height);
  const b = plane(cb, cw, ch);
  const r = plane(cr, cw, ch);
  if (y === undefined || b === undefined || r === undefined) return undefined;
  const fullB = h === 1 ? b : upsample(b, cw, ch, v === 0.5, width, height);
  const fullR = h === 1 ? r : upsample(r, cw, ch, v === 0.5, width, height);
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < width * height; i++, o += 3) {
    const yy = y[i] ?? 0;
    const cbv = fullB[i] ?? 0;
    const crv = fullR[i] ?? 0;
    out[o] = clamp(yy + (CR_R[crv] ?? 0));
    out[o + 1] = clamp(yy + (((CB_G[cbv] ?? 0) + (CR_G[crv] ?? 0)) >> 16));
    out[o + 2] = clamp(yy + (CB_B[cbv] ?? 0));
  }
  return out;
}
