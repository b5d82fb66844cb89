import { afterAll, describe, expect, it } from 'vitest';

import { array, createPool, range } from 'ppeval';
import { barrier } from './fixtures/runtime/math.mjs';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

describe('parallelism', () => {
  it('runs two elements at once: each waits at a shared barrier for the other', async () => {
    // Run one at a time, the first element would wait for a second that never starts and fail.
    const cell = new Int32Array(new SharedArrayBuffer(4));
    expect(await pool.ppeval(barrier, array([0, 1]), cell, 2)).toEqual([0, 1]);
    expect(Atomics.load(cell, 0)).toBe(2);
  });

  it('spreads elements over every worker of the pool', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    let workers = 0;
    const out = await pool.ppeval.with({ onStats: (s) => (workers = s.workers.length) })(
      barrier,
      array(range(0, 2)),
      cell,
      2,
    );
    expect(out).toEqual([0, 1]);
    expect(workers).toBe(2);
  });

  it('fails the barrier with concurrency 1 (the test above would fail without parallelism)', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const single = createPool({ concurrency: 1 });
    try {
      await expect(single.ppeval(barrier, array([0, 1]), cell, 2, 200)).rejects.toThrow(
        /only 1 of 2 arrived/,
      );
    } finally {
      await single.close();
    }
  });

  it('uses at most the call-level `concurrency` workers at once', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const call = pool.ppeval.with({ concurrency: 1 })(barrier, array([0, 1]), cell, 2, 200);
    await expect(call).rejects.toThrow(/only 1 of 2 arrived/);
  });
});
