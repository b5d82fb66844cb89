import { describe, expect, it } from 'vitest';
import { pairedRatios, quantile, summarize } from '../src/stats.js';

describe('quantile', () => {
  it('interpolates between order statistics, whatever the input order', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([4, 1, 3, 2], 0)).toBe(1);
    expect(quantile([4, 1, 3, 2], 1)).toBe(4);
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20);
    expect(quantile([0, 10], 0.3)).toBeCloseTo(3, 12);
  });

  it('does not reorder the caller array', () => {
    const xs = [3, 1, 2];
    quantile(xs, 0.5);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('refuses empty input, non-finite samples and q outside [0, 1] with the value it got', () => {
    expect(() => quantile([], 0.5)).toThrow(/non-empty array.*empty array/);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(/`NaN` \(number\) at index 1/);
    expect(() => quantile([1], 1.5)).toThrow(/from 0 to 1, got `1.5`/);
  });
});

describe('summarize', () => {
  it('gives median, quartiles, extremes and mean', () => {
    expect(summarize([12, 10, 11])).toEqual({
      n: 3,
      median: 11,
      min: 10,
      max: 12,
      q1: 10.5,
      q3: 11.5,
      mean: 11,
    });
  });

  it('keeps the median robust to one outlier while the mean moves', () => {
    const s = summarize([10, 10, 10, 10, 1000]);
    expect(s.median).toBe(10);
    expect(s.mean).toBe(208);
    expect(s.max).toBe(1000);
  });
});

describe('pairedRatios', () => {
  it('divides round by round', () => {
    expect(pairedRatios([10, 12], [5, 4])).toEqual([2, 3]);
  });

  it('refuses rounds of different counts and non-positive times', () => {
    expect(() => pairedRatios([1, 2], [1])).toThrow(/got 2 and 1/);
    expect(() => pairedRatios([1], [0])).toThrow(/positive/);
  });
});
