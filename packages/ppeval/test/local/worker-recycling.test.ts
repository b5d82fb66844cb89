import { describe, expect, it } from 'vitest';

import { array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import { childrenOf, until } from '../helpers/processes.js';
import { leakHeap, workerOf } from '../fixtures/runtime/workers.mjs';

/** How many elements each worker (by name) ran. */
function perWorker(names: readonly string[]): number[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.values()];
}

describe('maxElementsPerWorker', () => {
  for (const runtime of ['threads', 'processes'] as const) {
    it(`replaces a ${runtime} worker after that many elements, never later`, async () => {
      const pool = createPool({ concurrency: 2, runtime, maxElementsPerWorker: 3 });
      try {
        // Cheap elements: unlimited, the scheduler would send them in batches far above 3.
        const n = runtime === 'threads' ? 40 : 15;
        let first: CallStats | undefined;
        const names = await pool.ppeval.with({ onStats: (s) => (first = s) })(
          workerOf,
          array(range(0, n)),
        );
        // No batch was lost to a replacement: none ran again.
        expect(first!.reruns).toBe(0);
        const counts = perWorker(names);
        expect(Math.max(...counts)).toBeLessThanOrEqual(3);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
        expect(counts.length).toBeGreaterThanOrEqual(n / 3);
        // A fixed chunkSize above the quota is cut to the quota.
        let stats: CallStats | undefined;
        const again = await pool.ppeval.with({ chunkSize: 10, onStats: (s) => (stats = s) })(
          workerOf,
          array(range(0, 7)),
        );
        expect(Math.max(...perWorker(again))).toBeLessThanOrEqual(3);
        expect(stats!.reruns).toBe(0);
      } finally {
        await pool.close();
      }
      // Every replaced child process ended.
      expect(await until(() => childrenOf(process.pid).length === 0, 5000)).toBe(true);
    });
  }
});

describe('maxWorkerHeapMb', () => {
  for (const runtime of ['threads', 'processes'] as const) {
    it(`replaces a ${runtime} worker whose heap grew past the limit after a batch`, async () => {
      const pool = createPool({ concurrency: 1, runtime, maxWorkerHeapMb: 64 });
      try {
        // Each element keeps 24 MB: a worker passes 64 MB after its second or third element.
        const names = await pool.ppeval.with({ chunkSize: 1 })(leakHeap, array(range(0, 9)), 24);
        const counts = perWorker(names);
        expect(Math.max(...counts)).toBeLessThanOrEqual(3);
        expect(counts.length).toBeGreaterThanOrEqual(3);
      } finally {
        await pool.close();
      }
    });
  }

  it('refuses a limit that is not a positive number, and near-miss names', () => {
    expect(() => createPool({ maxWorkerHeapMb: 0 })).toThrow(
      'Expected `maxWorkerHeapMb` to be a positive number of megabytes, got `0` (number).',
    );
    expect(() => createPool({ maxElementsPerWorker: 1.5 })).toThrow(
      'Expected `maxElementsPerWorker` to be an integer from 1 and up, got `1.5` (number).',
    );
    expect(() => createPool({ maxElementsPerWorker: null as unknown as number })).toThrow(
      '`maxElementsPerWorker` in createPool() options is `null`',
    );
    expect(() => createPool({ maxElementPerWorker: 3 } as never)).toThrow(
      'Did you mean `maxElementsPerWorker`?',
    );
  });
});
