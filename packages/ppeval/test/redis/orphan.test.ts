import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array, range } from 'ppeval';
import { spinForever } from '../fixtures/runtime/busy.mjs';
import { redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
} from '../helpers/redis-server.js';
import { running, until } from '../helpers/processes.js';

if (!hasRedisServer) console.warn(skipNote);

describe.skipIf(!hasRedisServer || process.platform !== 'linux')(
  'a Redis worker’s sandbox process never outlives its worker',
  () => {
    let redis: RedisServer;
    let dir: string;
    beforeAll(async () => {
      redis = await startRedis();
      dir = mkdtempSync(join(tmpdir(), 'ppeval-redis-orphan-'));
    });
    afterAll(async () => {
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('kill -9 of the worker while its sandboxes loop forever', async () => {
      const worker = startWorker(redis.url, ['--concurrency', '2', '--sandbox', 'processes']);
      const pool = redisPool({ url: redis.url });
      const log = join(dir, 'spin.log');
      const pids = (): number[] =>
        existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map(Number) : [];
      try {
        await worker.ready;
        const call = pool.ppeval.with({ chunkSize: 1 })(spinForever, array(range(0, 2)), log);
        call.catch(() => undefined);
        expect(await until(() => pids().length >= 2, 30_000), 'the sandboxes never started').toBe(
          true,
        );
        await worker.kill();
        const ended = await until(() => !pids().some(running), 5_000);
        expect(ended, `sandboxes left running: ${pids().filter(running).join(', ')}`).toBe(true);
      } finally {
        for (const pid of pids()) if (running(pid)) process.kill(pid, 'SIGKILL');
        await worker.kill();
        await pool.close();
      }
    });
  },
);
