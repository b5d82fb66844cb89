import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressFile, compressImage } from '../src/compress.js';
import { LentBytes } from '../src/lent-bytes.js';
import { synthesizeImage } from '../src/synth.js';
import { readTiff, writeTiff } from '../src/tiff/index.js';
import { readLentTiff } from '../src/tiff/io.js';

// compressFile keeps its input's bytes and its output's samples for the next call of the thread
// (LentBytes): what one call lends must never be what another call still reads or writes.

const dir = mkdtempSync(join(tmpdir(), 'imageprocess-lent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('LentBytes', () => {
  it('lends the buffer given back, and fresh memory while it is lent', () => {
    const kept = new LentBytes(1 << 20);
    const first = kept.lend(1000);
    const second = kept.lend(1000);
    expect(second.buffer).not.toBe(first.buffer);
    kept.giveBack(first);
    const third = kept.lend(800);
    expect(third.buffer).toBe(first.buffer);
    expect(third.length).toBe(800);
    // Lent again: the next caller gets its own memory.
    expect(kept.lend(800).buffer).not.toBe(first.buffer);
    // The larger of two buffers given back is the one kept.
    kept.giveBack(third);
    const big = new LentBytes(1 << 20);
    const small = big.lend(10);
    const large = big.lend(5000);
    big.giveBack(large);
    big.giveBack(small);
    expect(big.lend(4000).buffer).toBe(large.buffer);
  });

  it('leaves buffers over its limit to the garbage collector', () => {
    const kept = new LentBytes(4096);
    const large = kept.lend(8192);
    kept.giveBack(large);
    expect(kept.lend(8192).buffer).not.toBe(large.buffer);
  });

  it('lends plain Uint8Arrays of exactly the length asked for', () => {
    const bytes = new LentBytes(1 << 20).lend(33);
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.length).toBe(33);
  });
});

describe('readLentTiff', () => {
  it('reads into the lent bytes, the samples a view of them, the same pixels as readTiff', async () => {
    const path = join(dir, 'raw.tif');
    await writeTiff(path, synthesizeImage({ width: 40, height: 30, seed: 4 }));
    const lent = new Uint8Array(1 << 16);
    const read = await readLentTiff(path, (length) => lent.subarray(0, length));
    const { image } = read;
    expect(read.lent?.buffer).toBe(lent.buffer);
    expect(image.data.buffer).toBe(lent.buffer);
    expect(image.data).toEqual((await readTiff(path)).data);
  });

  it('decodes compressed files into their own samples', async () => {
    const path = join(dir, 'deflate.tif');
    const source = synthesizeImage({ width: 40, height: 30, seed: 5 });
    await writeTiff(path, source, { compression: 'deflate' });
    const lent = new Uint8Array(1 << 16);
    const { image } = await readLentTiff(path, (length) => lent.subarray(0, length));
    expect(image.data.buffer).not.toBe(lent.buffer);
    expect(image.data).toEqual(source.data);
  });

  it('names the file and what is wrong, and reads an empty file without lending', async () => {
    const empty = join(dir, 'empty.tif');
    writeFileSync(empty, '');
    let asked = 0;
    const lend = (length: number): Uint8Array => {
      asked++;
      return new Uint8Array(length);
    };
    await expect(readLentTiff(empty, lend)).rejects.toThrow(/empty\.tif/);
    expect(asked).toBe(0);
    await expect(readLentTiff(join(dir, 'missing.tif'), lend)).rejects.toThrow(
      /missing\.tif: no such file/,
    );
  });
});

describe('compressFile with its kept buffers', () => {
  it('gives every file its own pixels when the calls of one thread overlap, and again after', async () => {
    const names = ['a', 'b', 'c', 'd'];
    const sources = names.map((name, i) => {
      const image = synthesizeImage({ width: 64 + 8 * i, height: 48, seed: 10 + i });
      return { input: join(dir, `${name}.tif`), output: join(dir, 'out', `${name}.tif`), image };
    });
    for (const { input, image } of sources) await writeTiff(input, image);
    const expected = sources.map(({ image }) => compressImage(image, 5).data);
    for (let round = 0; round < 2; round++) {
      await Promise.all(sources.map(({ input, output }) => compressFile(input, output, 5)));
      for (const [i, { output }] of sources.entries()) {
        expect((await readTiff(output)).data, `${names[i]}, round ${round}`).toEqual(expected[i]);
      }
    }
    // One after the other, each call reusing what the one before gave back.
    for (const [i, { input, output }] of sources.entries()) {
      await compressFile(input, output, 5);
      expect((await readTiff(output)).data).toEqual(expected[i]);
    }
  });
});
