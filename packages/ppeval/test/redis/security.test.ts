import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BackendError, array, createPool, range } from 'ppeval';
import { nap, scale } from '../fixtures/redis/fns.mjs';
import { countRuns, redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  isAlive,
  packageRoot,
  skipNote,
  startRedis,
  startWorker,
  workerBin,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

if (!hasRedisServer) console.warn(skipNote);

describe.skipIf(!hasRedisServer)('Redis workers import only what they may', () => {
  let redis: RedisServer;
  let dir: string;
  const started: WorkerProcess[] = [];
  const worker = async (
    queue: string,
    args: string[] = [],
    options: { cwd?: string } = {},
  ): Promise<WorkerProcess> => {
    const w = startWorker(redis.url, ['--concurrency', '1', '--queue', queue, ...args], options);
    started.push(w);
    await w.ready;
    return w;
  };

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'ppeval-redis-sec-'));
  });

  afterAll(async () => {
    await Promise.all(started.map((w) => w.kill()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a module outside its roots, naming it and the roots; --root allows it', async () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const file = join(outside, 'hello.mjs');
    writeFileSync(file, 'export function hello(x) { return `hello ${x}`; }\n');
    const fn = { module: pathToFileURL(file), export: 'hello' };

    await worker('closed');
    const closed = redisPool({ url: redis.url, queue: 'closed' });
    const err = await closed.ppeval(fn, array([1, 2])).catch((e: unknown) => e);
    await closed.close();
    expect(err).toBeInstanceOf(BackendError);
    const message = (err as Error).message;
    expect(message).toContain('refuses to import');
    expect(message).toContain(file);
    expect(message).toContain(join(packageRoot, '..', '..')); // the workspace root is allowed
    expect(message).toContain('--root');

    await worker('open', ['--root', outside]);
    const open = redisPool({ url: redis.url, queue: 'open' });
    expect(await open.ppeval(fn, array([1, 2]))).toEqual(['hello 1', 'hello 2']);
    await open.close();
  });

  it("runs Node's built-in functions, with the local pool's results", async () => {
    await worker('builtin');
    const pool = redisPool({ url: redis.url, queue: 'builtin' });
    const local = createPool({ concurrency: 1 });
    const inputs = array(['a', 'bb', 'ccc'].map((s) => Buffer.from(s.repeat(100))));
    const remote = await pool.ppeval(gzipSync, inputs);
    const here = await local.ppeval(gzipSync, inputs);
    await pool.close();
    await local.close();
    expect(remote.map((b) => Buffer.from(b).toString('hex'))).toEqual(
      here.map((b) => Buffer.from(b).toString('hex')),
    );
    // A job could name any built-in function: those that run commands are refused by default.
    const shell = redisPool({ url: redis.url, queue: 'builtin' });
    const err = await shell.ppeval(execFileSync, array(['true'])).catch((e: unknown) => e);
    await shell.close();
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toContain('--allow-builtin child_process');
  });

  it('refuses a call whose code differs from its own copy (code version)', async () => {
    // A copy of this package whose fixture differs by one comment line.
    const copy = join(dir, 'copy');
    mkdirSync(join(copy, 'test', 'fixtures'), { recursive: true });
    cpSync(join(packageRoot, 'package.json'), join(copy, 'package.json'));
    cpSync(
      join(packageRoot, 'test', 'fixtures', 'redis'),
      join(copy, 'test', 'fixtures', 'redis'),
      {
        recursive: true,
      },
    );
    appendFileSync(join(copy, 'test', 'fixtures', 'redis', 'fns.mjs'), '// edited\n');
    await worker('stale', [], { cwd: copy });
    const pool = redisPool({ url: redis.url, queue: 'stale' });
    const err = await pool.ppeval(scale, array(range(0, 4)), 2).catch((e: unknown) => e);
    await pool.close();
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toMatch(
      /different version of the code.*test\/fixtures\/redis\/fns\.mjs.*hashes to [0-9a-f]{24}, the caller's to [0-9a-f]{24}/,
    );
  });

  it('refuses new code while it still runs an older import of the same file', async () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name":"project"}');
    const file = join(project, 'fn.mjs');
    writeFileSync(file, 'export function version(x) { return [1, x]; }\n');
    const fn = { module: pathToFileURL(file), export: 'version' };
    await worker('rebuilt', ['--root', project]);
    const pool = redisPool({ url: redis.url, queue: 'rebuilt' });
    try {
      expect(await pool.ppeval(fn, array([7]))).toEqual([[1, 7]]);
      writeFileSync(file, 'export function version(x) { return [2, x, "new"]; }\n');
      const err = await pool.ppeval(fn, array([7])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as Error).message).toMatch(/already runs an older version.*Restart the worker/);
    } finally {
      await pool.close();
    }
  });

  it('exits when the process that started it dies (no orphan)', async () => {
    // A parent that starts a worker, prints its pid, then waits to be killed.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process');
         const w = spawn(process.execPath, [${JSON.stringify(workerBin)}, '--redis', ${JSON.stringify(redis.url)}, '--queue', 'orphan'], { stdio: ['ignore', 'pipe', 'inherit'] });
         w.stdout.on('data', (d) => { if (String(d).includes('ready')) console.log(w.pid); });
         setInterval(() => {}, 1000);`,
      ],
      { cwd: packageRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
    );
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid)).toBe(false);
  });

  it.skipIf(process.platform !== 'linux')(
    'exits when the npx that started it dies (npx relays through sh -c), leaving nothing running',
    async () => {
      const npx = spawn(
        'npx',
        ['--no-install', 'ppeval-worker', '--redis', redis.url, '--queue', 'orphan-npx'],
        { cwd: join(packageRoot, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve, reject) => {
        let out = '';
        npx.stdout.on('data', (d: Buffer) => {
          out += String(d);
          if (out.includes('ready')) resolve();
        });
        npx.once('exit', (code) => reject(new Error(`npx exited (${code}) before ready: ${out}`)));
      });
      const below = descendants(npx.pid!);
      expect(below.length).toBeGreaterThanOrEqual(1);
      npx.kill('SIGKILL');
      const deadline = Date.now() + 5_000;
      while (below.some(isAlive) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const left = below.filter(isAlive);
      for (const pid of left) process.kill(pid, 'SIGKILL'); // no orphan even when this fails
      expect(left).toEqual([]);
    },
  );
});

/** Every process below pid (Linux /proc), children before grandchildren. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (let i = -1; i < found.length; i += 1) {
    const of = i < 0 ? pid : found[i]!;
    for (const [child, parent] of parents) if (parent === of) found.push(child);
  }
  return found;
}

describe.skipIf(!hasRedisServer)('Redis with a password and TLS', () => {
  const password = 'pa ss:w/rd@42';
  let redis: RedisServer;
  const started: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis({ password, tls: true });
  });

  afterAll(async () => {
    await Promise.all(started.map((w) => w.kill()));
    await redis?.stop();
  });

  it('works over rediss:// with a password, which no message shows and no key stores', async () => {
    const caFile = join(redis.dir, 'cert.pem');
    // The URL from the environment keeps the password out of `ps`.
    const w = startWorker(undefined, ['--concurrency', '1', '--tls-ca', caFile], {
      env: { ...process.env, PPEVAL_REDIS_URL: redis.url },
    });
    started.push(w);
    await w.ready;
    expect(redis.url.startsWith('rediss://')).toBe(true);
    const pool = redisPool({ url: redis.url, tls: { ca: redis.ca } });
    expect(await pool.ppeval(scale, array(range(0, 6)), 5)).toEqual(range(0, 6).map((k) => k * 5));

    // While a call's jobs are queued, no key (job, call, result stream, registry) holds the
    // password. DUMP shows every value's bytes; without compression they are searchable.
    const admin = redis.client();
    await admin.config('SET', 'rdbcompression', 'no');
    const log = join(redis.dir, 'nap.log');
    const call = pool.ppeval.with({ chunkSize: 1 })(nap, array(range(0, 4)), -2, 300, log);
    while (countRuns(log, 'start').size === 0) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const keys = await admin.keys('*');
    expect(keys.some((k) => /:call:/.test(k))).toBe(true);
    for (const key of keys) {
      const bytes = (await admin.dumpBuffer(key)) ?? Buffer.alloc(0);
      for (const secret of [password, encodeURIComponent(password)]) {
        expect(bytes.includes(secret), `${key} holds the password`).toBe(false);
      }
    }
    expect(await call).toEqual(range(0, 4).map((k) => k * 3));
    await pool.close();

    const wrong = redis.url.replace(encodeURIComponent(password), 'not-the-password');
    const bad = redisPool({ url: wrong, tls: { ca: redis.ca }, connectTimeoutMs: 1500 });
    const err = await bad.ppeval(scale, array([1]), 1).catch((e: unknown) => e);
    await bad.close();
    expect(err).toBeInstanceOf(BackendError);
    expect((err as Error).message).toContain('rediss://***@127.0.0.1');
    expect((err as Error).message).not.toContain('not-the-password');

    const refused = startWorker(wrong, ['--tls-ca', caFile]);
    const code = await new Promise((r) => refused.proc.once('exit', r));
    expect(code).toBe(2);
    expect(refused.stderr()).toContain('***@127.0.0.1');
    expect(refused.stderr()).not.toContain('not-the-password');
    expect(w.stderr()).not.toContain(encodeURIComponent(password));
  });
});
