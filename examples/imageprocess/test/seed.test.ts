import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, createPool, range } from 'ppeval';
import { compress, parallel, serial } from '../src/compress.js';
import { ensureDefaultImages } from '../src/generate.js';

const root = mkdtempSync(join(tmpdir(), 'imageprocess-seed-'));
const imageDir = join(root, 'images');

beforeAll(async () => {
  await ensureDefaultImages({ dir: imageDir, count: 16, width: 40, height: 32, concurrency: 1 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the seed's serial loop and parallel call", () => {
  it('ppeval(compress, array(range(0, 16)), rank) writes the 16 images the serial loop writes', async () => {
    const parallelOut = join(root, 'parallel');
    const serialOut = join(root, 'serial');
    const codes = await parallel('12', { imageDir, outDir: parallelOut, concurrency: 2 });
    expect(codes).toEqual(new Array(16).fill(0));
    expect(await serial(12, { imageDir, outDir: serialOut })).toEqual(new Array(16).fill(0));
    const names = readdirSync(parallelOut).sort();
    expect(names).toEqual(
      range(0, 16)
        .map((i) => `compressed${i}_12.tif`)
        .sort(),
    );
    for (const name of names) {
      expect(
        readFileSync(join(parallelOut, name)).equals(readFileSync(join(serialOut, name))),
      ).toBe(true);
    }
  });

  it('workers find the folders in $IMAGEPROCESS_DIR and $IMAGEPROCESS_OUT', async () => {
    const outDir = join(root, 'env');
    process.env.IMAGEPROCESS_DIR = imageDir;
    process.env.IMAGEPROCESS_OUT = outDir;
    // Worker threads copy the environment when they start: a pool made now sees the variables.
    const pool = createPool({ concurrency: 2 });
    try {
      const codes = await pool.ppeval(compress, array(range(0, 16)), 7);
      expect(codes).toEqual(new Array(16).fill(0));
    } finally {
      delete process.env.IMAGEPROCESS_DIR;
      delete process.env.IMAGEPROCESS_OUT;
      await pool.close();
    }
    expect(readdirSync(outDir)).toHaveLength(16);
  });

  it('a rank too large for the images fails the call with the element and the valid range', async () => {
    await expect(
      parallel(33, { imageDir, outDir: join(root, 'bad'), concurrency: 2 }),
    ).rejects.toMatchObject({
      code: 'ERR_PPEVAL_TASK',
      cause: expect.objectContaining({
        code: 'ERR_IMAGEPROCESS_RANK',
        message: expect.stringContaining('valid ranks are 1 to 32'),
      }),
    });
  });

  it('refuses a malformed rank before starting workers', async () => {
    await expect(parallel('fifty', { imageDir })).rejects.toMatchObject({
      code: 'ERR_IMAGEPROCESS_RANK',
    });
    await expect(serial(0, { imageDir })).rejects.toMatchObject({ code: 'ERR_IMAGEPROCESS_RANK' });
  });
});
