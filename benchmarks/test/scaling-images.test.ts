import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeTiff, synthesizeImage } from 'imageprocess';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BenchOptionError } from '../src/errors.js';
import { prepareImages } from '../src/scaling-images.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bench-images-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeImage(name: string, width: number, height: number, seed: number) {
  await writeFile(path.join(dir, name), encodeTiff(synthesizeImage({ width, height, seed })));
}

describe('prepareImages with a folder', () => {
  it('links other names as flower<i>.tif, cycling, and removes only the links afterwards', async () => {
    await writeImage('b.tif', 24, 16, 2);
    await writeImage('a.TIFF', 20, 30, 1);
    await writeFile(path.join(dir, 'notes.txt'), 'not an image');
    const images = await prepareImages(dir, 5, false);
    expect(images.dir).not.toBe(dir);
    expect(images.files.map((f) => path.basename(f))).toEqual([
      'a.TIFF',
      'b.tif',
      'a.TIFF',
      'b.tif',
      'a.TIFF',
    ]);
    for (let i = 0; i < 5; i++) {
      const link = path.join(images.dir, `flower${i}.tif`);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(images.files[i]);
    }
    expect([...images.shapes].sort()).toEqual(['20x30x3', '24x16x3']);
    expect(images.minSide).toBe(16);
    expect(images.source).toBe(path.resolve(dir));
    await images.cleanup();
    expect(existsSync(images.dir)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(['a.TIFF', 'b.tif', 'notes.txt']);
  });

  it('uses a folder of flower<i>.tif files as it is', async () => {
    await writeImage('flower0.tif', 16, 16, 1);
    await writeImage('flower1.tif', 16, 16, 2);
    const images = await prepareImages(dir, 2, false);
    expect(images.dir).toBe(path.resolve(dir));
    await images.cleanup();
    expect(await readdir(dir)).toEqual(['flower0.tif', 'flower1.tif']);
  });

  it('refuses a folder without TIFF files, and a missing folder, as option errors', async () => {
    await mkdir(path.join(dir, 'empty'));
    await expect(prepareImages(path.join(dir, 'empty'), 2, false)).rejects.toThrow(
      /No \.tif or \.tiff files in .*empty: pass --images/,
    );
    await expect(prepareImages(path.join(dir, 'missing'), 2, false)).rejects.toBeInstanceOf(
      BenchOptionError,
    );
  });

  it('fails on an unreadable image and leaves no temporary folder behind', async () => {
    await writeFile(path.join(dir, 'broken.tif'), 'II*\0 this is not a TIFF');
    const before = (await readdir(os.tmpdir())).filter((n) => n.startsWith('ppeval-bench-links-'));
    await expect(prepareImages(dir, 2, false)).rejects.toThrow();
    const after = (await readdir(os.tmpdir())).filter((n) => n.startsWith('ppeval-bench-links-'));
    expect(after.sort()).toEqual(before.sort());
  });
});

describe('prepareImages --tiny', () => {
  it('generates a tiny set in a temporary folder and removes it afterwards', async () => {
    const images = await prepareImages(undefined, 3, true);
    expect(images.files.map((f) => path.basename(f))).toEqual([
      'flower0.tif',
      'flower1.tif',
      'flower2.tif',
    ]);
    expect(images.minSide).toBeLessThan(100);
    expect(images.bytes.every((b) => b > 0)).toBe(true);
    await images.cleanup();
    expect(existsSync(images.dir)).toBe(false);
  });
});
