import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_NAME, ensureDefaultImages, generateImageFile } from '../src/generate.js';
import { readTiff } from '../src/tiff/index.js';

const root = mkdtempSync(join(tmpdir(), 'imageprocess-generate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const small = { count: 3, width: 64, height: 48, concurrency: 1 } as const;
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('ensureDefaultImages', () => {
  it('generates flower0..n-1 as RGB TIFFs with a manifest, then keeps them when intact', async () => {
    const dir = join(root, 'a');
    const first = await ensureDefaultImages({ ...small, dir });
    expect(first.generated.map((p) => p.slice(dir.length + 1))).toEqual([
      'flower0.tif',
      'flower1.tif',
      'flower2.tif',
    ]);
    expect(existsSync(join(dir, MANIFEST_NAME))).toBe(true);
    const image = await readTiff(join(dir, 'flower1.tif'));
    expect(image).toMatchObject({
      width: 64,
      height: 48,
      channels: 3,
      bitsPerSample: 8,
      alpha: false,
    });
    const second = await ensureDefaultImages({ ...small, dir });
    expect(second.generated).toEqual([]);
    expect(second.kept).toHaveLength(3);
  });

  it('is deterministic: two folders get the same bytes', async () => {
    await ensureDefaultImages({ ...small, dir: join(root, 'b') });
    for (const name of ['flower0.tif', 'flower2.tif']) {
      expect(sha(join(root, 'b', name))).toBe(sha(join(root, 'a', name)));
    }
  });

  it('regenerates exactly the damaged, truncated or missing files, restoring the same bytes', async () => {
    const dir = join(root, 'a');
    const before = ['flower0.tif', 'flower1.tif', 'flower2.tif'].map((n) => sha(join(dir, n)));
    const bytes = readFileSync(join(dir, 'flower0.tif'));
    bytes[bytes.length - 10] = 255 - bytes[bytes.length - 10]!; // same size, one changed byte
    writeFileSync(join(dir, 'flower0.tif'), bytes);
    truncateSync(join(dir, 'flower1.tif'), 100);
    const result = await ensureDefaultImages({ ...small, dir });
    expect(result.generated.map((p) => p.slice(dir.length + 1))).toEqual([
      'flower0.tif',
      'flower1.tif',
    ]);
    expect(result.kept).toEqual([join(dir, 'flower2.tif')]);
    unlinkSync(join(dir, 'flower2.tif'));
    expect((await ensureDefaultImages({ ...small, dir })).generated).toEqual([
      join(dir, 'flower2.tif'),
    ]);
    expect(['flower0.tif', 'flower1.tif', 'flower2.tif'].map((n) => sha(join(dir, n)))).toEqual(
      before,
    );
  });

  it('regenerates everything for another size', async () => {
    const dir = join(root, 'a');
    const result = await ensureDefaultImages({ ...small, dir, width: 40 });
    expect(result.generated).toHaveLength(3);
    expect((await readTiff(join(dir, 'flower0.tif'))).width).toBe(40);
  });

  it('refuses to overwrite flower files it did not generate, unless forced', async () => {
    const dir = join(root, 'foreign');
    await ensureDefaultImages({ ...small, count: 1, dir });
    unlinkSync(join(dir, MANIFEST_NAME));
    await expect(ensureDefaultImages({ ...small, count: 1, dir })).rejects.toThrow(
      /flower0\.tif exists but was not generated here.*--force/,
    );
    const forced = await ensureDefaultImages({ ...small, count: 1, dir, force: true });
    expect(forced.generated).toHaveLength(1);
  });

  it('generates in parallel worker threads the same bytes as in this thread', async () => {
    const dir = join(root, 'parallel');
    const progress: number[] = [];
    const result = await ensureDefaultImages({
      ...small,
      dir,
      concurrency: 2,
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(result.generated).toHaveLength(3);
    expect(progress.at(-1)).toBe(1);
    for (const name of ['flower0.tif', 'flower1.tif', 'flower2.tif']) {
      expect(sha(join(dir, name))).toBe(sha(join(root, 'b', name)));
    }
  });

  it('refuses bad options', async () => {
    await expect(ensureDefaultImages({ dir: root, count: 0 })).rejects.toThrow(/`count`.*from 1/);
    await expect(ensureDefaultImages({ dir: root, size: 5 } as never)).rejects.toThrow(
      /Unknown option `size`/,
    );
  });
});

describe('generateImageFile', () => {
  it('writes a default-size image of about 3.4 MB, like the original photos', async () => {
    const path = join(root, 'full.tif');
    const entry = await generateImageFile(0, path, 1064, 1064);
    expect(entry.size).toBeGreaterThan(1064 * 1064 * 3);
    expect(entry.size).toBeLessThan(1064 * 1064 * 3 + 4096);
    expect(entry.sha256).toBe(sha(path));
  });
});
