import { describe, expect, it } from 'vitest';
import { parseScalingOptions } from '../src/scaling-options.js';

describe('parseScalingOptions', () => {
  it("defaults to Star-P's experiment: 16 images, rank 50, 1/2/4/8 workers", () => {
    expect(parseScalingOptions([], false)).toEqual({
      images: undefined,
      count: 16,
      rank: 50,
      reps: 5,
      warmup: 1,
      workers: [1, 2, 4, 8],
      // The interpreter comes from $PPEVAL_BENCH_PYTHON when set: any name here.
      python: expect.any(String) as unknown,
      pythonSolvers: ['propack'],
    });
  });

  it('shrinks the defaults for a tiny run', () => {
    const o = parseScalingOptions([], true);
    expect(o.count).toBeLessThan(16);
    expect(o.rank).toBeLessThan(50);
    expect(o.reps).toBeGreaterThanOrEqual(2);
  });

  it('reads every option', () => {
    expect(
      parseScalingOptions(
        [
          '--images',
          '../x',
          '--count=7',
          '--rank',
          '20',
          '--reps',
          '3',
          '--warmup',
          '0',
          '--workers',
          '1, 16',
          '--python',
          '/opt/py3',
          '--python-solvers',
          'full,propack',
        ],
        false,
      ),
    ).toEqual({
      images: '../x',
      count: 7,
      rank: 20,
      reps: 3,
      warmup: 0,
      workers: [1, 16],
      python: '/opt/py3',
      pythonSolvers: ['full', 'propack'],
    });
  });

  it('skips Python with --python-solvers none, and refuses an unknown solver', () => {
    expect(parseScalingOptions(['--python-solvers', 'none'], false).pythonSolvers).toEqual([]);
    expect(() => parseScalingOptions(['--python-solvers', 'lapack'], false)).toThrow(
      /--python-solvers.*`lapack`/,
    );
  });

  it('refuses unknown options, naming the valid ones', () => {
    expect(() => parseScalingOptions(['--rnak', '20'], false)).toThrow(
      /--rnak.*--images, --count, --rank, --reps, --warmup, --workers, --python and --python-solvers/s,
    );
  });

  it('refuses malformed numbers with the value it got', () => {
    expect(() => parseScalingOptions(['--rank', '0'], false)).toThrow(/--rank.*from 1.*`0`/);
    expect(() => parseScalingOptions(['--reps', 'many'], false)).toThrow(/--reps.*`many`/);
    expect(() => parseScalingOptions(['--workers', '1,,2'], false)).toThrow(/--workers.*``/);
    expect(() => parseScalingOptions(['--images', ''], false)).toThrow(/--images/);
  });
});
