import { afterAll, describe, expect, it } from 'vitest';

import { array, createPool, range } from 'ppeval';
import type { ProgressInfo } from 'ppeval';
import { ProgressClock } from '../src/stats.js';
import { square } from './fixtures/runtime/math.mjs';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

describe('ProgressClock', () => {
  it('estimates the time left from the rate after the first report', () => {
    let now = 5_000;
    const clock = new ProgressClock(() => now);
    // 10 of 100 after 1 s, worker start-up included: 90 more at that rate.
    now = 6_000;
    expect(clock.report(10, 100, true)).toEqual({ elapsedMs: 1000, etaMs: 9000, totalKnown: true });
    // 10 more in 100 ms once the workers run: the start-up no longer counts.
    now = 6_100;
    expect(clock.report(20, 100, true)).toEqual({ elapsedMs: 1100, etaMs: 800, totalKnown: true });
    now = 6_500;
    expect(clock.report(100, 100, true).etaMs).toBe(0);
  });

  it('gives no estimate while the total is unknown, or before any element is done', () => {
    let now = 0;
    const clock = new ProgressClock(() => now);
    now = 10;
    expect(clock.report(0, 50, true).etaMs).toBeUndefined();
    now = 20;
    expect(clock.report(40, 64, false)).toEqual({
      elapsedMs: 20,
      etaMs: undefined,
      totalKnown: false,
    });
  });
});

type Report = [done: number, total: number, info: ProgressInfo];

describe('onProgress with an estimate', () => {
  it('passes elapsed time and the time left as a third argument', async () => {
    const reports: Report[] = [];
    await pool.ppeval.with({ onProgress: (...r) => reports.push(r), chunkSize: 10 })(
      square,
      array(range(0, 500)),
    );
    expect(reports.length).toBeGreaterThan(2);
    const elapsed = reports.map(([, , info]) => info.elapsedMs);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    for (const [done, total, info] of reports) {
      expect(total).toBe(500);
      expect(info.totalKnown).toBe(true);
      expect(done).toBeGreaterThan(0);
      expect(info.etaMs).toBeGreaterThanOrEqual(0);
      expect(info.etaMs).toBeLessThan(Infinity);
    }
    expect(reports.at(-1)).toEqual([500, 500, expect.objectContaining({ etaMs: 0 })]);
  });

  it('over a lazy input: total counts the elements read, no estimate until the end', async () => {
    function* lines(): Generator<number> {
      for (let k = 0; k < 400; k++) yield k;
    }
    const reports: Report[] = [];
    await pool.ppeval.with({ onProgress: (...r) => reports.push(r), chunkSize: 10 })(
      square,
      array(lines()),
    );
    const before = reports.filter(([, , info]) => !info.totalKnown);
    expect(before.length).toBeGreaterThan(0);
    for (const [done, total, info] of before) {
      expect(total).toBeGreaterThanOrEqual(done);
      expect(total).toBeLessThanOrEqual(400);
      expect(info.etaMs).toBeUndefined();
    }
    expect(reports.at(-1)).toEqual([
      400,
      400,
      { elapsedMs: expect.any(Number), etaMs: 0, totalKnown: true },
    ]);
  });
});
