import { afterAll, describe, expect, it } from 'vitest';

import { createPool, split } from 'ppeval';
import { fillSlice, sliceInfo } from '../fixtures/runtime/math.mjs';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

describe('split typed data reaches worker threads without copying', () => {
  it('gives each element a view of the same shared memory (a worker write is seen here)', async () => {
    const data = new Float64Array(new SharedArrayBuffer(6 * 4 * 8));
    const rows = { data, shape: [6, 4] };
    const lengths = await pool.ppeval(fillSlice, split(rows, 0), 9);
    expect(lengths).toEqual([4, 4, 4, 4, 4, 4]);
    // Had the rows been copied to the workers, the caller's buffer would still hold zeros.
    expect([...data].every((v) => v === 9)).toBe(true);
  });

  it('moves ordinary memory into shared memory once and slices along any axis', async () => {
    // A 2x3x2 array: value = 100*i + 10*j + k.
    const data = new Float64Array(12);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 2; k++) data[i * 6 + j * 2 + k] = 100 * i + 10 * j + k;
    const nd = { data, shape: [2, 3, 2] };
    const alongMiddle = await pool.ppeval(sliceInfo, split(nd, 1));
    expect(alongMiddle.map((s) => s.shape)).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
    // Slice j holds 100i + 10j + k for i, k in {0, 1}: sum 202 + 40j.
    expect(alongMiddle.map((s) => s.sum)).toEqual([202, 242, 282]);
    expect(alongMiddle.every((s) => s.shared)).toBe(true);
    const alongLast = await pool.ppeval(sliceInfo, split(nd, -1));
    // Slice k holds 100i + 10j + k for i < 2, j < 3: sum 360 + 6k.
    expect(alongLast.map((s) => s.sum)).toEqual([360, 366]);
  });

  it('copies slices to child processes, with the same results', async () => {
    const processes = createPool({ concurrency: 2, runtime: 'processes' });
    try {
      const nd = { data: Float64Array.from({ length: 12 }, (_, i) => i), shape: [3, 4] };
      const out = await processes.ppeval(sliceInfo, split(nd, 0));
      expect(out.map((s) => s.sum)).toEqual([6, 22, 38]);
      expect(out.every((s) => !s.shared)).toBe(true);
    } finally {
      await processes.close();
    }
  });
});
