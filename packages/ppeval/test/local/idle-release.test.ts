import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

import { array, createPool } from 'ppeval';
import type { CallStats } from 'ppeval';
import { square } from '../fixtures/runtime/math.mjs';

async function workerIds(pool: ReturnType<typeof createPool>): Promise<string[]> {
  let stats: CallStats | undefined;
  await pool.ppeval.with({ onStats: (s) => (stats = s) })(square, array([1, 2]));
  return stats!.workers.map((w) => w.id);
}

describe('idle workers', () => {
  it('are kept for the next call within idleTimeout', async () => {
    const pool = createPool({ concurrency: 1 });
    try {
      expect(await workerIds(pool)).toEqual(await workerIds(pool));
    } finally {
      await pool.close();
    }
  });

  it('are released after idleTimeout; the next call starts new ones', async () => {
    const pool = createPool({ concurrency: 1, idleTimeout: 0 });
    try {
      const first = await workerIds(pool);
      await sleep(50); // longer than the idle timeout: the release is due
      const second = await workerIds(pool);
      expect(second).toHaveLength(1);
      expect(second).not.toEqual(first);
    } finally {
      await pool.close();
    }
  });
});
