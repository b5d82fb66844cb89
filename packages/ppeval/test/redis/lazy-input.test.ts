import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array } from 'ppeval';
import type { Pool } from 'ppeval';
import { scale } from '../fixtures/redis/fns.mjs';
import { redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

if (!hasRedisServer) console.warn(skipNote);

async function* numbers(n: number, reads: { count: number; closed?: boolean }) {
  try {
    for (let k = 0; k < n; k++) {
      reads.count += 1;
      await Promise.resolve();
      yield k;
    }
  } finally {
    reads.closed = true;
  }
}

// Workers run the built dist/bin/ppeval-worker.js: `npm run build -w ppeval` first.
describe.skipIf(!hasRedisServer)('Redis backend: lazy inputs', () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  let pool: Pool;

  beforeAll(async () => {
    redis = await startRedis();
    worker = startWorker(redis.url, ['--concurrency', '2']);
    await worker.ready;
    pool = redisPool({ url: redis.url });
  });

  afterAll(async () => {
    await pool?.close();
    await worker?.kill();
    await redis?.stop();
  });

  it('resolves with every result in order, as the local pool does', async () => {
    const out = await pool.ppeval(scale, array(numbers(500, { count: 0 })), 3);
    expect(out).toEqual(Array.from({ length: 500 }, (_, k) => 3 * k));
  });

  it('stops reading when the stream loop is left early, and closes the input', async () => {
    const reads: { count: number; closed?: boolean } = { count: 0 };
    for await (const item of pool.stream(scale, array(numbers(1_000_000, reads)), 2)) {
      void item;
      break;
    }
    expect(reads.closed).toBe(true);
    expect(reads.count).toBeLessThan(100_000);
  });
});
