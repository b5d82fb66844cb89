import { describe, expect, it, vi } from 'vitest';
import { compressImage } from '../src/compress.js';
import { ImageprocessError } from '../src/errors.js';
import { synthesizeImage } from '../src/synth.js';
import { agreement, oracleCompress } from './oracle.js';

describe('compressImage agrees with the exact SVD, floored and clamped', () => {
  it.each([
    ['gray 8-bit', 48, 40, 1, 8, 10],
    ['RGB 8-bit', 64, 48, 3, 8, 12],
    ['RGBA 8-bit', 40, 40, 4, 8, 8],
    ['gray+alpha 16-bit', 36, 44, 2, 16, 9],
    ['RGB 16-bit', 40, 32, 3, 16, 6],
    ['wide RGB', 90, 30, 3, 8, 7],
    ['tall gray', 28, 80, 1, 8, 11],
  ] as const)('%s %dx%d', (_, width, height, channels, bits, rank) => {
    const image = synthesizeImage({
      width,
      height,
      seed: width * height,
      channels,
      bitsPerSample: bits,
    });
    const before = image.data.slice();
    const result = compressImage(image, rank);
    expect(result).toMatchObject({
      width,
      height,
      channels,
      bitsPerSample: bits,
      alpha: image.alpha,
    });
    expect(result.data.constructor).toBe(image.data.constructor);
    const { equal, maxDiff } = agreement(result.data, oracleCompress(image, rank).data);
    expect(equal).toBeGreaterThanOrEqual(0.999);
    expect(maxDiff).toBeLessThanOrEqual(1);
    // The input is left alone, and the rank really dropped information.
    expect(image.data).toEqual(before);
    expect(agreement(result.data, image.data).equal).toBeLessThan(0.9);
    if (image.alpha) {
      for (let i = channels - 1; i < image.data.length; i += channels) {
        if (result.data[i] !== image.data[i]) throw new Error(`alpha changed at sample ${i}`);
      }
    }
  });

  it('at full rank gives the image back', () => {
    const image = synthesizeImage({ width: 24, height: 20, seed: 5, channels: 1 });
    const { equal, maxDiff } = agreement(compressImage(image, 20).data, image.data);
    expect(equal).toBeGreaterThanOrEqual(0.99);
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('writes every sample of its output (which starts as unzeroed memory), for every layout and method', () => {
    // Unzeroed memory made to hold junk: a sample left unwritten would show as 0xa5.
    const real = Buffer.allocUnsafeSlow.bind(Buffer);
    const spy = vi.spyOn(Buffer, 'allocUnsafeSlow').mockImplementation((n) => real(n).fill(0xa5));
    try {
      for (const [channels, bits, width, height] of [
        [1, 8, 33, 21],
        [2, 8, 20, 31],
        [3, 8, 40, 24],
        [4, 8, 19, 37],
        [3, 16, 18, 22],
      ] as const) {
        const image = synthesizeImage({ width, height, seed: 77, channels, bitsPerSample: bits });
        for (const method of ['auto', 'lanczos', 'dense', 'exact'] as const) {
          const calls = spy.mock.calls.length;
          const junk = compressImage(image, 5, { method }).data;
          if (bits === 8) expect(spy.mock.calls.length).toBe(calls + 1);
          spy.mockImplementationOnce((n) => real(n).fill(0));
          const zeroed = compressImage(image, 5, { method }).data;
          expect(Array.from(junk), `${channels} channels, ${bits} bits, ${method}`).toEqual(
            Array.from(zeroed),
          );
        }
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('accepts the rank as a numeric string', () => {
    const image = synthesizeImage({ width: 20, height: 20, seed: 5, channels: 1 });
    expect(compressImage(image, ' 4 ').data).toEqual(compressImage(image, 4).data);
  });
});

describe('compressImage refuses', () => {
  const image = synthesizeImage({ width: 30, height: 20, seed: 1, channels: 3 });

  it('a rank above the smaller side, with the valid range', () => {
    expect(() => compressImage(image, 21)).toThrow(/valid ranks are 1 to 20/);
  });

  it.each([0, -1, 2.5, Number.NaN, '2.5', 'x'])('rank %j', (rank) => {
    expect(() => compressImage(image, rank as number)).toThrow(ImageprocessError);
  });

  it('malformed pixels, naming what is wrong', () => {
    expect(() => compressImage({ ...image, data: image.data.subarray(1) }, 5)).toThrow(
      /data holds 1799 samples, not width\*height\*channels = 1800/,
    );
    expect(() => compressImage({ ...image, bitsPerSample: 16 }, 5)).toThrow(/16-bit/);
    expect(() => compressImage({ ...image, channels: 5 as 3 }, 5)).toThrow(/channels/);
    expect(() => compressImage(null as never, 5)).toThrow(/decoded pixels/);
  });

  it('unknown options', () => {
    expect(() => compressImage(image, 5, { mehtod: 'exact' } as never)).toThrow(
      /Unknown option `mehtod`/,
    );
  });
});
