import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packBitsDecode } from '../src/tiff/codecs.js';
import { decodeTiff, TiffError } from '../src/tiff/index.js';
import { lzwDecode, lzwEncode } from '../src/tiff/lzw.js';
import { buildTiff, hasTool, oldStyleLzw, prng, type BuildTag } from './tiff-helpers.js';

function photoLike(length: number, seed: number): Uint8Array {
  // Smooth runs with noise: compresses like image rows, exercising long LZW strings.
  const random = prng(seed);
  const out = new Uint8Array(length);
  let v = 128;
  for (let i = 0; i < length; i++) {
    v = (v + Math.floor(random() * 5) - 2) & 0xff;
    out[i] = random() < 0.1 ? Math.floor(random() * 256) : v;
  }
  return out;
}

function base(width: number, height: number, extra: BuildTag[]): BuildTag[] {
  return [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    ...extra,
  ];
}

describe('LZW', () => {
  it.each([0, 1, 2, 300, 5000, 70_000, 400_000])(
    'round-trips %i bytes through code widths 9-12 and table resets',
    (length) => {
      for (const data of [photoLike(length, length), new Uint8Array(length).fill(7)]) {
        const encoded = lzwEncode(data);
        expect(Array.from(lzwDecode(encoded, length))).toEqual(Array.from(data));
      }
    },
  );

  it('decodes old-style LZW (LSB-first, no early change), which makes utif hang', () => {
    const data = photoLike(200_000, 3);
    const encoded = oldStyleLzw(data);
    expect(encoded[0]).toBe(0);
    expect(Array.from(lzwDecode(encoded, data.length))).toEqual(Array.from(data));
  });

  it('reports an undefined code as damage instead of reading outside the table', () => {
    // Clear (256), literal 65, then code 300 while the table ends at 258.
    const bits = [256, 65, 300].map((c) => c.toString(2).padStart(9, '0')).join('') + '0000000';
    const bytes = Uint8Array.from({ length: bits.length / 8 }, (_, i) =>
      parseInt(bits.slice(i * 8, i * 8 + 8), 2),
    );
    expect(() => lzwDecode(bytes, 100)).toThrow(/code 300 is not yet defined/);
  });
});

describe('PackBits', () => {
  it('decodes the Apple TN1023 example', () => {
    const input = Uint8Array.of(
      0xfe,
      0xaa,
      0x02,
      0x80,
      0x00,
      0x2a,
      0xfd,
      0xaa,
      0x03,
      0x80,
      0x00,
      0x2a,
      0x22,
      0xf7,
      0xaa,
    );
    const expected = [
      ...[0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22],
      ...new Array<number>(10).fill(0xaa),
    ];
    expect(Array.from(packBitsDecode(input, 24))).toEqual(expected);
  });

  it('reports a literal run past the end as damage', () => {
    expect(() => packBitsDecode(Uint8Array.of(5, 1, 2), 10)).toThrow(TiffError);
  });
});

describe('layouts the encoder never writes', () => {
  it('reads old-style LZW strips', () => {
    const pixels = photoLike(64 * 40, 11);
    const strips = [
      oldStyleLzw(pixels.subarray(0, 64 * 20)),
      oldStyleLzw(pixels.subarray(64 * 20)),
    ];
    const file = buildTiff(
      base(64, 40, [
        { tag: 258, type: 3, values: [8] },
        { tag: 259, type: 3, values: [5] },
        { tag: 262, type: 3, values: [1] },
        { tag: 278, type: 4, values: [20] },
      ]),
      strips,
    );
    expect(Array.from(decodeTiff(file).data)).toEqual(Array.from(pixels));
  });

  it.each([8, 16] as const)(
    'reads %i-bit RGB in oversize LZW tiles with horizontal predictor, cropped at the edges',
    (bits) => {
      const width = 50;
      const height = 37;
      const tile = 32;
      const random = prng(bits);
      const max = bits === 8 ? 255 : 65535;
      const image = Array.from({ length: width * height * 3 }, () => Math.floor(random() * max));
      const chunks: Uint8Array[] = [];
      for (let ty = 0; ty < height; ty += tile) {
        for (let tx = 0; tx < width; tx += tile) {
          const samples = new Array<number>(tile * tile * 3).fill(0);
          for (let y = 0; y < tile; y++) {
            for (let x = 0; x < tile; x++) {
              for (let c = 0; c < 3; c++) {
                const inside = ty + y < height && tx + x < width;
                samples[(y * tile + x) * 3 + c] = inside
                  ? (image[((ty + y) * width + tx + x) * 3 + c] ?? 0)
                  : 0;
              }
            }
          }
          // Horizontal differencing per tile row, then little-endian bytes.
          for (let y = 0; y < tile; y++) {
            for (let x = tile - 1; x > 0; x--) {
              for (let c = 0; c < 3; c++) {
                const i = (y * tile + x) * 3 + c;
                samples[i] = ((samples[i] ?? 0) - (samples[i - 3] ?? 0)) & max;
              }
            }
          }
          const bytes =
            bits === 8
              ? Uint8Array.from(samples)
              : Uint8Array.from(samples.flatMap((v) => [v & 0xff, v >>> 8]));
          chunks.push(lzwEncode(bytes));
        }
      }
      const file = buildTiff(
        base(width, height, [
          { tag: 258, type: 3, values: [bits, bits, bits] },
          { tag: 259, type: 3, values: [5] },
          { tag: 262, type: 3, values: [2] },
          { tag: 277, type: 3, values: [3] },
          { tag: 317, type: 3, values: [2] },
          { tag: 322, type: 3, values: [tile] },
          { tag: 323, type: 3, values: [tile] },
        ]),
        chunks,
        324,
        325,
      );
      const decoded = decodeTiff(file);
      expect(decoded.bitsPerSample).toBe(bits);
      expect(Array.from(decoded.data)).toEqual(image);
    },
  );

  it('reads planar-separate RGB strips into interleaved pixels', () => {
    const planes = [0, 1, 2].map((p) => Uint8Array.from({ length: 6 }, (_, i) => p * 100 + i));
    const file = buildTiff(
      base(3, 2, [
        { tag: 258, type: 3, values: [8, 8, 8] },
        { tag: 262, type: 3, values: [2] },
        { tag: 277, type: 3, values: [3] },
        { tag: 284, type: 3, values: [2] },
      ]),
      planes,
    );
    expect(Array.from(decodeTiff(file).data)).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((i) => [i, 100 + i, 200 + i]),
    );
  });

  it('expands a 4-bit palette to RGB, using the colormap high bytes', () => {
    const colormap = [
      ...Array.from({ length: 16 }, (_, i) => i * 17 * 257),
      ...Array.from({ length: 16 }, (_, i) => (255 - i) * 257),
      ...new Array<number>(16).fill(128 * 257),
    ];
    // Indices 0..15 packed two per byte, one 16-pixel row.
    const row = Uint8Array.from({ length: 8 }, (_, i) => ((2 * i) << 4) | (2 * i + 1));
    const file = buildTiff(
      base(16, 1, [
        { tag: 258, type: 3, values: [4] },
        { tag: 262, type: 3, values: [3] },
        { tag: 320, type: 3, values: colormap },
      ]),
      [row],
    );
    const image = decodeTiff(file);
    expect([image.channels, image.bitsPerSample]).toEqual([3, 8]);
    expect(Array.from(image.data)).toEqual(
      Array.from({ length: 16 }, (_, i) => [i * 17, 255 - i, 128]).flat(),
    );
  });

  it('scales 2-bit MinIsWhite gray to 8 bits and inverts it', () => {
    const file = buildTiff(
      base(4, 1, [
        { tag: 258, type: 3, values: [2] },
        { tag: 262, type: 3, values: [0] },
      ]),
      [Uint8Array.of(0b00011011)],
    );
    expect(Array.from(decodeTiff(file).data)).toEqual([255, 170, 85, 0]);
  });

  it('honours FillOrder 2 (bits reversed in every byte) for compressed strips', () => {
    const pixels = photoLike(32 * 8, 5);
    const reversed = lzwEncode(pixels).map((b) => {
      let r = 0;
      for (let k = 0; k < 8; k++) r |= ((b >>> k) & 1) << (7 - k);
      return r;
    });
    const file = buildTiff(
      base(32, 8, [
        { tag: 258, type: 3, values: [8] },
        { tag: 259, type: 3, values: [5] },
        { tag: 262, type: 3, values: [1] },
        { tag: 266, type: 3, values: [2] },
      ]),
      [reversed],
    );
    expect(Array.from(decodeTiff(file).data)).toEqual(Array.from(pixels));
  });

  it('refuses sizes the compressed data could never fill, before allocating them', () => {
    const file = buildTiff(
      base(8000, 8000, [
        { tag: 258, type: 3, values: [8] },
        { tag: 259, type: 3, values: [5] },
        { tag: 262, type: 3, values: [1] },
      ]),
      [lzwEncode(new Uint8Array(20_000))],
    );
    expect(() => decodeTiff(file)).toThrow(
      expect.objectContaining({
        code: 'ERR_TIFF_CORRUPT',
        message: expect.stringMatching(/too little to fill it/),
      }),
    );
  });

  it('refuses what it cannot decode, naming the feature', () => {
    const gray = (extra: BuildTag[]): Uint8Array =>
      buildTiff(
        base(2, 2, [
          ...(extra.some((t) => t.tag === 262)
            ? []
            : [{ tag: 262, type: 3 as const, values: [1] }]),
          ...extra,
        ]),
        [new Uint8Array(16)],
      );
    expect(() => decodeTiff(gray([{ tag: 259, type: 3, values: [34925] }]))).toThrow(
      /compression LZMA \(Compression=34925\) is not supported/,
    );
    expect(() => decodeTiff(gray([{ tag: 259, type: 3, values: [6] }]))).toThrow(/Old-style JPEG/);
    expect(() =>
      decodeTiff(
        gray([
          { tag: 258, type: 3, values: [32] },
          { tag: 339, type: 3, values: [3] },
        ]),
      ),
    ).toThrow(/32-bit floating-point samples .* not supported; convert/);
    expect(() => decodeTiff(gray([{ tag: 262, type: 3, values: [32844] }]))).toThrow(
      expect.objectContaining({
        code: 'ERR_TIFF_UNSUPPORTED',
        message: expect.stringMatching(/LogL/),
      }),
    );
  });
});

/** An uncompressed YCbCr file of random data units, in strips of 8 rows. */
function ycbcrFile(h: number, v: number, seed: number, reference?: number[]): Uint8Array {
  const width = 37;
  const height = 23;
  const random = prng(seed);
  const strips: Uint8Array[] = [];
  for (let y = 0; y < height; y += 8) {
    const rows = Math.min(8, height - y);
    const length = Math.ceil(width / h) * Math.ceil(rows / v) * (h * v + 2);
    strips.push(Uint8Array.from({ length }, () => Math.floor(random() * 256)));
  }
  return buildTiff(
    base(width, height, [
      { tag: 258, type: 3, values: [8, 8, 8] },
      { tag: 262, type: 3, values: [6] },
      { tag: 277, type: 3, values: [3] },
      { tag: 278, type: 4, values: [8] },
      { tag: 530, type: 3, values: [h, v] },
      ...(reference === undefined ? [] : [{ tag: 532, type: 5 as const, values: reference }]),
    ]),
    strips,
  );
}

describe('uncompressed YCbCr', () => {
  it('turns neutral chroma (Cb = Cr = 128) into gray with Y kept', () => {
    // One 2x2 data unit: four luma samples, then Cb and Cr.
    const file = buildTiff(
      base(2, 2, [
        { tag: 258, type: 3, values: [8, 8, 8] },
        { tag: 262, type: 3, values: [6] },
        { tag: 277, type: 3, values: [3] },
      ]),
      [Uint8Array.of(10, 60, 120, 250, 128, 128)],
    );
    expect(Array.from(decodeTiff(file).data)).toEqual([10, 60, 120, 250].flatMap((y) => [y, y, y]));
  });

  const hasTiff2rgba = hasTool('tiff2rgba');
  if (!hasTiff2rgba) console.warn('YCbCr check against libtiff skipped: tiff2rgba not installed');
  it.skipIf(!hasTiff2rgba)(
    'matches libtiff (tiff2rgba) exactly for every subsampling and a studio-range reference',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'tiff-ycbcr-'));
      try {
        const layouts = [
          [1, 1],
          [2, 1],
          [2, 2],
          [4, 2],
          [4, 4],
          [1, 2],
        ] as const;
        layouts.forEach(([h, v], n) => {
          for (const reference of [undefined, [16, 235, 128, 240, 128, 240]]) {
            const file = join(dir, `ycbcr-${h}${v}-${reference === undefined ? 'd' : 'r'}.tif`);
            writeFileSync(file, ycbcrFile(h, v, n, reference));
            execFileSync('tiff2rgba', ['-c', 'none', file, `${file}.rgba`], { stdio: 'pipe' });
            const ours = decodeTiff(readFileSync(file));
            const libtiff = decodeTiff(readFileSync(`${file}.rgba`));
            const rgb = Array.from({ length: ours.width * ours.height * 3 }, (_, i) => {
              return libtiff.data[Math.floor(i / 3) * libtiff.channels + (i % 3)];
            });
            expect(Array.from(ours.data)).toEqual(rgb);
          }
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
