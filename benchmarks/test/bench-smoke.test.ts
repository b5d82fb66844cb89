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

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

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
    }, 60_000);
  }
});
