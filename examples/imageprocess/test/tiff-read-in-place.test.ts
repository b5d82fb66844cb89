import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeTiff, readTiff, writeTiff, type TiffImage } from '../src/tiff/index.js';
import { buildTiff, prng } from './tiff-helpers.js';

// readTiff owns the bytes it reads: where the file stores the samples exactly as the image holds
// them, the image's samples are a view of those bytes instead of a copy. decodeTiff, whose bytes
// are the caller's, always copies.

const dir = mkdtempSync(join(tmpdir(), 'tiff-in-place-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomImage(width: number, height: number, channels: 1 | 3): TiffImage {
  const next = prng(width * 31 + height + channels);
  const data = Uint8Array.from({ length: width * height * channels }, () =>
    Math.floor(next() * 256),
  );
  return { width, height, channels, bitsPerSample: 8, alpha: false, data };
}

/** Whether the samples are a view of a larger buffer (the file's bytes) rather than their own. */
const inPlace = (image: TiffImage): boolean => image.data.buffer.byteLength !== image.data.length;

/** Strips of `rowsPerStrip` rows of an 8-bit image, each padded with `pad` bytes. */
function stripFile(image: TiffImage, rowsPerStrip: number, pad: number): Uint8Array {
  const rowBytes = image.width * image.channels;
  const strips: Uint8Array[] = [];
  for (let y = 0; y < image.height; y += rowsPerStrip) {
    const rows = Math.min(rowsPerStrip, image.height - y);
    const strip = new Uint8Array(rows * rowBytes + pad);
    strip.set(image.data.subarray(y * rowBytes, (y + rows) * rowBytes));
    strips.push(strip);
  }
  return buildTiff(
    [
      { tag: 256, type: 4, values: [image.width] },
      { tag: 257, type: 4, values: [image.height] },
      { tag: 258, type: 3, values: new Array<number>(image.channels).fill(8) },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [image.channels === 3 ? 2 : 1] },
      { tag: 277, type: 3, values: [image.channels] },
      { tag: 278, type: 4, values: [rowsPerStrip] },
    ],
    strips,
  );
}

describe('readTiff', () => {
  it('keeps the samples where it read them when the file stores them as the image holds them', async () => {
    for (const [width, height, channels] of [
      [37, 23, 3],
      [64, 200, 1],
    ] as const) {
      const image = randomImage(width, height, channels);
      for (const rowsPerStrip of [1, 7, height]) {
        const path = join(dir, `held-${width}x${height}-${rowsPerStrip}.tif`);
        writeFileSync(path, stripFile(image, rowsPerStrip, 0));
        const read = await readTiff(path);
        expect(Array.from(read.data)).toEqual(Array.from(image.data));
        // A plain Uint8Array (not the Buffer it was read into), a view of the file's bytes.
        expect(read.data.constructor).toBe(Uint8Array);
        expect(inPlace(read), `${width}x${height}, ${rowsPerStrip} rows per strip`).toBe(true);
        // decodeTiff of the same bytes copies: the caller's bytes stay the caller's.
        const bytes = readFileSync(path);
        const decoded = decodeTiff(bytes);
        expect(inPlace(decoded)).toBe(false);
        bytes.fill(0);
        expect(Array.from(decoded.data)).toEqual(Array.from(image.data));
      }
    }
  });

  it("copies them when the strips are padded or the file is mostly something else, with the same pixels (the writer's files too)", async () => {
    const image = randomImage(29, 17, 3);
    const padded = join(dir, 'padded.tif');
    writeFileSync(padded, stripFile(image, 4, 3));
    const read = await readTiff(padded);
    expect(inPlace(read)).toBe(false);
    expect(Array.from(read.data)).toEqual(Array.from(image.data));
    // Samples that are under half of the file (one page of several, large metadata): a view
    // would keep the rest alive, so they are copied.
    const held = stripFile(image, 4, 0);
    const mostlyElse = new Uint8Array(3 * held.length);
    mostlyElse.set(held);
    const big = join(dir, 'mostly-else.tif');
    writeFileSync(big, mostlyElse);
    const copied = await readTiff(big);
    expect(inPlace(copied)).toBe(false);
    expect(Array.from(copied.data)).toEqual(Array.from(image.data));
    const tiny = randomImage(1, 1, 3);
    const tinyPath = join(dir, 'tiny.tif');
    writeFileSync(tinyPath, stripFile(tiny, 1, 0));
    const tinyRead = await readTiff(tinyPath);
    expect(inPlace(tinyRead)).toBe(false);
    expect(Array.from(tinyRead.data)).toEqual(Array.from(tiny.data));
    const written = join(dir, 'written.tif');
    await writeTiff(written, image);
    const again = await readTiff(written);
    expect(again.data.constructor).toBe(Uint8Array);
    expect(Array.from(again.data)).toEqual(Array.from(image.data));
  });
});
