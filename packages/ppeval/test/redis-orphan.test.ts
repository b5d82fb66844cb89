import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array, range } from 'ppeval';
import { spinForever } from './fixtures/runtime/busy.mjs';
import { redisPool } from './helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
} from './helpers/redis-server.js';

if (!hasRedisServer) console.warn(skipNote);

/** A process that still runs (a zombie has ended, only its entry waits for a reaper). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(test: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

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
