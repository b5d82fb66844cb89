import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { WorkerExitError, array, range } from 'ppeval';
import {
  exitAlways,
  exitOnce,
  killOnce,
  nap,
  napFirst,
  spin,
  withTable,
} from '../fixtures/redis/fns.mjs';
import { countRuns, redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  isAlive,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

if (!hasRedisServer) console.warn(skipNote);

/** Waits until `check()` holds, polling a file or Redis (not a timing assertion). */
async function until(check: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every element ran to completion at least once, and at most `extra` elements twice. */
function expectAtLeastOnce(log: string, n: number, extra: number): Map<number, number> {
  const runs = countRuns(log);
  expect([...runs.keys()].sort((a, b) => a - b)).toEqual(range(0, n));
  const total = [...runs.values()].reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThanOrEqual(n);
  expect(total).toBeLessThanOrEqual(n + extra);
  return runs;
}

// Fault drills: real redis-server, real ppeval-worker processes (built dist/ bin).
describe.skipIf(!hasRedisServer)('Redis backend under faults: complete, ordered results', () => {
  let redis: RedisServer;
  let dir: string;
  const started: WorkerProcess[] = [];
  const workers = async (n: number, args: string[] = []): Promise<WorkerProcess[]> => {
    const list = range(0, n).map(() => startWorker(redis.url, ['--concurrency', '2', ...args]));
    started.push(...list);
    await Promise.all(list.map((w) => w.ready));
    return list;
  };

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'ppeval-redis-faults-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((w) => w.kill()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers within 10 s after kill -9 of a worker process mid-element (default settings)', async () => {
    const list = await workers(2);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'kill.log');
    try {
      const call = pool.ppeval.with({ chunkSize: 1 })(
        napFirst,
        array(range(0, 12)),
        5,
        30_000,
        log,
      );
      await until(() => countRuns(log, 'start').has(5), 'element 5 to start');
      const line = readFileSync(log, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('start 5 '));
      const pid = Number(line?.split(' ')[2]);
      const victim = list.find((w) => w.proc.pid === pid);
      expect(victim).toBeDefined();
      const killedAt = Date.now();
      await victim?.kill();
      const out = await call;
      const recoveryMs = Date.now() - killedAt;
      expect(out).toEqual(range(0, 12).map((k) => k * 3));
      expect(recoveryMs).toBeLessThan(10_000);
      console.info(`kill -9 of a worker: the call completed ${recoveryMs} ms after the kill`);
      expect(countRuns(log, 'start').get(5)).toBe(2);
      // The victim's other thread may have been running one more element.
      expectAtLeastOnce(log, 12, 1);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('reports a batch that lost its worker too often as WorkerExitError, or reruns it with retries', async () => {
    // --max-stalled-count 0: the first lost worker already fails the batch; the caller's engine
    // then applies `retries` as for a local worker crash.
    // One thread per worker, so that only element 3 dies with its worker.
    const fast = ['--concurrency', '1', '--max-stalled-count', '0', '--lock-duration', '1000'];
    fast.push('--stalled-interval', '300');
    const list = await workers(2, fast);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'stalled.log');
    const log2 = join(dir, 'stalled-retry.log');
    try {
      const err = await pool.ppeval
        .with({ chunkSize: 1 })(killOnce, array(range(0, 6)), 3, log)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerExitError);
      expect((err as WorkerExitError).index).toBe(3);
      expect((err as Error).message).toMatch(/stalled more than allowable limit/);
      list.push(...(await workers(1, fast)));
      const out = await pool.ppeval.with({ chunkSize: 1, retries: 1 })(
        killOnce,
        array(range(0, 6)),
        3,
        log2,
      );
      expect(out).toEqual(range(0, 6).map((k) => k * 10));
      expect(countRuns(log2, 'start').get(3)).toBe(2);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('reruns at once, with `retries` as locally, after kill -9 of a sandbox process mid-element', async () => {
    const list = await workers(1, ['--sandbox', 'processes']);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'sandbox-kill.log');
    try {
      // The worker reports the lost batch at once; the caller's engine applies `retries`.
      const call = pool.ppeval.with({ chunkSize: 1, retries: 1 })(
        napFirst,
        array(range(0, 8)),
        3,
        30_000,
        log,
      );
      await until(() => countRuns(log, 'start').has(3), 'element 3 to start');
      const line = readFileSync(log, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('start 3 '));
      const pid = Number(line?.split(' ')[2]);
      // The element runs in a child process of the worker, not in the worker itself.
      expect(pid).not.toBe(list[0]?.proc.pid);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const out = await call;
      const recoveryMs = Date.now() - killedAt;
      expect(out).toEqual(range(0, 8).map((k) => k * 3));
      console.info(
        `kill -9 of a sandbox process: the call completed ${recoveryMs} ms after the kill`,
      );
      expect(recoveryMs).toBeLessThan(10_000);
      expect(countRuns(log, 'start').get(3)).toBe(2);
      expectAtLeastOnce(log, 8, 0);

      // Broadcast bytes go to a sandbox process once per call, then by reference.
      const table = new Float64Array([5, 6, 7]);
      const sums = await pool.ppeval.with({ chunkSize: 1 })(withTable, array(range(0, 6)), table);
      expect(sums).toEqual(range(0, 6).map((k) => k + 3 + 5));

      // kill -9 of the worker itself leaves no sandbox process behind.
      await list[0]?.kill();
      const deadline = Date.now() + 5000;
      const sandboxPids = [
        ...new Set(
          readFileSync(log, 'utf8')
            .split('\n')
            .map((l) => Number(l.split(' ')[2])),
        ),
      ];
      const alive = () => sandboxPids.filter((p) => p > 0 && isAlive(p));
      while (alive().length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(alive()).toEqual([]);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('reruns with `retries` a batch whose sandbox thread died (process.exit in the function)', async () => {
    const list = await workers(1);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'exit.log');
    try {
      const out = await pool.ppeval.with({ chunkSize: 1, retries: 1 })(
        exitOnce,
        array(range(0, 10)),
        4,
        log,
      );
      expect(out).toEqual(range(0, 10).map((k) => -k));
      expect(countRuns(log, 'start').get(4)).toBe(2);
      const runs = expectAtLeastOnce(log, 10, 0);
      expect(runs.get(4)).toBe(1);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('fails an element whose sandbox dies on every run with WorkerExitError, without hanging', async () => {
    const list = await workers(1);
    const pool = redisPool({ url: redis.url });
    try {
      const err = await pool.ppeval(exitAlways, array(range(0, 6)), 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerExitError);
      expect((err as WorkerExitError).index).toBe(2);
      // The worker survives its sandbox and serves the next call.
      expect(await pool.ppeval(exitAlways, array(range(0, 4)), -1)).toEqual([0, 1, 2, 3]);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('keeps a CPU-bound element on one worker: its lock is renewed while it spins', async () => {
    // Lock of 1 s: an element spinning 2.2 s in the worker's main thread would lose it and run
    // twice.
    const list = await workers(2, ['--lock-duration', '1000', '--stalled-interval', '500']);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'spin.log');
    try {
      const out = await pool.ppeval.with({ chunkSize: 1 })(spin, array(range(0, 6)), 2, 2200, log);
      expect(out).toEqual(range(0, 6).map((k) => k + 1));
      expect(countRuns(log, 'start').get(2)).toBe(1);
      expectAtLeastOnce(log, 6, 0);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('loses nothing when Redis drops every connection (CLIENT KILL) mid-call', async () => {
    const list = await workers(2);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'client-kill.log');
    const admin = redis.client();
    try {
      const call = pool.ppeval.with({ chunkSize: 1 })(nap, array(range(0, 40)), -2, 40, log);
      await until(() => countRuns(log).size >= 8, 'eight elements to finish');
      const killed = await admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
      expect(Number(killed)).toBeGreaterThan(4);
      const out = await call;
      expect(out).toEqual(range(0, 40).map((k) => k * 3));
      const runs = expectAtLeastOnce(log, 40, 4);
      console.info(
        `CLIENT KILL: ${killed} connections dropped, runs per element ${JSON.stringify([...runs.values()])}`,
      );
      // The workers reconnected: they serve the next call.
      expect(await pool.ppeval(nap, array(range(0, 4)), -1, 0)).toEqual([0, 3, 6, 9]);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });

  it('waits out a bounded CLIENT PAUSE and completes', async () => {
    const list = await workers(2);
    const pool = redisPool({ url: redis.url });
    const log = join(dir, 'pause.log');
    const admin = redis.client();
    try {
      const call = pool.ppeval.with({ chunkSize: 1 })(nap, array(range(0, 30)), -2, 30, log);
      await until(() => countRuns(log).size >= 6, 'six elements to finish');
      await admin.client('PAUSE', 1500, 'ALL');
      const out = await call;
      expect(out).toEqual(range(0, 30).map((k) => k * 3));
      // Key expiry pauses with the clients, so no lock expires: every element ran once.
      const runs = expectAtLeastOnce(log, 30, 0);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await pool.close();
      await Promise.all(list.map((w) => w.kill()));
    }
  });
});
