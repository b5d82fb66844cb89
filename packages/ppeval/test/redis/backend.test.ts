import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  AbortError,
  BackendError,
  ElementTimeoutError,
  PpevalArgumentError,
  TaskError,
  array,
  createPool,
  range,
} from 'ppeval';
import type { Pool } from 'ppeval';
import {
  failAt,
  nap,
  napBallast,
  rich,
  scale,
  size,
  withTable,
  zeros,
} from '../fixtures/redis/fns.mjs';
import { shout } from '../fixtures/redis/common.cjs';
import { area } from '../fixtures/redis/typed.js';
import { countRuns, redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

if (!hasRedisServer) console.warn(skipNote);

// Workers run the built dist/bin/ppeval-worker.js: `npm run build -w ppeval` first (npm test does).
describe.skipIf(!hasRedisServer)('Redis backend: same results and errors as the local pool', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let pool: Pool;
  let local: Pool;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'ppeval-redis-test-'));
    workers = [0, 1, 2].map(() => startWorker(redis.url, ['--concurrency', '2']));
    await Promise.all(workers.map((w) => w.ready));
    pool = redisPool({ url: redis.url });
    local = createPool({ concurrency: 2 });
  });

  afterAll(async () => {
    await pool?.close();
    await local?.close();
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** How many batches the workers have said they cancelled so far. */
  const cancelled = (): number =>
    workers.reduce((n, w) => n + w.stderr().split('cancelled batch').length - 1, 0);
  /** How many batches the workers have skipped because their call had ended. */
  const skipped = (): number =>
    workers.reduce((n, w) => n + w.stderr().split('skipped batch').length - 1, 0);

  it('returns the local pool results, in order, running each element once', async () => {
    const log = join(dir, 'once.log');
    const out = await pool.ppeval(scale, array(range(0, 300)), 3, log);
    expect(out).toEqual(await local.ppeval(scale, array(range(0, 300)), 3));
    const runs = countRuns(log);
    expect(runs.size).toBe(300);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
  });

  it('streams { index, value } as batches finish', async () => {
    const seen = new Map<number, number>();
    for await (const { index, value } of pool.stream(scale, array(range(0, 50)), 4)) {
      seen.set(index, value);
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(range(0, 50));
    expect(range(0, 50).map((k) => seen.get(k))).toEqual(range(0, 50).map((k) => k * 4));
  });

  it('runs CommonJS and TypeScript exports too (TypeScript through tsx in the workers)', async () => {
    expect(await pool.ppeval(shout, array(['a', 'b']), 2)).toEqual(['A!!', 'B!!']);
    const boxes = [
      { w: 2, h: 3 },
      { w: 4, h: 5 },
    ];
    expect(await pool.ppeval(area, array(boxes), 10)).toEqual([60, 200]);
  });

  it('keeps what JSON would lose: BigInt, typed arrays, Date, Map', async () => {
    const out = await pool.ppeval(rich, array([1, 2, 3]));
    expect(out).toEqual(await local.ppeval(rich, array([1, 2, 3])));
    expect(out[2]?.bytes).toBeInstanceOf(Float64Array);
    expect(out[2]?.big).toBe(3n ** 20n);
  });

  it('rejects with the same TaskError as the local pool: index and original cause', async () => {
    const remote = await pool.ppeval(failAt, array(range(0, 20)), 7).catch((e: unknown) => e);
    const here = await local.ppeval(failAt, array(range(0, 20)), 7).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(TaskError);
    const r = remote as TaskError & { cause: Error & { code: string; detail: unknown } };
    const l = here as TaskError & { cause: Error & { code: string; detail: unknown } };
    expect(r.index).toBe(7);
    expect(r.message).toBe(l.message);
    expect(r.cause).toBeInstanceOf(RangeError);
    expect(r.cause.name).toBe(l.cause.name);
    expect(r.cause.message).toBe('element 7 is bad');
    expect(r.cause.code).toBe('E_BAD');
    expect(r.cause.detail).toEqual({ x: 7 });
    expect(r.cause.stack).toContain('failAt');
  });

  it('settles every element like the local pool with settle: true', async () => {
    const run = (p: Pool) => p.ppeval.with({ settle: true })(failAt, array(range(0, 10)), 4);
    const remote = await run(pool);
    const here = await run(local);
    expect(remote.map((s) => s.status)).toEqual(here.map((s) => s.status));
    expect(remote.map((s) => (s.status === 'fulfilled' ? s.value : null))).toEqual(
      here.map((s) => (s.status === 'fulfilled' ? s.value : null)),
    );
  });

  it('stores a broadcast argument once per call, not once per batch', async () => {
    const table = new Float64Array(256 * 1024).fill(1); // 2 MiB
    const c = redis.client();
    const inputBytes = async () =>
      Number(/total_net_input_bytes:(\d+)/.exec(await c.info('stats'))?.[1] ?? NaN);
    const before = await inputBytes();
    const out = await pool.ppeval.with({ chunkSize: 1 })(withTable, array(range(0, 64)), table);
    const sent = (await inputBytes()) - before;
    expect(out).toEqual(range(0, 64).map((k) => k + table.length + 1));
    // 64 batches with a copy each would send 128 MiB.
    expect(sent).toBeLessThan(3 * table.byteLength);
    expect(sent).toBeGreaterThan(table.byteLength);
  });

  it('refuses payloads over maxPayloadBytes with advice, before they reach Redis', async () => {
    const small = redisPool({ url: redis.url, maxPayloadBytes: 64 * 1024 });
    try {
      const big = new Float64Array(32 * 1024); // 256 KiB
      const err = await small.ppeval(withTable, array([1]), big).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PpevalArgumentError);
      expect((err as Error).message).toMatch(
        /broadcast arguments take 256\.\d KiB.*maxPayloadBytes/,
      );
      const err2 = await small.ppeval(size, array([big])).catch((e: unknown) => e);
      expect((err2 as Error).message).toMatch(/arguments of element 0 take .*maxPayloadBytes/);
      // Results are checked by the worker.
      const err3 = await small.ppeval(zeros, array([10, 200_000])).catch((e: unknown) => e);
      expect(err3).toBeInstanceOf(BackendError);
      expect((err3 as Error).message).toMatch(
        /results of elements .* over the pool's maxPayloadBytes/,
      );
    } finally {
      await small.close();
    }
  });

  it('leaves no keys behind and does not grow Redis memory over 100 calls', async () => {
    const c = redis.client();
    const before = await c.keys('*');
    const other = redisPool({ url: redis.url });
    // Only the queue's own keys (wait, active, events, ...: a bounded set whose members come and
    // go), the workers' registrations and one result stream per open pool: no job, no call.
    const perCall = (keys: string[]) =>
      keys.filter((k) => !/^ppeval:ppeval:([a-z-]+|worker:.*|(res|pool):[0-9a-f]+)$/.test(k));
    const memory = async () => Number(/used_memory:(\d+)/.exec(await c.info('memory'))?.[1] ?? NaN);
    // A job's key goes a moment after its result arrived: wait until a call left nothing.
    const settled = async (): Promise<string[]> => {
      for (let i = 0; ; i++) {
        const keys = await c.keys('*');
        if (perCall(keys).length === 0 || i === 100) return keys;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await other.ppeval(scale, array(range(0, 8)), 2);
    const keysAfterOne = await settled();
    const memoryAfterOne = await memory();
    for (let i = 0; i < 100; i++) {
      expect(await other.ppeval(scale, array(range(0, 8)), i)).toEqual(
        range(0, 8).map((k) => k * i),
      );
    }
    expect(perCall(keysAfterOne)).toEqual([]);
    expect(perCall(await settled())).toEqual([]);
    expect((await c.keys('*:res:*')).length).toBe(2);
    expect((await memory()) - memoryAfterOne).toBeLessThan(256 * 1024);
    await other.close();
    const left = await c.keys('*');
    expect(left.filter((k) => !before.includes(k) && /:call:|:res:/.test(k))).toEqual([]);
  });

  it('stops an element past its timeout on its remote worker, which serves the next call', async () => {
    const log = join(dir, 'timeout.log');
    const err = await pool.ppeval
      .with({ timeout: 500 })(nap, array(range(0, 4)), 2, 20_000, log)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElementTimeoutError);
    expect((err as ElementTimeoutError).index).toBe(2);
    expect(await pool.ppeval(nap, array(range(0, 6)), -1, 0)).toEqual(
      range(0, 6).map((k) => k * 3),
    );
    // Its worker terminated the sleeping sandbox (it says so on stderr) instead of letting it
    // sleep 20 s.
    expect(workers.some((w) => w.stderr().includes('cancelled batch'))).toBe(true);
    expect(countRuns(log).has(2)).toBe(false);
  });

  it('fails with advice when no worker serves the queue, leaving no job queued', async () => {
    const lonely = redisPool({ url: redis.url, queue: 'nobody', noWorkersTimeoutMs: 500 });
    try {
      const err = await lonely.ppeval(scale, array(range(0, 10)), 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(
        /No ppeval-worker has served the queue 'nobody'.*npx ppeval-worker --queue nobody/,
      );
    } finally {
      await lonely.close();
    }
    const c = redis.client();
    expect(await c.llen('ppeval:nobody:wait')).toBe(0);
    expect((await c.keys('ppeval:nobody:*')).filter((k) => /:call:|-\d+$/.test(k))).toEqual([]);
  });

  it('cancels queued batches when the AbortSignal fires', async () => {
    const log = join(dir, 'abort.log');
    const controller = new AbortController();
    const c = redis.client();
    // Every element sleeps 20 s: the 6 worker threads stay busy, so the next batches wait in
    // the queue until the abort (without their removal they would still be there after it).
    const call = pool.ppeval
      .with({ signal: controller.signal, chunkSize: 1 })(nap, array(range(0, 200)), -2, 20_000, log)
      .catch((e: unknown) => e);
    const queued = async (): Promise<number> => await c.llen('ppeval:ppeval:wait');
    while (countRuns(log, 'start').size === 0 || (await queued()) === 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const cancelledBefore = cancelled();
    controller.abort(new Error('enough'));
    const err = await call;
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error & { cause: Error }).cause.message).toBe('enough');
    expect(await queued()).toBe(0);
    expect((await c.keys('*:call:*')).length).toBe(0);
    // Only the batches that had a thread started (at most one per thread), and their workers
    // stopped them rather than letting them sleep 20 s (a batch may be stopped while its
    // sandbox still imports the module, before it logged its start).
    const started = countRuns(log, 'start').size;
    expect(started).toBeLessThanOrEqual(6);
    for (let i = 0; i < 500 && cancelled() - cancelledBefore < started; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(cancelled() - cancelledBefore).toBeGreaterThanOrEqual(started);
    expect(cancelled() - cancelledBefore).toBeLessThanOrEqual(6);
    expect(countRuns(log, 'run').size).toBe(0);
  });

  it('never starts a batch cancelled while its worker is still reading its call', async () => {
    // A 64 MiB broadcast keeps each worker busy reading the call for a while after it took its
    // first batch: the cancel message arrives then, before the batch is running there. The
    // worker must remember it (it once dropped it, and the batch then slept its 20 s).
    const big = redisPool({ url: redis.url, maxPayloadBytes: 128 * 1024 * 1024 });
    const log = join(dir, 'early-cancel.log');
    const c = redis.client();
    try {
      const controller = new AbortController();
      const ballast = new Uint8Array(64 * 1024 * 1024);
      const call = big.ppeval
        .with({ signal: controller.signal, chunkSize: 1 })(
          napBallast,
          array(range(0, 6)),
          20_000,
          log,
          ballast,
        )
        .catch((e: unknown) => e);
      while ((await c.llen('ppeval:ppeval:active')) === 0) {
        await new Promise((r) => setTimeout(r, 1));
      }
      const stoppedBefore = cancelled() + skipped();
      expect(countRuns(log, 'start').size).toBe(0);
      controller.abort(new Error('enough'));
      expect(await call).toBeInstanceOf(AbortError);
      // The batches end within moments (cancelled, not slept through), none of them ever
      // having started, and the workers say so.
      for (let i = 0; i < 500 && (await c.llen('ppeval:ppeval:active')) > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await c.llen('ppeval:ppeval:active')).toBe(0);
      // A worker says so: it cancelled the batch, or it found the call already ended once it
      // had read it (its stderr reaches this process a moment later).
      const stopped = (): number => cancelled() + skipped() - stoppedBefore;
      for (let i = 0; i < 500 && stopped() === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(stopped()).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1500));
      expect(countRuns(log, 'start').size).toBe(0);
    } finally {
      await big.close();
    }
  });
});
