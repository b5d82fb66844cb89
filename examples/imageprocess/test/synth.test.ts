import { describe, expect, it } from 'vitest';
import { SingularValueDecomposition, Matrix } from 'ml-matrix';
import { synthesizeImage } from '../src/synth.js';

/** Singular values of one band of an 8-bit image, largest first. */
function singularValues(data: ArrayLike<number>, width: number, height: number, channels: number) {
  const m = new Matrix(height, width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) m.set(y, x, data[(y * width + x) * channels]!);
  }
  return new SingularValueDecomposition(m, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  }).diagonal;
}

/**
 * What makes a picture photo-like for a rank-k SVD (k = n/20, 50 at 1064 px), with thresholds
 * from real photographs (photo01-07 at 1064 px: rank-50 error 2.6-19%, sigma_50/sigma_51
 * 1.01-1.03, no numerically negligible tail):
 * - the rank-k approximation leaves a visible error (3% to 50% of the energy's square root);
 * - the singular values around k decay slowly (a flat tail, neighbour ratios near 1);
 * - the tail never vanishes (sigma_{n/2} is not negligible against sigma_1).
 */
function photoLike(s: number[]): {
  ok: boolean;
  relativeError: number;
  ratio: number;
  tail: number;
} {
  const n = s.length;
  const k = Math.round(n / 20);
  const energy = s.reduce((sum, v) => sum + v * v, 0);
  const rest = s.slice(k).reduce((sum, v) => sum + v * v, 0);
  const relativeError = Math.sqrt(rest / energy);
  let ratio = 0;
  for (let i = k - 2; i < k + 8; i++) ratio += s[i]! / s[i + 1]! / 10;
  const tail = s[Math.floor(n / 2)]! / s[0]!;
  const ok = relativeError > 0.03 && relativeError < 0.5 && ratio < 1.15 && tail > 5e-4;
  return { ok, relativeError, ratio, tail };
}

describe('synthesizeImage', () => {
  it('is deterministic: the same seed gives the same bytes, another seed other bytes', () => {
    const a = synthesizeImage({ width: 96, height: 64, seed: 3 });
    const b = synthesizeImage({ width: 96, height: 64, seed: 3 });
    const c = synthesizeImage({ width: 96, height: 64, seed: 4 });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
  });

  it.each([
    [1, 8, false, Uint8Array],
    [2, 8, true, Uint8Array],
    [3, 16, false, Uint16Array],
    [4, 16, true, Uint16Array],
  ] as const)('makes %d channel(s) of %d bits (alpha %s)', (channels, bits, alpha, type) => {
    const image = synthesizeImage({
      width: 50,
      height: 30,
      seed: 1,
      channels,
      bitsPerSample: bits,
    });
    expect(image).toMatchObject({ width: 50, height: 30, channels, bitsPerSample: bits, alpha });
    expect(image.data).toBeInstanceOf(type);
    expect(image.data.length).toBe(50 * 30 * channels);
    // Samples use the whole range of the type, not just the low byte.
    const max = Math.max(...Array.from(image.data));
    expect(max).toBeGreaterThan(bits === 8 ? 128 : 128 * 256);
  });

  it('has the singular-value statistics of a photograph, unlike a smooth gradient', () => {
    const gradient = new Uint8Array(256 * 256);
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) gradient[y * 256 + x] = Math.round((x + y) / 2);
    }
    expect(photoLike(singularValues(gradient, 256, 256, 1)).ok).toBe(false);
    for (const seed of [1, 2]) {
      const image = synthesizeImage({ width: 256, height: 256, seed, channels: 3 });
      const stats = photoLike(singularValues(image.data, 256, 256, 3));
      expect(stats, JSON.stringify(stats)).toMatchObject({ ok: true });
    }
  });

  it('refuses bad sizes and unknown options', () => {
    expect(() => synthesizeImage({ width: 0, height: 5, seed: 1 })).toThrow(/`width`.*1 to 65535/);
    expect(() => synthesizeImage({ width: 5, height: 5.5, seed: 1 })).toThrow(/`height`/);
    expect(() =>
      synthesizeImage({ width: 5, height: 5, seed: 1, colour: 3 } as unknown as Parameters<
        typeof synthesizeImage
      >[0]),
    ).toThrow(/Unknown option `colour`/);
  });
});
