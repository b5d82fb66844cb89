import { describe, expect, it } from 'vitest';
import { checkRankRange, parseRank } from '../src/rank.js';
import { ImageprocessError } from '../src/errors.js';

function rankError(run: () => unknown): ImageprocessError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImageprocessError);
    expect((error as ImageprocessError).code).toBe('ERR_IMAGEPROCESS_RANK');
    return error as ImageprocessError;
  }
  throw new Error('expected a rank error');
}

describe('parseRank accepts what int(rank) accepted', () => {
  it.each([
    [50, 50],
    ['50', 50],
    [' 50 ', 50],
    ['\t7\n', 7],
    ['+3', 3],
    ['1_000', 1000],
  ])('%j -> %d', (input, expected) => {
    expect(parseRank(input)).toBe(expected);
  });

  it('accepts a bigint', () => {
    expect(parseRank(12n)).toBe(12);
  });
});

describe('parseRank refuses', () => {
  it.each([
    [0, /at least 1/],
    [-5, /at least 1/],
    ['-5', /at least 1/],
    ['0', /at least 1/],
    [50.5, /whole number/],
    [Number.NaN, /whole number/],
    [Infinity, /whole number/],
    ['50.0', /whole number/],
    ['5 0', /whole number/],
    ['', /whole number/],
    ['fifty', /whole number/],
    ['1__0', /whole number/],
    [null, /whole number/],
    [true, /whole number/],
    [[50], /whole number/],
  ])('%j', (input, pattern) => {
    const error = rankError(() => parseRank(input));
    expect(error.message).toMatch(pattern);
  });

  it('names the value and its type', () => {
    expect(rankError(() => parseRank('fifty')).message).toContain('`fifty` (string)');
    expect(rankError(() => parseRank(50.5)).message).toContain('`50.5` (number)');
  });
});

describe('checkRankRange', () => {
  it('accepts 1 to min(width, height), non-square included', () => {
    expect(() => checkRankRange(1, 40, 30)).not.toThrow();
    expect(() => checkRankRange(30, 40, 30)).not.toThrow();
    expect(() => checkRankRange(30, 30, 40)).not.toThrow();
  });

  it('refuses a rank above the smaller side, giving the valid range and the file', () => {
    const error = rankError(() => checkRankRange(31, 40, 30, '/data/a.tif'));
    expect(error.message).toContain('1 to 30');
    expect(error.message).toContain('/data/a.tif');
    expect(error.message).toContain('40x30');
    expect(error.path).toBe('/data/a.tif');
  });
});
