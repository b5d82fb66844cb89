import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../src/atomic-write.js';

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
