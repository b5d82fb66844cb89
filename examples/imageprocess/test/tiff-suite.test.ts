import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRawSamples } from '../src/tiff/decode.js';
import { TiffError, decodeTiff, toRgb8, type TiffImage } from '../src/tiff/index.js';
import {
  hasSuite,
  hasTool,
  reference,
  suiteDir,
  suiteFile,
  suiteRows,
  suiteSkipNote,
  type SuiteRow,
} from './tiff-helpers.js';

if (!hasSuite) console.warn(suiteSkipNote);

/** Files we refuse on purpose, with the feature the message must name. */
const REFUSED: Readonly<Record<string, RegExp>> = {
  'imagetiff_int16_zstd.tif': /signed integer samples/,
  'imagetiff_predictor-3-rgb-f32.tif': /32-bit floating-point samples/,
  'imagetiff_tiled-oversize-gray-i8.tif': /8-bit signed integer samples/,
  'pillow_hopper_webp.tif': /WebP/,
  'skimage_multipage_rgb.tif': /64-bit floating-point samples/,
};

/** The bound: each file decodes or fails within 2 seconds. */
const PER_FILE_MS = 2000;

function decodeTimed(bytes: Uint8Array): { image?: TiffImage; error?: unknown; ms: number } {
  const start = performance.now();
  try {
    const image = decodeTiff(bytes);
    return { image, ms: performance.now() - start };
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
}

/**
 * What Pillow 9.4 shows for a file with associated (premultiplied) alpha, computed from our
 * straight-alpha pixels: premultiply back at the source depth, keep the high byte (Pillow's
 * 16-bit unpackers do), then Pillow's 8-bit un-premultiply, which truncates: c * 255 / a.
 */
function pillowAssociatedView(image: TiffImage): Uint8Array {
  const { width, height, channels, data } = image;
  const max = image.bitsPerSample === 16 ? 65535 : 255;
  const shift = image.bitsPerSample === 16 ? 8 : 0;
  const colors = channels - 1;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const a16 = data[i * channels + colors] ?? 0;
    const a = a16 >>> shift;
    for (let c = 0; c < 3; c++) {
      const straight = data[i * channels + (colors === 1 ? 0 : c)] ?? 0;
      const pre = Math.round((straight * a16) / max) >>> shift;
      out[i * 3 + c] = a === 0 ? 0 : a === 255 ? pre : Math.min(255, Math.floor((pre * 255) / a));
    }
  }
  return out;
}

function compare(
  actual: Uint8Array,
  expected: Uint8Array,
): { max: number; channelMeans: number[]; differing: number } {
  const sums = [0, 0, 0];
  let max = 0;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs((actual[i] ?? 0) - (expected[i] ?? 0));
    sums[i % 3] = (sums[i % 3] ?? 0) + d;
    if (d > max) max = d;
    if (d !== 0) differing++;
  }
  const pixels = expected.length / 3;
  return { max, channelMeans: sums.map((s) => s / pixels), differing };
}

describe.skipIf(!hasSuite)('TIFF suite: every row of expected.json', () => {
  const rows: SuiteRow[] = hasSuite ? suiteRows() : [];

  it('lists all 44 files of the suite', () => {
    expect(rows.length).toBe(44);
  });

  it.each(rows.map((row) => [row.file, row] as const))('%s', (_name, row) => {
    const bytes = suiteFile(row.file);
    const { image, error, ms } = decodeTimed(bytes);
    expect(ms).toBeLessThan(PER_FILE_MS);
    const refusal = REFUSED[row.file];
    if (refusal !== undefined) {
      expect(error).toBeInstanceOf(TiffError);
      expect((error as TiffError).code).toBe('ERR_TIFF_UNSUPPORTED');
      expect((error as TiffError).message).toMatch(refusal);
      expect((error as TiffError).message).toMatch(/not supported/);
      return;
    }
    if (error !== undefined) throw error;
    if (image === undefined) throw new Error('unreachable');
    expect(image.data.length).toBe(image.width * image.height * image.channels);
    if (row.width !== undefined) {
      expect([image.width, image.height]).toEqual([row.width, row.height]);
    }
    if (row.reference === null) return;

    const associated = decodeRawSamples(bytes).info.extraSamples[0] === 1 && image.alpha;
    const rgb = associated ? pillowAssociatedView(image) : toRgb8(image);
    const stats = compare(rgb, reference(row.reference));
    if (row.lossy === true) {
      for (const mean of stats.channelMeans) expect(mean).toBeLessThanOrEqual(2);
      // Tighter than the issue asks: libjpeg-style chroma upsampling leaves only IDCT rounding.
      for (const mean of stats.channelMeans) expect(mean).toBeLessThan(0.25);
      expect(stats.max).toBeLessThanOrEqual(4);
    } else {
      // Equal, except where 16-bit samples are reduced to 8 (then at most one level).
      expect(stats.max).toBeLessThanOrEqual(image.bitsPerSample === 16 ? 1 : 0);
    }
    if (row.alpha !== undefined) {
      expect(image.alpha).toBe(true);
      const alpha = reference(row.alpha);
      const shift = image.bitsPerSample === 16 ? 8 : 0;
      let max = 0;
      for (let i = 0; i < alpha.length; i++) {
        const a = (image.data[i * image.channels + image.channels - 1] ?? 0) >>> shift;
        max = Math.max(max, Math.abs(a - (alpha[i] ?? 0)));
      }
      expect(max).toBe(0);
    } else {
      expect(image.alpha).toBe(false);
    }
  });
});

describe.skipIf(!hasSuite)('TIFF suite: pages and normalisation', () => {
  it('decodes every page of a multi-page file and refuses a page past the end', () => {
    const bytes = suiteFile('pillow_multipage.tiff');
    const sizes = [0, 1, 2].map((page) => {
      const image = decodeTiff(bytes, { page });
      return [image.width, image.height];
    });
    expect(sizes).toEqual([
      [10, 10],
      [10, 10],
      [20, 20],
    ]);
    expect(() => decodeTiff(bytes, { page: 3 })).toThrow(/the file has 3 pages/);
  });

  it('reads a tiled planar overview page as a smaller copy of the same picture', () => {
    const bytes = suiteFile('pillow_tiff_strip_planar_raw_with_overviews.tif');
    const full = decodeTiff(bytes);
    const half = decodeTiff(bytes, { page: 1 });
    expect([half.width, half.height]).toEqual([139, 187]);
    // Each overview pixel is close to the 2x2 block it summarises.
    let sum = 0;
    for (let y = 0; y < half.height - 1; y++) {
      for (let x = 0; x < half.width - 1; x++) {
        for (let c = 0; c < 3; c++) {
          const small = half.data[(y * half.width + x) * 3 + c] ?? 0;
          let block = 0;
          for (const [dx, dy] of [
            [0, 0],
            [1, 0],
            [0, 1],
            [1, 1],
          ] as const) {
            block += full.data[((2 * y + dy) * full.width + 2 * x + dx) * 3 + c] ?? 0;
          }
          sum += Math.abs(small - block / 4);
        }
      }
    }
    expect(sum / ((half.width - 1) * (half.height - 1) * 3)).toBeLessThan(8);
  });

  it('accepts a short last JPEG strip coded at the full RowsPerStrip height', () => {
    // hopper_jpg has 32-row strips; cutting ImageLength to 97 leaves 1 row of a 32-row frame.
    const bytes = Uint8Array.from(suiteFile('pillow_hopper_jpg.tif'));
    const view = new DataView(bytes.buffer);
    const little = bytes[0] === 0x49;
    const ifd = view.getUint32(4, little);
    for (let i = 0; i < view.getUint16(ifd, little); i++) {
      const p = ifd + 2 + i * 12;
      if (view.getUint16(p, little) !== 257) continue;
      if (view.getUint16(p + 2, little) === 3) view.setUint16(p + 8, 97, little);
      else view.setUint32(p + 8, 97, little);
    }
    const image = decodeTiff(bytes);
    expect([image.width, image.height]).toEqual([128, 97]);
    const full = reference('pillow_hopper_jpg.rgb.gz').subarray(0, 128 * 97 * 3);
    for (const mean of compare(toRgb8(image), full).channelMeans) expect(mean).toBeLessThan(0.25);
  });

  it('turns 12-bit samples into 16-bit ones with the ends kept (0 -> 0, 4095 -> 65535)', () => {
    const bytes = suiteFile('imagetiff_seq-3c-12b-contig-e6f40b4a.tiff');
    const raw = decodeRawSamples(bytes).samples;
    const image = decodeTiff(bytes);
    expect(image.bitsPerSample).toBe(16);
    for (let i = 0; i < raw.length; i++) {
      expect(image.data[i]).toBe(Math.round(((raw[i] ?? 0) * 65535) / 4095));
    }
  });

  it('converts CIE L*a*b* to sRGB close to the RGB version of the same picture', () => {
    const lab = decodeTiff(suiteFile('pillow_hopper.Lab.tif'));
    const rgb = decodeTiff(suiteFile('pillow_hopper.tif'));
    const { channelMeans } = compare(lab.data as Uint8Array, rgb.data as Uint8Array);
    for (const mean of channelMeans) expect(mean).toBeLessThan(4);
  });

  it('keeps gray+alpha in separate planes as two channels with straight alpha', () => {
    const bytes = suiteFile('imagetiff_minisblack-2c-8b-alpha.tiff');
    const raw = decodeRawSamples(bytes).samples;
    const image = decodeTiff(bytes);
    expect([image.channels, image.alpha]).toEqual([2, true]);
    for (let i = 0; i < raw.length; i += 2) {
      const a = raw[i + 1] ?? 0;
      expect(image.data[i + 1]).toBe(a);
      const expected = a === 0 ? 0 : Math.min(255, Math.round(((raw[i] ?? 0) * 255) / a));
      expect(image.data[i]).toBe(expected);
    }
  });
});

const hasTiffcp = hasSuite && hasTool('tiffcp');
if (hasSuite && !hasTiffcp) {
  console.warn('libtiff cross-check skipped: tiffcp is not installed (Debian: libtiff-tools)');
}

describe.skipIf(!hasTiffcp)('TIFF suite: raw samples agree with libtiff (tiffcp -c none)', () => {
  const dir = hasTiffcp ? mkdtempSync(join(tmpdir(), 'tiff-libtiff-')) : '';
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const files = hasTiffcp
    ? suiteRows()
        .filter((row) => row.lossy !== true && !(row.file in REFUSED))
        .map((row) => row.file)
        .concat(['imagetiff_tiled-oversize-gray-i8.tif'])
    : [];

  it.each(files)('%s', (file) => {
    const out = join(dir, file);
    execFileSync('tiffcp', ['-c', 'none', `${join(suiteDir, file)},0`, out], { stdio: 'ignore' });
    const ours = decodeRawSamples(suiteFile(file)).samples;
    const theirs = decodeRawSamples(readFileSync(out)).samples;
    expect(ours.length).toBe(theirs.length);
    let differing = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing++;
    expect(differing).toBe(0);
  });
});
