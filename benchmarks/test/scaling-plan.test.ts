import { describe, expect, it } from 'vitest';
import { analyzeWorkers, interleave, planWorkerCounts } from '../src/scaling-plan.js';

describe('planWorkerCounts', () => {
  it('measures counts up to the available cores and marks the rest missing', () => {
    expect(planWorkerCounts([1, 2, 4, 8], 2)).toEqual({ measured: [1, 2], missing: [4, 8] });
    expect(planWorkerCounts([8, 1, 4, 2, 2], 16)).toEqual({ measured: [1, 2, 4, 8], missing: [] });
    expect(planWorkerCounts([1, 2, 4, 8], 6)).toEqual({ measured: [1, 2, 4], missing: [8] });
  });

  it('refuses nonsense counts with the value it got', () => {
    expect(() => planWorkerCounts([0], 4)).toThrow(/got `0`/);
    expect(() => planWorkerCounts([1.5], 4)).toThrow(/got `1.5`/);
    expect(() => planWorkerCounts([1], 0)).toThrow(/available cores.*got `0`/);
  });
});

describe('interleave', () => {
  it('runs every configuration once per round, rotating the start', () => {
    expect(interleave(['s', 'a', 'b'], 3)).toEqual([
      [0, 's'],
      [0, 'a'],
      [0, 'b'],
      [1, 'a'],
      [1, 'b'],
      [1, 's'],
      [2, 'b'],
      [2, 's'],
      [2, 'a'],
    ]);
  });

  it('puts every configuration first equally often over a full rotation', () => {
    const order = interleave([0, 1, 2, 3], 8);
    const firsts = order.filter((_, i) => i % 4 === 0).map(([, c]) => c);
    expect([0, 1, 2, 3].map((c) => firsts.filter((f) => f === c).length)).toEqual([2, 2, 2, 2]);
  });

  it('refuses a round count below 1', () => {
    expect(() => interleave(['s'], 0)).toThrow(/rounds.*got `0`/);
  });
});

const serialRun = (ms: number) => ({ wallMs: ms, busyMs: [ms], cpuMs: ms });

describe('analyzeWorkers', () => {
  it('pairs rounds: drift that slows a whole round does not show up as spread in speedup', () => {
    // Round 2 runs on a machine twice as slow: both sides double, the speedup stays 2.
    const row = analyzeWorkers(
      [serialRun(100), serialRun(200)],
      [
        { wallMs: 50, busyMs: [50, 50], cpuMs: 100 },
        { wallMs: 100, busyMs: [100, 100], cpuMs: 200 },
      ],
      2,
    );
    expect(row.speedup.min).toBe(2);
    expect(row.speedup.max).toBe(2);
    expect(row.efficiency).toBe(1);
    expect(row.wallMs.median).toBe(75);
  });

  it('decomposes lost speedup into idle time, work inflation and imbalance', () => {
    // Serial 100 ms; 4 workers; wall 40 ms; busy 30+30+30+10 = 100 ms of work (no inflation),
    // utilization 100 / 160, one worker mostly idle.
    const row = analyzeWorkers(
      [serialRun(100)],
      [{ wallMs: 40, busyMs: [30, 30, 30, 10], cpuMs: 100 }],
      4,
    );
    expect(row.speedup.median).toBe(2.5);
    expect(row.efficiency).toBeCloseTo(0.625, 12);
    expect(row.utilization).toBeCloseTo(0.625, 12);
    expect(row.workInflation).toBeCloseTo(1, 12);
    expect(row.imbalance).toBeCloseTo(30 / 25, 12);
    expect(row.busyPerWorkerMs).toBe(25);
    // speedup = workers * utilization / inflation
    expect(row.speedup.median).toBeCloseTo((4 * row.utilization) / row.workInflation, 12);
  });

  it('counts workers that reported no busy time as idle', () => {
    const row = analyzeWorkers([serialRun(100)], [{ wallMs: 100, busyMs: [100], cpuMs: 100 }], 2);
    expect(row.utilization).toBe(0.5);
    expect(row.imbalance).toBe(2);
  });

  it('shows work inflation when each element gets slower in parallel', () => {
    const row = analyzeWorkers([serialRun(100)], [{ wallMs: 60, busyMs: [60, 60], cpuMs: 120 }], 2);
    expect(row.workInflation).toBeCloseTo(1.2, 12);
    expect(row.cpuWorkRatio).toBeCloseTo(1.2, 12);
    expect(row.utilization).toBe(1);
  });

  it('tells CPU taken by other processes from work inflation', () => {
    // Both workers look busy for 100 ms, but the process got only 100 ms of CPU in that time:
    // one core's worth. The CPU work equals the serial loop's, so nothing inflated the work.
    const row = analyzeWorkers(
      [serialRun(100)],
      [{ wallMs: 100, busyMs: [100, 100], cpuMs: 100 }],
      2,
    );
    expect(row.workInflation).toBe(2);
    expect(row.cpuWorkRatio).toBe(1);
    expect(row.coresUsed).toBe(1);
  });
});
