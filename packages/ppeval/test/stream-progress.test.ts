import { afterAll, describe, expect, it } from 'vitest';

import { TaskError, array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import { countThenFailAt, failAt } from './fixtures/runtime/failing.mjs';
import { countRuns, square } from './fixtures/runtime/math.mjs';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

describe('ppeval.stream', () => {
  it('yields every { index, value } once, as elements finish', async () => {
    const seen = new Map<number, number>();
    for await (const { index, value } of pool.stream(square, array(range(0, 300)))) {
      expect(seen.has(index)).toBe(false);
      seen.set(index, value);
    }
    expect(seen.size).toBe(300);
    for (const [index, value] of seen) expect(value).toBe(index * index);
  });

  it('throws the first element error from the loop', async () => {
    const consume = async (): Promise<void> => {
      for await (const item of pool.ppeval.stream(failAt, array(range(0, 10)), 4)) void item;
    };
    await expect(consume()).rejects.toBeInstanceOf(TaskError);
  });

  it('stops the call when the loop is left early', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4));
    const local = createPool({ concurrency: 2 });
    try {
      for await (const item of local.stream(countThenFailAt, array(range(0, 60)), -1, counts)) {
        expect(item.index).toBeGreaterThanOrEqual(0);
        break;
      }
    } finally {
      await local.close();
    }
    // Without stopping, all 60 elements would run.
    expect(Atomics.load(counts, 0)).toBeLessThan(20);
  });
});

describe('observability', () => {
  it('reports progress up to the total, in increasing order', async () => {
    const reports: [number, number][] = [];
    await pool.ppeval.with({ onProgress: (done, total) => reports.push([done, total]) })(
      square,
      array(range(0, 1000)),
    );
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.at(-1)).toEqual([1000, 1000]);
    const done = reports.map(([d]) => d);
    expect(done).toEqual([...done].sort((a, b) => a - b));
  });

  it('reports wall time and busy time per worker', async () => {
    let stats: CallStats | undefined;
    await pool.ppeval.with({ onStats: (s) => (stats = s) })(square, array(range(0, 5000)));
    expect(stats!.total).toBe(5000);
    expect(stats!.elements).toBe(5000);
    expect(stats!.workers.reduce((n, w) => n + w.elements, 0)).toBe(5000);
    expect(stats!.wallMs).toBeGreaterThan(0);
    for (const w of stats!.workers) {
      expect(w.busyMs).toBeGreaterThan(0);
      expect(w.busyMs).toBeLessThanOrEqual(stats!.wallMs);
    }
    expect(stats!.busyMs).toBeCloseTo(
      stats!.workers.reduce((n, w) => n + w.busyMs, 0),
      6,
    );
  });

  it('batches many cheap elements: far fewer batches than elements', async () => {
    let stats: CallStats | undefined;
    const counts = new Int32Array(new SharedArrayBuffer(4 * 20_000));
    await pool.ppeval.with({ onStats: (s) => (stats = s) })(
      countRuns,
      array(range(0, 20_000)),
      counts,
    );
    expect(stats!.batches).toBeLessThan(1000); // one per element without batching: 20,000
    expect(counts.every((c) => c === 1)).toBe(true);
  });

  it('sends expensive elements one by one (dynamic balancing)', async () => {
    let stats: CallStats | undefined;
    const counts = new Int32Array(new SharedArrayBuffer(4));
    // Each element takes about 20 ms: too long to batch.
    await pool.ppeval.with({ onStats: (s) => (stats = s) })(
      countThenFailAt,
      array(range(0, 12)),
      -1,
      counts,
    );
    expect(stats!.batches).toBe(12);
  });

  it('a throwing onProgress fails the call with that error', async () => {
    const boom = new Error('progress bar broke');
    const call = pool.ppeval.with({
      onProgress: () => {
        throw boom;
      },
    })(square, array([1, 2, 3]));
    await expect(call).rejects.toBe(boom);
  });
});
