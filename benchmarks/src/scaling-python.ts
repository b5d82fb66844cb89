/**
 * The Python side of the scaling benchmark: the same 16 files compressed by Python's
 * `multiprocessing.Pool(N)` with Pillow and SciPy's svds (or NumPy's full SVD, the seed's
 * algorithm), one BLAS thread per process, through the server of python.ts. Each pool lives for
 * the whole run, as ppeval's pools do, so neither side pays its start-up in the timed rounds.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BenchOptionError } from './errors.js';
import type { PythonServer, PythonSolver } from './python.js';
import { formatDuration, formatTable } from './report.js';
import type { ParallelSample } from './scaling-plan.js';
import { pairedRatios, summarize } from './stats.js';
import type { Summary } from './stats.js';

/** The solvers `--python-solvers` accepts. */
export const PYTHON_SOLVERS: readonly PythonSolver[] = ['propack', 'arpack', 'full'];

/** How the report names each solver. */
export const PYTHON_SOLVER_NAMES: Readonly<Record<PythonSolver, string>> = {
  propack: 'svds PROPACK',
  arpack: 'svds ARPACK',
  full: 'np.linalg.svd full (the seed)',
};

/**
 * Parse `--python-solvers`: a comma-separated subset of propack, arpack, full.
 *
 * @param raw - the option's value, or undefined for the default
 * @example
 * parsePythonSolvers('propack,full'); // ['propack', 'full']
 */
export function parsePythonSolvers(raw: string | undefined): PythonSolver[] {
  if (raw === undefined) return ['propack'];
  const list = raw.split(',').map((s) => s.trim());
  const out: PythonSolver[] = [];
  for (const s of list) {
    if (!(PYTHON_SOLVERS as readonly string[]).includes(s)) {
      throw new BenchOptionError(
        `Expected --python-solvers to list some of ${PYTHON_SOLVERS.join(', ')}, got \`${s}\` (string) in \`${raw}\`.`,
      );
    }
    if (!out.includes(s as PythonSolver)) out.push(s as PythonSolver);
  }
  return out;
}

/** A Python pool configuration, timed like the ppeval runners. */
export interface PythonRunner {
  readonly label: string;
  readonly workers: number;
  readonly solver: PythonSolver;
  run(signal?: AbortSignal): Promise<ParallelSample>;
}

/**
 * `multiprocessing.Pool(workers).map(compress_file, files)` in the Python server.
 *
 * @param server - an open server with the modules the solver needs
 * @param files - the input TIFFs, one per element (the same files ppeval's call reads)
 * @param outDir - where the outputs go (`<i>.tif`); created when missing
 * @example
 * const two = openPythonRunner(server, images.files, 50, 'propack', 2, '/tmp/out');
 * const { wallMs } = await two.run();
 */
export function openPythonRunner(
  server: PythonServer,
  files: readonly string[],
  rank: number,
  solver: PythonSolver,
  workers: number,
  outDir: string,
): PythonRunner {
  return {
    label: `Python Pool(${workers}), ${PYTHON_SOLVER_NAMES[solver]}`,
    workers,
    solver,
    async run(signal) {
      signal?.throwIfAborted();
      await mkdir(outDir, { recursive: true });
      const wallMs = await server.pool(files, path.join(outDir), rank, solver, workers);
      // The pool's CPU time is in other processes, not measured from here: wall time only.
      return { wallMs, busyMs: [], cpuMs: 0 };
    },
  };
}

/** One row of the ours-against-Python table. */
export interface VersusPythonRow {
  readonly workers: number;
  readonly solver: PythonSolver;
  readonly oursMs: Summary;
  readonly pythonMs: Summary;
  /** ours / Python, round by round, summarised: below 1, ours is faster. */
  readonly ratio: Summary;
}

/**
 * Pair ppeval's N-worker rounds with Python's Pool(N) rounds of the same solver.
 *
 * @param ours - wall times of ppeval on `workers` workers, one per round
 * @param python - wall times of Python's Pool(workers), the same rounds
 * @example
 * versusPython(2, 'propack', [1000, 1100], [2000, 2000]).ratio.median; // 0.525
 */
export function versusPython(
  workers: number,
  solver: PythonSolver,
  ours: readonly number[],
  python: readonly number[],
): VersusPythonRow {
  // Paired round by round, so that a busy stretch of the shared machine hits both sides.
  return {
    workers,
    solver,
    oursMs: summarize(ours),
    pythonMs: summarize(python),
    ratio: summarize(pairedRatios(ours, python)),
  };
}

/**
 * The table of ours against Python, one row per worker count and solver.
 *
 * @param rows - from {@link versusPython}
 * @returns the lines of a Markdown table
 * @example
 * formatVersusPython([versusPython(2, 'propack', [1000], [2000])]);
 */
export function formatVersusPython(rows: readonly VersusPythonRow[]): string[] {
  const x = (v: number): string => `${v.toFixed(2)}x`;
  return formatTable(
    ['workers', 'Python solver', 'ppeval (ours)', 'Python Pool(N)', 'ours / Python', 'min-max'],
    rows.map((r) => [
      String(r.workers),
      PYTHON_SOLVER_NAMES[r.solver],
      formatDuration(r.oursMs.median),
      formatDuration(r.pythonMs.median),
      x(r.ratio.median),
      `${x(r.ratio.min)}-${x(r.ratio.max)}`,
    ]),
    ['left', 'left', 'right', 'right', 'right', 'right'],
  );
}
