import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TiffError,
  decodeTiff,
  encodeTiff,
  readTiff,
  writeTiff,
  type TiffImage,
  type WriteTiffOptions,
} from '../src/tiff/index.js';
import { parseTiff } from '../src/tiff/ifd.js';
import { writeOwnedTiff } from '../src/tiff/io.js';
import { hasTool, prng } from './tiff-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tiff-write-'));
afterAll(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function image(channels: 1 | 2 | 3 | 4, bits: 8 | 16, width = 61, height = 47): TiffImage {
  const random = prng(channels * 100 + bits);
  const max = bits === 8 ? 255 : 65535;
  const n = width * height * channels;
  const data = bits === 8 ? new Uint8Array(n) : new Uint16Array(n);
  // Gradients plus noise: compressible, yet every sample value range is used.
  for (let i = 0; i < n; i++)
    data[i] = random() < 0.3 ? Math.floor(random() * max) : (i * 37) % max;
  return { width, height, channels, bitsPerSample: bits, alpha: channels % 2 === 0, data };
}

const kinds = [1, 2, 3, 4].flatMap((channels) =>
  [8, 16].flatMap((bits) =>
    (['none', 'deflate', 'lzw'] as const).map(
      (compression) => [channels as 1 | 2 | 3 | 4, bits as 8 | 16, compression] as const,
    ),
  ),
);

describe('encodeTiff / decodeTiff round trip', () => {
  it.each(kinds)('%i channel(s), %i-bit, compression %s', (channels, bits, compression) => {
    const original = image(channels, bits);
    const back = decodeTiff(encodeTiff(original, { compression }));
    expect({ ...back, data: undefined }).toEqual({ ...original, data: undefined });
    expect(back.data.constructor).toBe(original.data.constructor);
    expect(Array.from(back.data)).toEqual(Array.from(original.data));
  });

  it('splits a tall image into several strips and compresses repetitive pixels', () => {
    const tall = { ...image(3, 8, 1064, 200) };
    tall.data.fill(90);
    const none = encodeTiff(tall);
    const lzw = encodeTiff(tall, { compression: 'lzw' });
    const deflate = encodeTiff(tall, { compression: 'deflate' });
    expect(none.length).toBeGreaterThan(1064 * 200 * 3);
    expect(lzw.length).toBeLessThan(none.length / 10);
    expect(deflate.length).toBeLessThan(none.length / 10);
    expect(parseTiff(lzw).pages[0]?.numbers(273)?.length).toBeGreaterThan(1);
    expect(Buffer.compare(decodeTiff(lzw).data as Uint8Array, tall.data as Uint8Array)).toBe(0);
  });

  it('rejects bad images and options with advice', () => {
    const good = image(1, 8, 4, 4);
    expect(() => encodeTiff({ ...good, channels: 5 as 1 })).toThrow(
      /1 \(gray\), 2 \(gray\+alpha\)/,
    );
    expect(() => encodeTiff({ ...good, data: new Uint16Array(16) })).toThrow(
      /Uint8Array for 8-bit/,
    );
    expect(() => encodeTiff({ ...good, data: new Uint8Array(15) })).toThrow(/16 samples, got 15/);
    expect(() => encodeTiff({ ...good, alpha: true })).toThrow(/`image.alpha` to be false/);
    expect(() => encodeTiff(good, { compression: 'zip' as 'lzw' })).toThrow(
      /'none', 'deflate' or 'lzw', got `zip`/,
    );
    expect(() => encodeTiff(good, { level: 9 } as WriteTiffOptions)).toThrow(
      /Unknown option `level`/,
    );
  });
});

const hasTiffinfo = hasTool('tiffinfo') && hasTool('tiffcp');
if (!hasTiffinfo)
  console.warn('libtiff check of written files skipped: tiffinfo/tiffcp not installed');

describe.skipIf(!hasTiffinfo)('libtiff reads what we write', () => {
  it.each(kinds)('%i channel(s), %i-bit, %s', (channels, bits, compression) => {
    const original = image(channels, bits);
    const file = join(dir, `libtiff-${channels}-${bits}-${compression}.tif`);
    writeFileSync(file, encodeTiff(original, { compression }));
    // -D decodes every strip: libtiff prints errors for any bad code or size.
    const info = execFileSync('tiffinfo', ['-D', file], { encoding: 'utf8', stdio: 'pipe' });
    expect(info).toMatch(new RegExp(`Bits/Sample: ${bits}`));
    expect(info).toMatch(new RegExp(`Samples/Pixel: ${channels}`));
    if (original.alpha) expect(info).toMatch(/Extra Samples: 1<unassoc-alpha>/);
    const plain = join(dir, `plain-${channels}-${bits}-${compression}.tif`);
    execFileSync('tiffcp', ['-c', 'none', file, plain], { stdio: 'pipe' });
    expect(Array.from(decodeTiff(readFileSync(plain)).data)).toEqual(Array.from(original.data));
  });
});

/** A Python with Pillow and NumPy, if this machine has one (Debian: python3-pil). */
function findPillow(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import PIL, numpy'], { stdio: 'ignore' });
      return python;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

const pillow = findPillow();
if (pillow === undefined)
  console.warn('Pillow check of written files skipped: no python3 with PIL');

/** Prints, per file, Pillow's mode and its samples as one flat list. */
const PILLOW_DUMP = `
import json, sys
import numpy as np
from PIL import Image
out = {}
for path in sys.argv[1:]:
    try:
        im = Image.open(path); im.load()
        out[path] = {"mode": im.mode, "data": np.asarray(im).reshape(-1).astype(int).tolist()}
    except Exception as e:
        out[path] = {"error": str(e)}
print(json.dumps(out))
`;

describe.skipIf(pillow === undefined)('Pillow reads what we write', () => {
  it('gives back every sample (16-bit RGB/RGBA as their high bytes, as Pillow 9 always does)', () => {
    // Pillow 9 has no mode for 16-bit gray+alpha, so that kind cannot be checked with it.
    const checked = kinds.filter(([channels, bits]) => !(channels === 2 && bits === 16));
    const files = checked.map(([channels, bits, compression]) => {
      const file = join(dir, `pillow-${channels}-${bits}-${compression}.tif`);
      writeFileSync(file, encodeTiff(image(channels, bits), { compression }));
      return file;
    });
    const result = JSON.parse(
      execFileSync(pillow ?? 'python3', ['-c', PILLOW_DUMP, ...files], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      }),
    ) as Record<string, { mode?: string; data?: number[]; error?: string }>;
    checked.forEach(([channels, bits], i) => {
      const got = result[files[i] ?? ''];
      const original = image(channels, bits).data;
      const reduced = bits === 16 && channels !== 1;
      const expected = Array.from(original, (v) => (reduced ? v >>> 8 : v));
      expect(got?.error).toBeUndefined();
      expect(got?.mode).toBe(['', bits === 8 ? 'L' : 'I;16', 'LA', 'RGB', 'RGBA'][channels]);
      expect(got?.data).toEqual(expected);
    });
  });
});

describe("writeOwnedTiff (compressFile's writer: the strips straight from the samples)", () => {
  it.each(kinds)(
    'writes the bytes encodeTiff gives: %i channels, %i bits, %s',
    async (channels, bits, compression) => {
      // 700 rows of 8-bit RGB are several 256 KiB strips, each its own part.
      const original = image(channels, bits, 131, 700);
      const path = join(dir, `owned-${channels}-${bits}-${compression}.tif`);
      await writeOwnedTiff(path, original, { compression });
      expect(
        Buffer.compare(readFileSync(path), Buffer.from(encodeTiff(original, { compression }))),
      ).toBe(0);
    },
  );
});

describe('writeTiff is atomic', () => {
  it('writes, and replaces an existing file, leaving no temporary file behind', async () => {
    const folder = join(dir, 'atomic');
    mkdirSync(folder);
    const path = join(folder, 'out.tif');
    await writeTiff(path, image(3, 8));
    await writeTiff(path, image(1, 16), { compression: 'deflate' });
    expect(readdirSync(folder)).toEqual(['out.tif']);
    expect((await readTiff(path)).bitsPerSample).toBe(16);
  });

  it('leaves no file when the image is invalid, and keeps the old one', async () => {
    const folder = join(dir, 'invalid');
    mkdirSync(folder);
    const path = join(folder, 'out.tif');
    writeFileSync(path, 'previous');
    const bad = { ...image(3, 8), data: new Uint8Array(3) };
    await expect(writeTiff(path, bad)).rejects.toMatchObject({ code: 'ERR_TIFF_INVALID_ARGUMENT' });
    expect(readdirSync(folder)).toEqual(['out.tif']);
    expect(readFileSync(path, 'utf8')).toBe('previous');
  });

  it('rejects (never throws) on bad arguments', async () => {
    const pending = writeTiff(42 as unknown as string, image(1, 8));
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow(/`path` of writeTiff to be a non-empty string, got `42`/);
  });

  it('names the file and the reason when the folder does not exist', async () => {
    const path = join(dir, 'missing', 'out.tif');
    await expect(writeTiff(path, image(1, 8))).rejects.toMatchObject({
      code: 'ERR_TIFF_IO',
      path,
      message: expect.stringMatching(/folder does not exist/),
    });
  });

  it('removes its temporary file when the final rename fails', async () => {
    const folder = join(dir, 'rename');
    mkdirSync(join(folder, 'out.tif'), { recursive: true });
    await expect(writeTiff(join(folder, 'out.tif'), image(1, 8))).rejects.toBeInstanceOf(TiffError);
    expect(readdirSync(folder)).toEqual(['out.tif']);
  });

  const root = process.getuid?.() === 0;
  if (root) console.warn('read-only folder test skipped: root ignores folder permissions');
  it.skipIf(root)('reports a read-only folder clearly and leaves nothing there', async () => {
    const folder = join(dir, 'readonly');
    mkdirSync(folder);
    chmodSync(folder, 0o555);
    try {
      await expect(writeTiff(join(folder, 'out.tif'), image(1, 8))).rejects.toMatchObject({
        code: 'ERR_TIFF_IO',
        message: expect.stringMatching(/permission denied/),
      });
      expect(readdirSync(folder)).toEqual([]);
    } finally {
      chmodSync(folder, 0o755);
    }
  });
});

describe('readTiff', () => {
  it('names the file when it is missing or not a TIFF', async () => {
    const missing = join(dir, 'nope.tif');
    await expect(readTiff(missing)).rejects.toMatchObject({
      code: 'ERR_TIFF_IO',
      message: expect.stringContaining(missing),
    });
    const text = join(dir, 'text.tif');
    writeFileSync(text, 'hello, not a tiff');
    await expect(readTiff(text)).rejects.toMatchObject({
      code: 'ERR_TIFF_NOT_TIFF',
      path: text,
      message: expect.stringContaining(text),
    });
  });
});
