import { describe, expect, it } from 'vitest';
import { lowRankApproximation } from '../src/svd/index.js';

const band = Float64Array.from({ length: 12 }, (_, i) => (i * 7) % 5);

describe('lowRankApproximation validates its arguments', () => {
  it('refuses a band that is not a Float64Array, naming what arrived', () => {
    expect(() => lowRankApproximation([1, 2, 3, 4] as unknown as Float64Array, 2, 2, 1)).toThrow(
      /Expected `band` to be a Float64Array.*got an array of length 4/,
    );
    expect(() =>
      lowRankApproximation(new Uint8Array(4) as unknown as Float64Array, 2, 2, 1),
    ).toThrow(/an instance of Uint8Array/);
  });

  it('refuses a band whose length is not rows * cols', () => {
    expect(() => lowRankApproximation(band, 3, 5, 1)).toThrow(
      /rows \* cols = 3 \* 5 = 15 values, got 12/,
    );
  });

  it('refuses dimensions that are not positive integers', () => {
    expect(() => lowRankApproximation(band, 0, 12, 1)).toThrow(
      /`rows` to be an integer from 1 and up, got `0` \(number\)/,
    );
    expect(() => lowRankApproximation(band, 3, 4.5, 1)).toThrow(/`cols`.*`4.5` \(number\)/);
    expect(() => lowRankApproximation(band, '3' as unknown as number, 4, 1)).toThrow(
      /`rows`.*'3' \(string\)/,
    );
  });

  it.each([0, -1, 2.5, Number.NaN, 4, Number.POSITIVE_INFINITY])(
    'refuses rank %s with the valid range 1..min(rows, cols)',
    (rank) => {
      expect(() => lowRankApproximation(band, 3, 4, rank)).toThrow(RangeError);
      expect(() => lowRankApproximation(band, 3, 4, rank)).toThrow(
        new RegExp(`\`rank\` to be an integer from 1 to min\\(rows, cols\\) = 3, got \`${rank}\``),
      );
    },
  );

  it('refuses a rank given as a string (callers convert first)', () => {
    expect(() => lowRankApproximation(band, 3, 4, '2' as unknown as number)).toThrow(TypeError);
    expect(() => lowRankApproximation(band, 3, 4, '2' as unknown as number)).toThrow(
      /got '2' \(string\)/,
    );
  });

  it('refuses non-finite samples, naming the position', () => {
    const bad = band.slice();
    bad[5] = Number.NaN;
    expect(() => lowRankApproximation(bad, 3, 4, 1)).toThrow(
      /got NaN at index 5 \(row 1, column 1\)/,
    );
  });

  it('refuses unknown option keys and bad option values', () => {
    expect(() => lowRankApproximation(band, 3, 4, 1, { mode: 'dense' } as never)).toThrow(
      /Unknown option `mode`.*`method` and `kernels`/,
    );
    expect(() => lowRankApproximation(band, 3, 4, 1, { method: 'fast' as never })).toThrow(
      /`method` to be one of 'auto', 'lanczos', 'dense', 'exact', got 'fast' \(string\)/,
    );
    expect(() => lowRankApproximation(band, 3, 4, 1, { kernels: 'gpu' as never })).toThrow(
      /`kernels` to be 'wasm' or 'js', got 'gpu'/,
    );
    expect(() => lowRankApproximation(band, 3, 4, 1, null as never)).toThrow(
      /`options` to be an object/,
    );
  });

  it('accepts every valid method and kernel combination on the same input', () => {
    const exact = lowRankApproximation(band, 3, 4, 2, { method: 'exact' });
    for (const method of ['auto', 'lanczos', 'dense'] as const) {
      for (const kernels of ['wasm', 'js'] as const) {
        const out = lowRankApproximation(band, 3, 4, 2, { method, kernels });
        expect(out).toHaveLength(12);
        out.forEach((x, i) => expect(x).toBeCloseTo(exact[i]!, 9));
      }
    }
  });

  it('returns a flat-colour band itself with the exact method (ml-matrix alone never returns)', () => {
    // Regression: ml-matrix 6.15's SVD loops forever on a constant 300x200 matrix.
    const flat = new Float64Array(300 * 200).fill(128);
    for (const method of ['exact', 'auto'] as const) {
      const out = lowRankApproximation(flat, 300, 200, 5, { method });
      expect(out.every((x) => Math.abs(x - 128) < 1e-9)).toBe(true);
    }
  });
});
