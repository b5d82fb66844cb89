import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressFile, compressImage, psnr } from '../src/compress.js';
import type { SvdMethod } from '../src/svd/index.js';
import { lowRankApproximation } from '../src/svd/index.js';
import { synthesizeImage } from '../src/synth.js';
import { readTiff, writeTiff } from '../src/tiff/index.js';
import type { TiffImage } from '../src/tiff/index.js';

/** What compressImage did before it fed the SVD heap directly: the public API, band by band. */
function viaPublicApi(image: TiffImage, rank: number, method: SvdMethod): Uint8Array | Uint16Array {
  const { width, height, channels, bitsPerSample, alpha, data } = image;
  const max = bitsPerSample === 8 ? 255 : 65535;
  const out = bitsPerSample === 8 ? new Uint8Array(data.length) : new Uint16Array(data.length);
  const band = new Float64Array(width * height);
  for (let c = 0; c < channels; c++) {
    if (alpha && c === channels - 1) {
      for (let i = c; i < data.length; i += channels) out[i] = data[i]!;
      continue;
    }
    for (let p = 0; p < band.length; p++) band[p] = data[p * channels + c]!;
    const ak = lowRankApproximation(band, height, width, rank, { method });
    for (let p = 0; p < band.length; p++) {
      out[p * channels + c] = Math.min(max, Math.max(0, Math.floor(ak[p]!)));
    }
  }
  return out;
}

describe('compressImage feeds the SVD from the samples, with the same pixels as the public API', () => {
  it.each([
    ['tall RGB, Lanczos', 40, 96, 3, 8, 6, 'auto'],
    ['wide RGB, Lanczos', 96, 40, 3, 8, 6, 'auto'],
    ['odd-sized RGB, Lanczos', 41, 95, 3, 8, 6, 'auto'],
    ['tall RGB, dense', 40, 30, 3, 8, 20, 'dense'],
    ['wide RGB, auto handing over to dense', 61, 37, 3, 8, 9, 'auto'],
    ['gray+alpha 16-bit, Lanczos', 90, 60, 2, 16, 5, 'lanczos'],
    ['wide RGBA, dense', 50, 30, 4, 8, 20, 'dense'],
    ['tall gray, exact', 20, 30, 1, 8, 4, 'exact'],
  ] as const)('%s', (_, width, height, channels, bits, rank, method) => {
    const image = synthesizeImage({ width, height, seed: 3, channels, bitsPerSample: bits });
    const result = compressImage(image, rank, { method });
    expect(result.data).toEqual(viaPublicApi(image, rank, method));
  });

  it('takes the full-precision uint8 step on exactly low-rank images, whose A_k lies on integers', () => {
    // Flat colour and an integer outer product: A_k is A itself, so round-off decides every
    // floor, and only the same (46-bit) arithmetic as the public API's gives the same pixels;
    // the fast 31-bit step meets a nearly invariant subspace here and hands over to it.
    const width = 120;
    const height = 90;
    const flat = new Uint8Array(width * height * 3).fill(137);
    const outer = new Uint8Array(width * height * 3);
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        for (let c = 0; c < 3; c++)
          outer[(i * width + j) * 3 + c] = ((i % 9) + 1) * ((j % 7) + 2) + c;
      }
    }
    for (const data of [flat, outer]) {
      const image: TiffImage = { width, height, channels: 3, bitsPerSample: 8, alpha: false, data };
      for (const rank of [1, 4, 12]) {
        expect(compressImage(image, rank).data, `rank ${rank}`).toEqual(
          viaPublicApi(image, rank, 'auto'),
        );
      }
    }
  });

  it('gives a black band back black (the all-zero shortcut)', () => {
    const image: TiffImage = {
      width: 60,
      height: 50,
      channels: 1,
      bitsPerSample: 8,
      alpha: false,
      data: new Uint8Array(3000),
    };
    expect(compressImage(image, 3).data).toEqual(new Uint8Array(3000));
  });
});

describe("compressFile's PSNR, summed while the samples are written", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['RGB 8-bit', 3, 8],
    ['gray+alpha 16-bit', 2, 16],
  ] as const)('equals psnr() of the two images (%s)', async (_, channels, bits) => {
    const dir = await mkdtemp(join(tmpdir(), 'imageprocess-psnr-'));
    dirs.push(dir);
    const image = synthesizeImage({
      width: 70,
      height: 50,
      seed: 9,
      channels,
      bitsPerSample: bits,
    });
    const input = join(dir, 'in.tif');
    await writeTiff(input, image);
    const result = await compressFile(input, join(dir, 'out.tif'), 7);
    const written = await readTiff(result.outputPath);
    expect(result.psnr).toBeCloseTo(psnr(image, written), 10);
    expect(Number.isFinite(result.psnr)).toBe(true);
  });
});
