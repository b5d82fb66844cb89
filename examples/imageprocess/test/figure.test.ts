import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFigure } from '../src/figure.js';
import { writeTiff } from '../src/tiff/index.js';
import { synthesizeImage } from '../src/synth.js';

const root = mkdtempSync(join(tmpdir(), 'imageprocess-figure-'));
beforeAll(async () => {
  await writeTiff(join(root, 'flower3.tif'), synthesizeImage({ width: 120, height: 90, seed: 9 }));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('makeFigure', () => {
  it('shows the original and the ranks with PSNR rising with the rank and the storage ratio', async () => {
    const out = join(root, 'out');
    const result = await makeFigure({
      imno: 3,
      ranks: [5, 20, 50],
      imageDir: root,
      outDir: out,
      concurrency: 1,
    });
    expect(result.rows.map((row) => row.label)).toEqual([
      'original',
      'rank 5',
      'rank 20',
      'rank 50',
    ]);
    const [, r5, r20, r50] = result.rows;
    expect(r5!.psnr).toBeLessThan(r20!.psnr);
    expect(r20!.psnr).toBeLessThan(r50!.psnr);
    expect(r5!.psnr).toBeGreaterThan(10);
    expect(r20!.storageRatio).toBeCloseTo((20 * (120 + 90 + 1)) / (120 * 90), 12);
    expect(result.markdown).toMatch(/\| rank 20 \| 20 \| \d+\.\d\d \| 0\.3907 \|/);
    expect(readFileSync(result.markdownPath, 'utf8')).toBe(result.markdown);
    const json = JSON.parse(readFileSync(result.jsonPath, 'utf8')) as {
      rows: { psnr: number | null }[];
    };
    expect(json.rows[0]!.psnr).toBeNull();
    expect(json.rows[3]!.psnr).toBeCloseTo(r50!.psnr, 10);

    const png = PNG.sync.read(readFileSync(result.png));
    expect(png.width).toBe(4 * 120 + 5 * 16);
    expect(png.height).toBe(result.height);
    // The first panel shows the original's pixels.
    const original = synthesizeImage({ width: 120, height: 90, seed: 9 });
    const y0 = result.height - 16 - 90;
    const i = ((y0 + 10) * png.width + 16 + 7) * 4;
    expect([...png.data.subarray(i, i + 3)]).toEqual([
      ...original.data.subarray((10 * 120 + 7) * 3, (10 * 120 + 7) * 3 + 3),
    ]);
  });

  it('refuses a rank the image cannot have, writing no figure', async () => {
    const out = join(root, 'bad');
    await expect(
      makeFigure({ imno: 3, ranks: [20, 91], imageDir: root, outDir: out, concurrency: 1 }),
    ).rejects.toThrow(/valid ranks are 1 to 90/);
  });
});
