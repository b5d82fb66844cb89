/**
 * Robust summaries of repeated timings: median and spread rather than a mean that one slow run
 * (a GC pause, another process on the core) can drag.
 */

/** Median, quartiles and extremes of a set of samples. */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  /** The middle sample (mean of the two middle ones for an even count). */
  readonly median: number;
  /** The smallest sample. */
  readonly min: number;
  /** The largest sample. */
  readonly max: number;
  /** First quartile (25th percentile, linear interpolation between order statistics). */
  readonly q1: number;
  /** Third quartile (75th percentile). */
  readonly q3: number;
  /** Arithmetic mean, kept for readers who compare with other reports. */
  readonly mean: number;
}

function checkSamples(samples: readonly number[], what: string): void {
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new RangeError(
      `Expected ${what} to be a non-empty array of finite numbers, got ${
        Array.isArray(samples) ? 'an empty array' : `\`${String(samples)}\` (${typeof samples})`
      }.`,
    );
  }
  for (const [i, x] of samples.entries()) {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new RangeError(
        `Expected every sample of ${what} to be a finite number, got \`${String(x)}\` (${typeof x}) at index ${i}.`,
      );
    }
  }
}

/**
 * The q-quantile of the samples, interpolating linearly between order statistics (the method
 * NumPy and R call type 7), so that the median of [1, 2, 3, 4] is 2.5.
 *
 * @param samples - finite numbers, in any order (not modified)
 * @param q - from 0 (minimum) to 1 (maximum)
 * @example
 * quantile([4, 1, 3, 2], 0.5); // 2.5
 */
export function quantile(samples: readonly number[], q: number): number {
  checkSamples(samples, 'samples');
  if (typeof q !== 'number' || !(q >= 0 && q <= 1)) {
    throw new RangeError(
      `Expected q to be a number from 0 to 1, got \`${String(q)}\` (${typeof q}).`,
    );
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/**
 * Summarise repeated measurements.
 *
 * @param samples - finite numbers, at least one
 * @example
 * summarize([10, 12, 11]); // { n: 3, median: 11, min: 10, max: 12, q1: 10.5, q3: 11.5, mean: 11 }
 */
export function summarize(samples: readonly number[]): Summary {
  checkSamples(samples, 'samples');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const x of samples) {
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return {
    n: samples.length,
    median: quantile(samples, 0.5),
    min,
    max,
    q1: quantile(samples, 0.25),
    q3: quantile(samples, 0.75),
    mean: sum / samples.length,
  };
}

/**
 * Speedup of each paired repetition: baseline[i] / candidate[i]. Pairing the i-th serial run
 * with the i-th parallel run of the same round is what lets interleaving cancel slow drift (a
 * machine that warms up or gets busier affects both sides of a pair alike).
 *
 * @param baseline - times of the reference (the serial loop), one per round
 * @param candidate - times of the configuration, one per round, same length
 * @example
 * pairedRatios([10, 12], [5, 4]); // [2, 3]
 */
export function pairedRatios(baseline: readonly number[], candidate: readonly number[]): number[] {
  checkSamples(baseline, 'baseline');
  checkSamples(candidate, 'candidate');
  if (baseline.length !== candidate.length) {
    throw new RangeError(
      `Expected baseline and candidate to have one sample per round each, got ${baseline.length} and ${candidate.length}.`,
    );
  }
  return baseline.map((b, i) => {
    const c = candidate[i] as number;
    if (c <= 0) {
      throw new RangeError(`Expected positive candidate times, got \`${c}\` at index ${i}.`);
    }
    return b / c;
  });
}
