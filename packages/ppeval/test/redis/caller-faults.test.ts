import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { BackendError, array, range } from 'ppeval';
import { nap, scale } from '../fixtures/redis/fns.mjs';
import { childrenOf, running, until } from '../helpers/processes.js';
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

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/redis/${name}`, import.meta.url));

/** Every key of a queue's pools and calls (BullMQ's own keys left out). */
async function callerKeys(redis: RedisServer, queue: string): Promise<string[]> {
  const admin = redis.client();
  const keys: string[] = [];
  for (const kind of ['call', 'res', 'pool']) {
    keys.push(...(await admin.keys(`ppeval:${queue}:${kind}:*`)));
  }
  return keys;
}

// Faults on the caller's side of the Redis backend: real redis-server, real ppeval-worker
// processes, the caller in a child process where it must exit by itself.
describe.skipIf(!hasRedisServer)('Redis backend: the caller under Redis faults', () => {
  let dir: string;
  const servers: RedisServer[] = [];
  const started: WorkerProcess[] = [];
  const server = async (options: { port?: number } = {}): Promise<RedisServer> => {
    const redis = await startRedis(options);
    servers.push(redis);
    return redis;
  };
  const workers = async (url: string, queue: string, n = 2): Promise<WorkerProcess[]> => {
    const list = range(0, n).map(() => startWorker(url, ['--queue', queue, '--concurrency', '2']));
    started.push(...list);
    await Promise.all(list.map((w) => w.ready));
    return list;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ppeval-caller-faults-'));
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((w) => w.kill()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('settles close() within 2 s after kill -9 of Redis mid-call; the call rejects and the process exits', async () => {
    const redis = await server();
    await workers(redis.url, 'dies');
    const log = join(dir, 'dies.log');
    const child = spawn(
      process.execPath,
      [fixture('close-after-death.mjs'), redis.url, 'dies', log],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    const exited = once(child, 'exit');
    try {
      expect(await until(() => countRuns(log, 'start').size >= 2, 20_000)).toBe(true);
      await redis.stop(); // SIGKILL
      child.stdin.write('close\n');
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += String(d)));
      // Without the fix close() never settled: give up after 10 s instead of hanging.
      expect(await until(() => out.includes('\n'), 10_000)).toBe(true);
      const report = JSON.parse(out) as { name: string; message: string; closeMs: number };
      // close() may run before the pool's client has seen the socket close (a race with the
      // kill): then the call in flight fails as any call a close() stops does, PoolClosedError.
      // Once the loss is seen, it is the BackendError that says so. Either way close() settles.
      expect(['BackendError', 'PoolClosedError']).toContain(report.name);
      if (report.name === 'BackendError') {
        expect(report.message).toMatch(/Lost the connection to Redis at redis:\/\/127\.0\.0\.1:/);
      }
      expect(report.closeMs).toBeLessThan(2000);
      console.info(`Redis killed mid-call: close() took ${report.closeMs} ms`);
      // Nothing keeps the process alive: no reconnection timer, no socket.
      expect(await until(() => child.exitCode !== null, 5000)).toBe(true);
      expect(child.exitCode).toBe(0);
      expect(childrenOf(child.pid as number).filter(running)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    }
  });

  it("runs the same pool's next call within 2 s after Redis restarts without its data (the call in flight fails with BackendError)", async () => {
    const first = await server();
    await workers(first.url, 'restart');
    const pool = redisPool({ url: first.url, queue: 'restart' });
    try {
      expect(await pool.ppeval(scale, array(range(0, 6)), 2)).toEqual(
        range(0, 6).map((k) => 2 * k),
      );
      const log = join(dir, 'restart.log');
      const inFlight = pool.ppeval
        .with({ chunkSize: 1 })(nap, array(range(0, 20)), -2, 300, log)
        .catch((e: unknown) => e);
      expect(await until(() => countRuns(log, 'start').size >= 1, 20_000)).toBe(true);
      await first.stop(); // SIGKILL: save "" and no AOF, so the data is gone
      await server({ port: first.port });
      const start = Date.now();
      const out = await pool.ppeval(scale, array(range(0, 6)), 3);
      const ms = Date.now() - start;
      expect(out).toEqual(range(0, 6).map((k) => 3 * k));
      // The call whose keys were lost fails clearly, not as "vanished" batches one by one.
      const lost = await inFlight;
      expect(lost).toBeInstanceOf(BackendError);
      expect((lost as Error).message).toMatch(/lost this call's keys/);
      console.info(`Redis restarted empty: the next call completed in ${ms} ms`);
      // Was up to 20 s of "batch vanished" (the pool's liveness key came back with its heartbeat).
      expect(ms).toBeLessThan(2000);
    } finally {
      await pool.close();
    }
  });

  it('completes a call that lasts longer than keyTtlMs (its keys are refreshed)', async () => {
    const redis = await server();
    await workers(redis.url, 'long');
    const pool = redisPool({ url: redis.url, queue: 'long', keyTtlMs: 1000 });
    const log = join(dir, 'long.log');
    try {
      // 16 elements of 500 ms on 4 threads: at least 2 s, twice the keys' lifetime.
      const start = Date.now();
      const out = await pool.ppeval.with({ chunkSize: 1 })(nap, array(range(0, 16)), -2, 500, log);
      expect(Date.now() - start).toBeGreaterThan(2000);
      expect(out).toEqual(range(0, 16).map((k) => 3 * k));
      expect([...countRuns(log).values()]).toEqual(range(0, 16).map(() => 1));
    } finally {
      await pool.close();
    }
  });

  it("expires a killed caller's keys after keyTtlMs", async () => {
    const redis = await server();
    await workers(redis.url, 'crash');
    const child = spawn(process.execPath, [fixture('crash-caller.mjs'), redis.url, 'crash'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const exited = once(child, 'exit');
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    try {
      expect(await until(() => out.includes('running'), 20_000)).toBe(true);
      const admin = redis.client();
      const keys = await callerKeys(redis, 'crash');
      // The call's hash, the pool's result stream and liveness key.
      expect(keys.map((k) => k.split(':')[2]).sort()).toEqual(['call', 'pool', 'res']);
      for (const key of keys) {
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(1000);
      }
      child.kill('SIGKILL');
      await exited;
      // keyTtlMs is 1,000 ms; the pool's liveness key used to live 60 s.
      await new Promise((r) => setTimeout(r, 1200));
      const left = await Promise.all(keys.map((k) => admin.exists(k)));
      expect(left).toEqual(keys.map(() => 0));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
