import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array, range } from 'ppeval';
import { pendingForever, sleepForever, spinForever } from '../fixtures/runtime/busy.mjs';
import { redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
} from '../helpers/redis-server.js';
import { childrenOf, running, until } from '../helpers/processes.js';

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

    // Looping or blocked in Atomics.wait, a sandbox never runs its event loop again: only the
    // local backend's parent watchdog thread can end it.
    it.each([
      ['loop forever', spinForever],
      ['block in Atomics.wait', sleepForever],
      ['wait on a promise', pendingForever],
    ])('kill -9 of the worker while its sandboxes %s', async (what, fn) => {
      const worker = startWorker(redis.url, ['--concurrency', '2', '--sandbox', 'processes']);
      const pool = redisPool({ url: redis.url });
      const log = join(dir, `${what.replaceAll(' ', '-')}.log`);
      const pids = (): number[] =>
        existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map(Number) : [];
      try {
        await worker.ready;
        const call = pool.ppeval.with({ chunkSize: 1 })(fn, array(range(0, 2)), log);
        call.catch(() => undefined);
        expect(await until(() => pids().length >= 2, 30_000), 'the sandboxes never started').toBe(
          true,
        );
        // Every process the worker started, the busy sandboxes and any other.
        const children = childrenOf(worker.proc.pid!);
        expect(children).toEqual(expect.arrayContaining(pids()));
        await worker.kill();
        const killedAt = Date.now();
        const left = (): number[] => [...new Set([...pids(), ...children])].filter(running);
        const ended = await until(() => left().length === 0, 5_000);
        expect(ended, `processes left running: ${left().join(', ')}`).toBe(true);
        console.info(
          `kill -9 of a worker (${what}): its sandboxes ended ${Date.now() - killedAt} ms later`,
        );
      } finally {
        for (const pid of pids()) if (running(pid)) process.kill(pid, 'SIGKILL');
        await worker.kill();
        await pool.close();
      }
    });
  },
);
