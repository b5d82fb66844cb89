import { describe, expect, it } from 'vitest';
import { BenchOptionError } from '../src/errors.js';
import {
  compareSamples,
  fasterSolver,
  formatAgreement,
  formatRatio,
  fullSvdTimingRank,
  parseRankList,
  timeRatio,
} from '../src/svd-compare.js';

describe('compareSamples', () => {
  it('counts equal samples and the largest difference, whichever side is larger', () => {
    expect(compareSamples(Uint8Array.of(1, 2, 3, 4), Uint8Array.of(1, 2, 3, 6))).toEqual({
      equalPercent: 75,
      maxDiff: 2,
      samples: 4,
    });
    expect(compareSamples(Uint8Array.of(9, 0), Uint8Array.of(0, 0)).maxDiff).toBe(9);
    expect(compareSamples(new Uint8Array(0), new Uint8Array(0)).equalPercent).toBe(100);
  });

  it('refuses outputs of different sizes, saying why', () => {
    expect(() => compareSamples(new Uint8Array(3), new Uint8Array(4))).toThrow(
      /same size.*3 and 4 samples/,
    );
  });
});

describe('ratios', () => {
  it('ours / theirs, null when a side is missing or not positive', () => {
    expect(timeRatio(300, 150)).toBe(2);
    expect(timeRatio(null, 150)).toBeNull();
    expect(timeRatio(300, null)).toBeNull();
    expect(timeRatio(300, 0)).toBeNull();
  });

  it('formats with two decimals, n/a for null', () => {
    expect(formatRatio(0.6234)).toBe('0.62x');
    expect(formatRatio(null)).toBe('n/a');
  });

  it('picks the faster SciPy solver, PROPACK on a tie, the other when one is missing', () => {
    expect(fasterSolver(300, 410)).toEqual({ solver: 'propack', ms: 300 });
    expect(fasterSolver(500, 410)).toEqual({ solver: 'arpack', ms: 410 });
    expect(fasterSolver(400, 400)).toEqual({ solver: 'propack', ms: 400 });
    expect(fasterSolver(null, 410)).toEqual({ solver: 'arpack', ms: 410 });
    expect(fasterSolver(300, null)).toEqual({ solver: 'propack', ms: 300 });
    expect(fasterSolver(null, null)).toBeNull();
  });
});

describe('formatAgreement', () => {
  it('never rounds a difference up to 100%', () => {
    expect(formatAgreement({ equalPercent: 99.99995, maxDiff: 1, samples: 3 })).toBe(
      '99.9999% (max 1)',
    );
    expect(formatAgreement({ equalPercent: 100, maxDiff: 0, samples: 3 })).toBe(
      '100.0000% (max 0)',
    );
    expect(formatAgreement(null)).toBe('n/a');
  });
});

describe('parseRankList', () => {
  it('reads integers, trims, drops duplicates, keeps the order', () => {
    expect(parseRankList('20, 50,100,50', 'ranks')).toEqual([20, 50, 100]);
  });

  it.each(['', '20,,50', '0', '2.5', 'fifty'])('refuses %j with the item at fault', (raw) => {
    expect(() => parseRankList(raw, 'ranks')).toThrow(BenchOptionError);
    expect(() => parseRankList(raw, 'ranks')).toThrow(/Expected --ranks to be a comma-separated/);
  });
});

describe('fullSvdTimingRank', () => {
  it('is the rank nearest to 50, the first on a tie', () => {
    expect(fullSvdTimingRank([20, 50, 100])).toBe(50);
    expect(fullSvdTimingRank([10, 200])).toBe(10);
    expect(fullSvdTimingRank([40, 60])).toBe(40);
    expect(() => fullSvdTimingRank([])).toThrow(/at least one rank/);
  });
});
