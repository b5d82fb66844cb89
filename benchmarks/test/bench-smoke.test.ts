/**
 * Every benchmark runs once at a tiny size, through the built CLI as a user runs it, so that none
 * can rot unnoticed. The figures of a tiny run are meaningless; what is checked is that each
 * sub-command prints its table and writes a results file of finite numbers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonInterpreter } from '../src/python.js';
import { withoutScipy } from './python-stub.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
// The Python comparisons run with whatever interpreter the benchmarks would use; CI's Debian
// python3 has NumPy and Pillow but no SciPy, a developer's may have all three.
const python = pythonInterpreter(undefined);
const probe = (modules: string): boolean =>
  spawnSync(python, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
const hasScipy = probe('numpy, scipy, PIL');
const hasNumpy = probe('numpy, PIL');

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Results of the tiny runs go to the test's folder through the option; the variable must
      // not leak in from the caller's shell and point them elsewhere.
      env: { ...process.env, PPEVAL_BENCH_RESULTS_DIR: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

let resultsDir = '';
beforeAll(async () => {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: build first (npm run build -w ppeval-benchmarks).`);
  }
  resultsDir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
});
afterAll(async () => {
  if (resultsDir !== '') await rm(resultsDir, { recursive: true, force: true });
});

const subCommands: { name: string; skip: string | undefined }[] = [
  { name: 'scaling', skip: undefined },
  { name: 'overhead', skip: undefined },
  { name: 'svd', skip: undefined },
  {
    name: 'redis',
    skip: hasRedis ? undefined : 'redis-server is not installed (apt-get install redis-server)',
  },
];

describe('npm run bench -- <sub-command> --tiny', () => {
  for (const { name, skip } of subCommands) {
    if (skip !== undefined) {
      it.skip(`${name}: skipped, ${skip}`, () => {});
      continue;
    }
    it(`${name} prints its table and writes results/${name}.json with finite numbers`, async () => {
      const run = await runCli([name, '--tiny', '--results-dir', resultsDir], 50_000);
      const context = `exit ${run.code} ${run.signal ?? ''}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(0);
      // A Markdown table: a header row and its rule.
      expect(run.stdout, context).toMatch(/^\|.+\|\s*$/m);
      expect(run.stdout, context).toMatch(/^\| *:?-{3,}/m);
      const record = JSON.parse(await readFile(path.join(resultsDir, `${name}.json`), 'utf8')) as {
        benchmark: string;
        tiny: boolean;
        machine: { cores: number; node: string };
        results: Record<string, unknown>;
      };
      expect(record.benchmark).toBe(name);
      expect(record.tiny).toBe(true);
      expect(record.machine.cores).toBeGreaterThan(0);
      expect(record.machine.node).toBe(process.version);
      const numbers = numbersIn(record.results);
      expect(numbers.length, 'the results hold no figures at all').toBeGreaterThan(0);
      expect(numbers.every(Number.isFinite)).toBe(true);
      if (name === 'svd' || name === 'scaling') checkPythonRows(name, run.stdout, record.results);
    }, 60_000);
  }
});

/** With SciPy: its rows are measured; without: the report says what is missing and why. */
function checkPythonRows(name: string, stdout: string, results: Record<string, unknown>): void {
  const r = results as {
    python?: { scipyMeasured?: boolean; measured?: boolean };
    fileToFile?: { ranks: { propackMs: number | null; arpackMs: number | null }[] }[];
  };
  if (name === 'svd') {
    const row = r.fileToFile?.[0]?.ranks[0];
    expect(r.python?.scipyMeasured, stdout).toBe(hasScipy);
    if (hasScipy) {
      expect(row?.propackMs, stdout).toBeGreaterThan(0);
      expect(row?.arpackMs, stdout).toBeGreaterThan(0);
      expect(stdout).toMatch(/\| ours \/ faster SciPy \|/);
    } else {
      expect(row?.propackMs).toBeNull();
      expect(stdout).toMatch(/SciPy not measured: /);
    }
  } else {
    expect(r.python?.measured, stdout).toBe(hasScipy);
    if (hasScipy) expect(stdout).toMatch(/^\| 1 +\| svds PROPACK +\|/m);
    else expect(stdout).toMatch(/not measured: /);
  }
}

describe('the Python comparisons without SciPy', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-python-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const skip = hasNumpy ? '' : ` (skipped: ${python} with NumPy and Pillow is not installed)`;
  it.skipIf(!hasNumpy)(
    `svd --tiny with ${python}, SciPy hidden: says SciPy is missing and how to install it, prints ours and NumPy${skip}`,
    async () => {
      const stub = await withoutScipy(python, dir);
      const run = await runCli(['svd', '--tiny', '--python', stub, '--results-dir', dir], 50_000);
      const context = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(0);
      expect(run.stdout).toMatch(
        /SciPy not measured: .*python-without-scipy .* has no SciPy \(module scipy\): install it with `pip install scipy pillow`/,
      );
      const record = JSON.parse(await readFile(path.join(dir, 'svd.json'), 'utf8')) as {
        results: {
          python: { scipyMeasured: boolean };
          fileToFile: { ranks: { oursMs: number; propackMs: null; numpyFullMs: number }[] }[];
        };
      };
      expect(record.results.python.scipyMeasured).toBe(false);
      const row = record.results.fileToFile[0]!.ranks[0]!;
      expect(row.oursMs).toBeGreaterThan(0);
      expect(row.propackMs).toBeNull();
      expect(row.numpyFullMs).toBeGreaterThan(0);
    },
    60_000,
  );

  it.skipIf(!hasNumpy)(
    `scaling --tiny with ${python}, SciPy hidden: says the PROPACK rows are not measured and why${skip}`,
    async () => {
      const stub = await withoutScipy(python, dir);
      const run = await runCli(
        ['scaling', '--tiny', '--python', stub, '--results-dir', dir],
        50_000,
      );
      const context = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      expect(run.code, context).toBe(0);
      expect(run.stdout).toMatch(
        /Python svds PROPACK not measured: .* has no SciPy \(module scipy\): install it with `pip install scipy pillow`/,
      );
      expect(run.stdout).not.toMatch(/Ours against Python/);
    },
    60_000,
  );

  it('svd --tiny with an interpreter that does not exist: says so, prints ours only', async () => {
    const run = await runCli(
      ['svd', '--tiny', '--python', '/nonexistent/python3', '--results-dir', dir],
      50_000,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /SciPy not measured: \/nonexistent\/python3 could not start \(ENOENT\)/,
    );
    expect(run.stdout).toMatch(/ours \(compressFile\) only/);
  }, 60_000);
});
