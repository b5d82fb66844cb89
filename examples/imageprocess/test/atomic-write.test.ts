import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replaceFile, writeFileAtomically, writeParts } from '../src/atomic-write.js';

const dir = mkdtempSync(join(tmpdir(), 'atomic-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomically (the generated images, the manifest, the figure)', () => {
  it('writes, and replaces an existing file, leaving no temporary file behind', async () => {
    const folder = join(dir, 'replace');
    mkdirSync(folder);
    const path = join(folder, 'figure0.md');
    await writeFileAtomically(path, 'first\n');
    writeFileSync(join(folder, 'other.txt'), 'kept');
    await writeFileAtomically(path, new Uint8Array([115, 101, 99, 111, 110, 100]));
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(folder).sort()).toEqual(['figure0.md', 'other.txt']);
  });

  it('names the path and removes its temporary file when the final rename fails', async () => {
    const folder = join(dir, 'rename');
    const path = join(folder, 'out.md');
    mkdirSync(path, { recursive: true });
    await expect(writeFileAtomically(path, 'x')).rejects.toMatchObject({
      code: 'ERR_IMAGEPROCESS_OUTPUT',
      path,
      message: expect.stringContaining(`Cannot write ${path}`),
    });
    expect(readdirSync(folder)).toEqual(['out.md']);
  });

  it('says so when the folder does not exist', async () => {
    const path = join(dir, 'missing', 'out.md');
    await expect(writeFileAtomically(path, 'x')).rejects.toMatchObject({
      code: 'ERR_IMAGEPROCESS_OUTPUT',
      message: expect.stringMatching(/ENOENT.*Choose a writable folder/),
    });
  });
});

describe('writeParts (gathered writes of a file in parts)', () => {
  // A writer that takes at most `limit` bytes per call, as a platform may.
  const shortWriter = (limit: number) => {
    const written: number[] = [];
    let calls = 0;
    return {
      written,
      calls: () => calls,
      async writev(buffers: Uint8Array[]) {
        calls++;
        expect(buffers.length).toBeLessThanOrEqual(512);
        let taken = 0;
        for (const b of buffers) {
          for (const v of b) {
            if (taken === limit) return { bytesWritten: taken };
            written.push(v);
            taken++;
          }
        }
        return { bytesWritten: taken };
      },
    };
  };
  const parts = Array.from({ length: 1300 }, (_, i) =>
    Uint8Array.from({ length: i % 7 }, (_, k) => (i * 7 + k) & 255),
  );
  const expected = parts.flatMap((p) => [...p]);

  it('writes every byte in order after short writes, in batches of at most 512 parts', async () => {
    for (const limit of [1, 5, 1000, 1e9]) {
      const w = shortWriter(limit);
      await writeParts(w, parts);
      expect(w.written).toEqual(expected);
      if (limit === 1e9)
        expect(w.calls()).toBe(Math.ceil(parts.filter((p) => p.length).length / 512));
    }
  });

  it('writes the parts of a real file as one file, empty parts included', async () => {
    const path = join(dir, 'parts.bin');
    await replaceFile(path, [
      new Uint8Array(0),
      Uint8Array.of(1, 2),
      new Uint8Array(0),
      Uint8Array.of(3),
    ]);
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  });

  it('refuses a writer that makes no progress instead of looping', async () => {
    await expect(
      writeParts({ writev: async () => ({ bytesWritten: 0 }) }, [Uint8Array.of(1)]),
    ).rejects.toThrow(/wrote 0 bytes/);
  });
});
