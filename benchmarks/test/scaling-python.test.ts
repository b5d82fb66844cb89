import { describe, expect, it } from 'vitest';
import { BenchOptionError } from '../src/errors.js';
import { formatVersusPython, parsePythonSolvers, versusPython } from '../src/scaling-python.js';

describe('parsePythonSolvers', () => {
  it('defaults to PROPACK, reads a list and drops duplicates', () => {
    expect(parsePythonSolvers(undefined)).toEqual(['propack']);
    expect(parsePythonSolvers('full, propack,full')).toEqual(['full', 'propack']);
  });

  it('refuses an unknown solver, listing the valid ones', () => {
    expect(() => parsePythonSolvers('propack,lapack')).toThrow(BenchOptionError);
    expect(() => parsePythonSolvers('propack,lapack')).toThrow(
      /some of propack, arpack, full, got `lapack`/,
    );
  });
});

describe('versusPython', () => {
  it('is ours / Python paired round by round, summarised', () => {
    const row = versusPython(2, 'propack', [1000, 1100, 900], [2000, 2000, 1000]);
    expect(row.ratio.median).toBeCloseTo(0.55);
    expect(row.ratio.min).toBeCloseTo(0.5);
    expect(row.ratio.max).toBeCloseTo(0.9);
    expect(row.oursMs.median).toBe(1000);
    expect(row.pythonMs.median).toBe(2000);
  });

  it('refuses rounds that do not pair', () => {
    expect(() => versusPython(1, 'full', [1, 2], [1])).toThrow(/one sample per round/);
  });

  it('prints a Markdown row per worker count and solver', () => {
    const lines = formatVersusPython([versusPython(2, 'propack', [1000], [2000])]);
    expect(lines[0]).toMatch(/^\| workers \| Python solver \| ppeval \(ours\) \|/);
    expect(lines[2]).toMatch(/^\| 2 +\| svds PROPACK +\| +1\.00 s \| +2\.00 s \| +0\.50x \|/);
  });
});
