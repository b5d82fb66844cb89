import { afterAll, describe, expect, it } from 'vitest';

import { array, bcast, createPool, ppeval, range, split } from 'ppeval';
import { cube, label } from './fixtures/runtime/cjs-fns.cjs';
import { addScaled, slowEcho, square } from './fixtures/runtime/math.mjs';
import { norm } from './fixtures/runtime/ts-fns.js';

// Workers load the built dist/: `npm run build -w ppeval` first (npm test does).
const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

describe('results in element order', () => {
  it('runs an ESM export over array(range(...)) on the default pool', async () => {
    const squares = await ppeval(square, array(range(0, 50)));
    expect(squares).toEqual(range(0, 50).map((k) => k * k));
  });

  it('runs a CommonJS export with a broadcast string', async () => {
    expect(await pool.ppeval(cube, array([1, 2, 3]))).toEqual([1, 8, 27]);
    expect(await pool.ppeval(label, array([1, 2]), 'n')).toEqual(['n1', 'n2']);
  });

  it('runs a TypeScript export through tsx in the workers', async () => {
    const points = [
      { x: 3, y: 4 },
      { x: 6, y: 8 },
    ];
    expect(await pool.ppeval(norm, array(points), 10)).toEqual([50, 100]);
  });

  it('zips several distributed arguments and broadcasts the rest', async () => {
    const xs = array([1, 2, 3, 4]);
    const ys = split([10, 20, 30, 40]);
    expect(await pool.ppeval(addScaled, xs, ys, 2)).toEqual([22, 44, 66, 88]);
    expect(await pool.ppeval(addScaled, 1, xs, bcast(3))).toEqual([6, 9, 12, 15]);
  });

  it('awaits async functions and keeps order when elements finish out of order', async () => {
    const items = range(0, 200);
    expect(await pool.ppeval(slowEcho, array(items))).toEqual(items);
  });

  it('resolves an empty distributed array to []', async () => {
    expect(await pool.ppeval(square, array([]))).toEqual([]);
  });

  it('accepts the explicit { module, export } form', async () => {
    const module = new URL('./fixtures/runtime/math.mjs', import.meta.url);
    const out = await pool.ppeval<number>({ module, export: 'square' }, array([5, 6]));
    expect(out).toEqual([25, 36]);
  });

  it('runs many calls at once on one pool, each with its own broadcast, printing nothing', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const calls = range(0, 8).map((c) =>
        pool.ppeval.with({ chunkSize: 1 })(addScaled, array(range(0, 20)), 0, c),
      );
      const results = await Promise.all(calls);
      results.forEach((out, c) => expect(out).toEqual(range(0, 20).map((k) => k * c)));
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('gives the same results with child processes', async () => {
    const processes = createPool({ concurrency: 2, runtime: 'processes' });
    try {
      expect(await processes.ppeval(addScaled, array([1, 2, 3]), 1, 2)).toEqual([4, 6, 8]);
      expect(await processes.ppeval(norm, array([{ x: 3, y: 4 }]), 2)).toEqual([10]);
    } finally {
      await processes.close();
    }
  });
});
