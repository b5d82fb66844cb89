/**
 * Options of `npm run bench -- scaling`, parsed from the sub-command's arguments with Node's
 * own parser: unknown options and malformed values are refused with the value that arrived.
 */
import { BenchOptionError } from './errors.js';
import { integerOption as integer, parseBenchOptions } from './options.js';
import { PYTHON_ENV, pythonInterpreter } from './python.js';
import type { PythonSolver } from './python.js';
import { DEFAULT_WORKER_COUNTS } from './scaling-plan.js';
import { parsePythonSolvers } from './scaling-python.js';

/** The scaling benchmark's settings after parsing. */
export interface ScalingOptions {
  /**
   * Folder of TIFF images; 'generated' for the example's generated set; undefined for the
   * default (../shared/data/photos when present, else the generated set).
   * @default undefined
   */
  readonly images: string | undefined;
  /** Number of elements of the call (images; a folder with fewer is cycled). @default 16 */
  readonly count: number;
  /** Rank of the SVD. @default 50 */
  readonly rank: number;
  /** Timed rounds (each runs every configuration once). @default 5 (tiny: 2) */
  readonly reps: number;
  /** Untimed rounds first (JIT, file cache, worker start-up). @default 1 */
  readonly warmup: number;
  /** Worker counts to try; those above the available cores are reported as not measured. @default [1, 2, 4, 8] */
  readonly workers: readonly number[];
  /** The Python interpreter of the comparison. @default $PPEVAL_BENCH_PYTHON, else 'python3' */
  readonly python: string;
  /** Python's solvers, one Pool(N) row each; empty to skip Python. @default ['propack'] */
  readonly pythonSolvers: readonly PythonSolver[];
}

/** One line per option, for `npm run bench -- scaling --help`. */
export const SCALING_USAGE = [
  '  --images DIR     TIFF images to use (default ../shared/data/photos, the 7 photos of',
  '                   1064x1064 cycled to 16 elements, when present; else, or with',
  '                   `--images generated`, the generated set of 16 1064x1064 RGB images)',
  '  --count N        elements of the call: compress(i, rank) for i in 0..N-1 (default 16;',
  '                   a folder with fewer images is cycled)',
  '  --rank R         rank of the SVD (default 50)',
  '  --reps N         timed rounds; each runs serial, 1, 2, 4, 8 workers once, interleaved',
  '                   (default 5; --tiny: 2)',
  '  --warmup N       untimed rounds first (default 1)',
  '  --workers LIST   worker counts, comma-separated (default 1,2,4,8); counts above the',
  '                   available cores are reported as not measured',
  `  --python PATH    Python for the multiprocessing.Pool comparison (default $${PYTHON_ENV},`,
  '                   else python3; needs NumPy, SciPy, Pillow: pip install numpy scipy pillow)',
  "  --python-solvers LIST  Python rows: propack, arpack, full (NumPy, the seed's algorithm),",
  '                   comma-separated (default propack); `none` skips Python',
].join('\n');

/**
 * Parse the scaling sub-command's arguments.
 *
 * @param args - the arguments after `scaling`
 * @param tiny - the CLI's --tiny: smaller defaults
 * @example
 * parseScalingOptions(['--rank', '20', '--workers', '1,2'], false).workers; // [1, 2]
 */
export function parseScalingOptions(args: readonly string[], tiny: boolean): ScalingOptions {
  const values = parseBenchOptions('scaling', args, [
    'images',
    'count',
    'rank',
    'reps',
    'warmup',
    'workers',
    'python',
    'python-solvers',
  ]);
  const workersRaw = values['workers'];
  let workers: number[] = [...DEFAULT_WORKER_COUNTS];
  if (workersRaw !== undefined) {
    workers = workersRaw.split(',').map((w) => integer('workers', w.trim(), 0, 1));
    if (workers.length === 0)
      throw new BenchOptionError('Expected --workers to list at least one count.');
  }
  const images = values['images'];
  if (images !== undefined && images.trim() === '') {
    throw new BenchOptionError('Expected a folder after --images, got an empty string.');
  }
  return {
    images,
    count: integer('count', values['count'], tiny ? 4 : 16, 1),
    rank: integer('rank', values['rank'], tiny ? 5 : 50, 1),
    reps: integer('reps', values['reps'], tiny ? 2 : 5, 1),
    warmup: integer('warmup', values['warmup'], 1, 0),
    workers,
    python: pythonInterpreter(values['python']),
    pythonSolvers:
      values['python-solvers']?.trim() === 'none'
        ? []
        : parsePythonSolvers(values['python-solvers']),
  };
}
