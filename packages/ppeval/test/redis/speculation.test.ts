import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array, range } from 'ppeval';
import type { CallStats, Pool } from 'ppeval';
import { straggleOnce } from '../fixtures/runtime/straggler.mjs';
import { redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

const SLOW_MS = 8000;

// The engine speculates, so the Redis backend gets it through the signal it already honours.
describe.skipIf(!hasRedisServer)('speculate: true on the Redis backend', () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  let pool: Pool;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'ppeval-redis-straggler-'));
    worker = startWorker(redis.url, ['--concurrency', '2']);
    await worker.ready;
    pool = redisPool({ url: redis.url });
  });

  afterAll(async () => {
    await pool?.close();
    await worker?.kill();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('drops the straggling job once its copy finished', async () => {
    let stats: CallStats | undefined;
    const started = Date.now();
    const results = await pool.ppeval.with({ speculate: true, onStats: (s) => (stats = s) })(
      straggleOnce,
      array(range(0, 20)),
      dir,
      4,
      50,
      SLOW_MS,
    );
    const wall = Date.now() - started;
    // Generous (a Redis round trip and the job drop add to the local figures).
    expect(wall).toBeLessThan(SLOW_MS * 0.75);
    expect(results).toEqual(range(0, 20).map((k) => 2 * k));
    expect(readdirSync(dir)).toEqual(['4']);
    expect(stats!.speculationWins).toBeGreaterThanOrEqual(1);
    // The worker is free again: a next call runs at once.
    expect(await pool.ppeval(straggleOnce, array([1, 2]), dir, -1, 1, 1)).toEqual([2, 4]);
  });
});
