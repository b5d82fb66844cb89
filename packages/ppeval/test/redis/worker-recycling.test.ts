import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array, range } from 'ppeval';
import type { CallStats, Pool } from 'ppeval';
import { resolveWorkerOptions } from '../../src/redis/options.js';
import { workerOf } from '../fixtures/runtime/workers.mjs';
import { redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

/** How many elements each sandbox (by name) ran. */
function perSandbox(names: readonly string[]): number[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.values()];
}

// A Redis worker runs its batches on the local backend, so its sandboxes recycle as local
// workers do: the options only have to reach that backend.
describe.skipIf(!hasRedisServer)('ppeval-worker --max-elements-per-worker', () => {
  let redis: RedisServer;
  const workers: WorkerProcess[] = [];
  let pool: Pool;

  beforeAll(async () => {
    redis = await startRedis();
    pool = redisPool({ url: redis.url });
  });

  afterAll(async () => {
    await pool?.close();
    for (const worker of workers) await worker.kill();
    await redis?.stop();
  });

  for (const sandbox of ['threads', 'processes'] as const) {
    it(`replaces a ${sandbox} sandbox after that many elements`, async () => {
      const worker = startWorker(redis.url, [
        '--concurrency',
        '2',
        '--sandbox',
        sandbox,
        '--max-elements-per-worker',
        '2',
        '--queue',
        `recycle-${sandbox}`,
      ]);
      workers.push(worker);
      await worker.ready;
      const queued = redisPool({ url: redis.url, queue: `recycle-${sandbox}` });
      try {
        let stats: CallStats | undefined;
        // chunkSize within the quota: the caller's engine does not know the workers' quotas.
        const names = await queued.ppeval.with({ chunkSize: 1, onStats: (s) => (stats = s) })(
          workerOf,
          array(range(0, 8)),
        );
        const counts = perSandbox(names);
        expect(Math.max(...counts)).toBeLessThanOrEqual(2);
        expect(counts.length).toBeGreaterThanOrEqual(4);
        expect(stats!.reruns).toBe(0);
      } finally {
        await queued.close();
      }
    });
  }

  it('validates the options like a local pool does', () => {
    expect(() =>
      resolveWorkerOptions({ url: 'redis://127.0.0.1:1', maxElementsPerWorker: 0 }),
    ).toThrow('Expected `maxElementsPerWorker` to be an integer from 1 and up, got `0` (number).');
    expect(() => resolveWorkerOptions({ url: 'redis://127.0.0.1:1', maxWorkerHeapMb: -1 })).toThrow(
      'Expected `maxWorkerHeapMb` to be a positive number of megabytes, got `-1` (number).',
    );
  });
});
