import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress, compressFile, compressImage, psnr, storageRatio } from '../src/compress.js';
import { readTiff, writeTiff } from '../src/tiff/index.js';
import { synthesizeImage } from '../src/synth.js';

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imageprocess-compress-'));
  await writeTiff(join(dir, 'flower0.tif'), synthesizeImage({ width: 48, height: 32, seed: 1 }));
  await writeTiff(
    join(dir, 'gray16.tif'),
    synthesizeImage({ width: 30, height: 40, seed: 2, channels: 1, bitsPerSample: 16 }),
  );
  await writeTiff(
    join(dir, 'rgba.tif'),
    synthesizeImage({ width: 32, height: 32, seed: 3, channels: 4 }),
  );
  writeFileSync(join(dir, 'notes.tif'), 'this is not a TIFF\n');
  writeFileSync(join(dir, 'a-file'), 'x');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compressFile', () => {
  it.each(['flower0.tif', 'gray16.tif', 'rgba.tif'])(
    'writes %s back as a TIFF of the same kind with the compressed pixels',
    async (name) => {
      const input = join(dir, name);
      const output = join(dir, 'out', `c-${name}`);
      const result = await compressFile(input, output, 6);
      const original = await readTiff(input);
      const written = await readTiff(output);
      expect(written).toMatchObject({
        width: original.width,
        height: original.height,
        channels: original.channels,
        bitsPerSample: original.bitsPerSample,
        alpha: original.alpha,
      });
      expect(written.data).toEqual(compressImage(original, 6).data);
      expect(result).toMatchObject({ outputPath: output, rank: 6, width: original.width });
      expect(result.psnr).toBeCloseTo(psnr(original, written), 10);
      expect(result.storageRatio).toBeCloseTo(storageRatio(6, original.width, original.height), 12);
    },
  );

  it('writes Deflate-compressed output when asked, with the same pixels', async () => {
    const output = join(dir, 'out', 'deflate.tif');
    await compressFile(join(dir, 'flower0.tif'), output, 5, { compression: 'deflate' });
    const plain = join(dir, 'out', 'plain.tif');
    await compressFile(join(dir, 'flower0.tif'), plain, 5);
    expect((await readTiff(output)).data).toEqual((await readTiff(plain)).data);
  });

  it('refuses a rank above the smaller side and writes nothing', async () => {
    const output = join(dir, 'out', 'too-big.tif');
    await expect(compressFile(join(dir, 'flower0.tif'), output, 33)).rejects.toThrow(
      /valid ranks are 1 to 32/,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('rejects (never throws synchronously) a missing file, a non-TIFF, a bad rank', async () => {
    const missing = compressFile(join(dir, 'nope.tif'), join(dir, 'out', 'x.tif'), 5);
    await expect(missing).rejects.toThrow(/nope\.tif/);
    await expect(
      compressFile(join(dir, 'notes.tif'), join(dir, 'out', 'y.tif'), 5),
    ).rejects.toMatchObject({
      name: 'TiffError',
    });
    await expect(
      compressFile(join(dir, 'flower0.tif'), join(dir, 'out', 'z.tif'), 'ten'),
    ).rejects.toMatchObject({
      code: 'ERR_IMAGEPROCESS_RANK',
    });
  });

  it('reports an output folder that cannot be created, leaving no partial file', async () => {
    const output = join(dir, 'a-file', 'sub', 'out.tif');
    await expect(compressFile(join(dir, 'flower0.tif'), output, 5)).rejects.toMatchObject({
      code: 'ERR_IMAGEPROCESS_OUTPUT',
      message: expect.stringMatching(/a-file.*writable output folder/s),
    });
  });

  it('refuses to overwrite its own input', async () => {
    const input = join(dir, 'flower0.tif');
    await expect(compressFile(input, input, 5)).rejects.toThrow(/input must stay intact/);
  });
});

describe('compress(imno, rank)', () => {
  it('reads flower<imno>.tif, writes compressed<imno>_<rank>.tif and returns 0', async () => {
    const outDir = join(dir, 'seed-out');
    await expect(compress(0, ' 7 ', { imageDir: dir, outDir })).resolves.toBe(0);
    const written = await readTiff(join(outDir, 'compressed0_7.tif'));
    expect(written.data).toEqual(compressImage(await readTiff(join(dir, 'flower0.tif')), 7).data);
  });

  it('finds its folders in $IMAGEPROCESS_DIR and $IMAGEPROCESS_OUT', async () => {
    const outDir = join(dir, 'env-out');
    process.env.IMAGEPROCESS_DIR = dir;
    process.env.IMAGEPROCESS_OUT = outDir;
    try {
      await expect(compress('0', 3)).resolves.toBe(0);
    } finally {
      delete process.env.IMAGEPROCESS_DIR;
      delete process.env.IMAGEPROCESS_OUT;
    }
    expect(readdirSync(outDir)).toEqual(['compressed0_3.tif']);
  });

  it('explains a missing image and how to get the default ones', async () => {
    await expect(compress(9, 5, { imageDir: dir, outDir: join(dir, 'o') })).rejects.toMatchObject({
      code: 'ERR_IMAGEPROCESS_INPUT',
      message: expect.stringMatching(/flower9\.tif.*imageprocess generate/s),
    });
  });

  it('refuses a bad image number and unknown options', async () => {
    await expect(compress(-1, 5, { imageDir: dir })).rejects.toThrow(/`imno`.*integer from 0/);
    await expect(compress(1.5, 5, { imageDir: dir })).rejects.toThrow(/`imno`/);
    await expect(compress(0, 5, { imagedir: dir } as never)).rejects.toThrow(
      /Unknown option `imagedir`/,
    );
  });

  it('refuses a bad method, compression or folder before reading anything', async () => {
    const out = join(dir, 'o-values');
    const bad = [
      { method: 'fast' },
      { compression: 'zip' },
      { imageDir: 5 },
      { outDir: '' },
    ] as const;
    for (const options of bad) {
      const key = Object.keys(options)[0]!;
      const expected = { code: 'ERR_IMAGEPROCESS_ARGUMENT', message: expect.stringContaining(key) };
      await expect(
        compress(0, 5, { imageDir: dir, outDir: out, ...options } as never),
      ).rejects.toMatchObject(expected);
      if (key !== 'imageDir' && key !== 'outDir') {
        await expect(
          compressFile(join(dir, 'flower0.tif'), join(out, 'x.tif'), 5, options as never),
        ).rejects.toMatchObject(expected);
      }
    }
    expect(() =>
      compressImage(synthesizeImage({ width: 8, height: 8, seed: 1 }), 2, {
        method: 'fast',
      } as never),
    ).toThrow(expect.objectContaining({ code: 'ERR_IMAGEPROCESS_ARGUMENT' }));
    expect(existsSync(out)).toBe(false);
  });
});
