/**
 * The pure arithmetic of the svd benchmark's comparison with SciPy and NumPy: sample agreement
 * between two outputs, ratios with their formatting, which SciPy solver was faster, and the
 * parsing of list options. Kept apart from the timing so it can be tested without Python.
 */
import { BenchOptionError } from './errors.js';

/** How two outputs of the same image agree, sample by sample. */
export interface Agreement {
  /** Share of the samples that are equal, in percent. */
  readonly equalPercent: number;
  /** The largest absolute difference of a sample. */
  readonly maxDiff: number;
  /** Samples compared. */
  readonly samples: number;
}

/**
 * The number of equal samples and the largest difference of two sample arrays of the same
 * length (a count, which sums over bands; {@link compareSamples} checks the lengths).
 *
 * @example
 * countAgreement(Uint8Array.of(1, 2), Uint8Array.of(1, 5)); // { equal: 1, max: 3 }
 */
export function countAgreement(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { equal: number; max: number } {
  let equal = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d === 0) equal++;
    else if (d > max) max = d;
  }
  return { equal, max };
}

/**
 * Compare two sample arrays of the same length (decoded pixels of two outputs).
 *
 * @param a - samples of one output
 * @param b - samples of the other, same layout
 * @example
 * compareSamples(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 2, 3, 6)); // { equalPercent: 75, maxDiff: 2, samples: 4 }
 */
export function compareSamples(a: ArrayLike<number>, b: ArrayLike<number>): Agreement {
  if (a.length !== b.length) {
    throw new RangeError(
      `Expected two outputs of the same size to compare, got ${a.length} and ${b.length} samples: the images differ in shape or channels.`,
    );
  }
  const { equal, max } = countAgreement(a, b);
  return {
    equalPercent: a.length === 0 ? 100 : (100 * equal) / a.length,
    maxDiff: max,
    samples: a.length,
  };
}

/**
 * `ours / theirs`, or null when either side was not measured (null, not NaN, for the JSON).
 *
 * @example
 * timeRatio(300, 150); // 2
 * timeRatio(300, null); // null
 */
export function timeRatio(ours: number | null, theirs: number | null): number | null {
  if (ours === null || theirs === null || !(theirs > 0) || !Number.isFinite(ours)) return null;
  return ours / theirs;
}

/**
 * A ratio for the table: `0.62x`, `2.41x`, or `n/a`.
 *
 * @example
 * formatRatio(0.6234); // '0.62x'
 */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`;
}

/**
 * The faster of SciPy's two solvers, the one a user would pick.
 *
 * @param propackMs - median time with solver='propack', or null
 * @param arpackMs - median time with solver='arpack', or null
 * @example
 * fasterSolver(300, 410); // { solver: 'propack', ms: 300 }
 */
export function fasterSolver(
  propackMs: number | null,
  arpackMs: number | null,
): { solver: 'propack' | 'arpack'; ms: number } | null {
  if (propackMs === null && arpackMs === null) return null;
  if (arpackMs === null || (propackMs !== null && propackMs <= arpackMs)) {
    return { solver: 'propack', ms: propackMs as number };
  }
  return { solver: 'arpack', ms: arpackMs };
}

/**
 * An agreement for the table: `100.0000% (max 0)`, or `n/a`.
 *
 * @example
 * formatAgreement({ equalPercent: 99.99995, maxDiff: 1, samples: 3 }); // '99.9999% (max 1)'
 */
export function formatAgreement(a: Agreement | null): string {
  if (a === null) return 'n/a';
  // Truncated, never rounded up: 99.99995% must not read as 100%.
  const pct = Math.floor(a.equalPercent * 1e4) / 1e4;
  return `${pct.toFixed(4)}% (max ${a.maxDiff})`;
}

/**
 * Parse a comma-separated list of ranks: integers from 1, duplicates dropped, order kept.
 *
 * @param raw - the option's value, e.g. '20,50,100'
 * @param option - the option's name for the message, e.g. 'ranks'
 * @example
 * parseRankList('20, 50,100', 'ranks'); // [20, 50, 100]
 */
export function parseRankList(raw: string, option: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const ranks: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (p === '' || !Number.isInteger(n) || n < 1) {
      throw new BenchOptionError(
        `Expected --${option} to be a comma-separated list of integers from 1 and up (e.g. 20,50,100), got \`${raw}\` (string), whose item \`${p}\` is not.`,
      );
    }
    if (!ranks.includes(n)) ranks.push(n);
  }
  return ranks;
}

/**
 * The rank at which NumPy's full SVD is timed: its time does not depend on the rank (the full
 * decomposition dominates), so one rank is enough, the one nearest to the seed's 50.
 *
 * @example
 * fullSvdTimingRank([20, 50, 100]); // 50
 * fullSvdTimingRank([10, 200]); // 10
 */
export function fullSvdTimingRank(ranks: readonly number[]): number {
  if (ranks.length === 0) throw new RangeError('Expected at least one rank, got none.');
  return ranks.reduce((best, r) => (Math.abs(r - 50) < Math.abs(best - 50) ? r : best));
}
