import { ImageprocessError, describeValue } from './errors.js';

// What Python's int() accepts from a string: optional blanks and sign, decimal digits with single
// underscores between them. A decimal point is refused there too ("50.0" is a ValueError).
const INTEGER_TEXT = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/;

/**
 * Reads a rank the way the original's `int(rank)` did: an integer number, a bigint, or a string
 * such as `'50'` or `' 50 '`. Unlike `int()`, a fractional number (50.5) is refused rather than
 * truncated: a silently changed rank would make a wrong picture. The range is checked against
 * the image later, by {@link checkRankRange}.
 *
 * @throws {ImageprocessError} `ERR_IMAGEPROCESS_RANK` naming the value and its type.
 * @example
 * parseRank(' 50 '); // 50
 */
export function parseRank(value: unknown): number {
  let rank: number;
  if (typeof value === 'number') {
    rank = value;
  } else if (typeof value === 'bigint') {
    rank = Number(value);
  } else if (typeof value === 'string') {
    const match = INTEGER_TEXT.exec(value);
    if (!match) {
      throw new ImageprocessError(
        'ERR_IMAGEPROCESS_RANK',
        `Expected \`rank\` to be a whole number such as 50 or '50', got ${describeValue(value)}.`,
      );
    }
    rank = Number(`${match[1]}${match[2]!.replaceAll('_', '')}`);
  } else {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_RANK',
      `Expected \`rank\` to be a whole number such as 50 or '50', got ${describeValue(value)}.`,
    );
  }
  if (!Number.isSafeInteger(rank)) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_RANK',
      `Expected \`rank\` to be a whole number from 1 up to the smaller side of the image, got ${describeValue(value)}.`,
    );
  }
  if (rank < 1) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_RANK',
      `Expected \`rank\` to be at least 1 (the number of singular values kept), got ${describeValue(value)}.`,
    );
  }
  return rank;
}

/**
 * Checks `rank` against an image: a rank-k approximation of a height x width band needs
 * 1 <= k <= min(width, height).
 *
 * @throws {ImageprocessError} `ERR_IMAGEPROCESS_RANK` giving the valid range.
 * @example
 * checkRankRange(50, 1064, 1064); // fine
 */
export function checkRankRange(rank: number, width: number, height: number, file?: string): void {
  const limit = Math.min(width, height);
  if (rank > limit) {
    const where = file === undefined ? 'this image' : file;
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_RANK',
      `Rank ${rank} is out of range for ${where} (${width}x${height}): the valid ranks are 1 to ${limit}, the smaller side.`,
      file === undefined ? undefined : { path: file },
    );
  }
}
