/**
 * The scaling benchmark run in-process at a tiny size, with real workers: what it records, not
 * how fast it is (figures of a tiny run are meaningless).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import scaling from '../src/scaling.js';
import type { BenchContext } from '../src/types.js';

interface Row {
  workers: number;
  speedup: { median: number; n: number };
  efficiency: number;
  utilization: number;
  speedupVsOneWorker: { n: number; min: number; max: number } | null;
  samples: { wallMs: number; busyMs: number[]; cpuMs: number }[];
}

let resultsDir = '';
let lines: string[] = [];
let results: Record<string, unknown> = {};
const progress: [number, number, string][] = [];
const envBefore = [process.env['IMAGEPROCESS_DIR'], process.env['IMAGEPROCESS_OUT']];

beforeAll(async () => {
  resultsDir = await mkdtemp(path.join(os.tmpdir(), 'bench-scaling-run-'));
  const ctx: BenchContext = {
    tiny: true,
    // 1000 workers: more than any machine running this test has cores, so always "missing".
    args: ['--workers', '1,1000', '--reps', '3', '--count', '3', '--python-solvers', 'none'],
    resultsDir,
    log: (line) => lines.push(line),
    progress: (done, total, label) => progress.push([done, total, label]),
  };
  lines = [];
  results = await scaling.run(ctx);
}, 60_000);

afterAll(async () => {
  if (resultsDir !== '') await rm(resultsDir, { recursive: true, force: true });
});

describe('scaling --tiny, in-process', () => {
  it('measures the serial loop and every worker count the cores allow, once per round', () => {
    const serial = results['serial'] as { samples: unknown[] };
    expect(serial.samples).toHaveLength(3);
    const parallel = results['parallel'] as Row[];
    expect(parallel.map((r) => r.workers)).toEqual([1]);
    const [one] = parallel as [Row];
    expect(one.samples).toHaveLength(3);
    expect(one.speedup.n).toBe(3);
    for (const s of one.samples) {
      // One worker ran every element: its busy time cannot exceed the call's wall time.
      expect(s.busyMs).toHaveLength(1);
      expect(s.busyMs[0]).toBeGreaterThan(0);
      expect(s.busyMs[0]).toBeLessThanOrEqual(s.wallMs);
      expect(s.cpuMs).toBeGreaterThan(0);
    }
    expect(one.efficiency).toBeCloseTo(one.speedup.median, 12);
    // Against itself, round by round: exactly 1.
    expect(one.speedupVsOneWorker).toMatchObject({ n: 3, min: 1, max: 1 });
  });

  it('marks worker counts above the cores as not measured, in the results, the table and the chart', async () => {
    const plan = results['plan'] as { measured: number[]; missing: { workers: number }[] };
    expect(plan.measured).toEqual([1]);
    expect(plan.missing.map((m) => m.workers)).toEqual([1000]);
    expect(lines.join('\n')).toMatch(/\| 1000 workers: not measured \(\d+ cores\) +\| +- +\|/);
    const svg = await readFile(path.join(resultsDir, 'scaling.svg'), 'utf8');
    expect(svg).toContain('not measured');
    expect(results['targetMet']).toBeNull();
  });

  it('reports progress through every run, warm-up included, and ends at done', () => {
    // 1 warm-up round + 3 timed rounds, 2 configurations each.
    expect(progress.at(-1)).toEqual([8, 8, 'done']);
    expect(progress.filter(([, , label]) => label.startsWith('warm-up'))).toHaveLength(2);
  });

  it('restores the environment it set for the workers', () => {
    expect([process.env['IMAGEPROCESS_DIR'], process.env['IMAGEPROCESS_OUT']]).toEqual(envBefore);
  });
});
