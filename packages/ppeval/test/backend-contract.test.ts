import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ppevalPackage from 'ppeval';
import type { Pool } from 'ppeval';

import type { Backend, CallSession, CallSpec } from '../src/backend.js';
import { BatchLostError } from '../src/backend.js';
import { encodeBytes } from '../src/wire/broadcast.js';
import { array, range } from '../src/dist-array.js';
import { TaskError, WorkerExitError } from '../src/errors.js';
import { executeBatch } from '../src/local/execute.js';
import type { BatchRequest, BatchResult } from '../src/wire/protocol.js';
import { makePpeval } from '../src/ppeval.js';
import { failAt } from './fixtures/runtime/failing.mjs';
import { addScaled } from './fixtures/runtime/math.mjs';
import { bareShared, exitEvery, exitFirst, plusTable } from './fixtures/runtime/contract.mjs';
import { makeProxy, nestDeep } from './fixtures/runtime/values.mjs';
import { redisPool } from './helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from './helpers/redis-server.js';

/**
 * A backend that runs batches in this thread with `executeBatch`, as a remote backend's worker
 * would, and records how the engine drives it: what every backend may rely on.
 */
class RecordingBackend implements Backend {
  readonly kind = 'recording';
  readonly workers = 2;
  readonly capacity = 3;
  readonly sharedMemory = false;
  inFlight = 0;
  maxInFlight = 0;
  opened = 0;
  closed = 0;
  runsAfterClose = 0;
  readonly runsPerIndex = new Map<number, number>();
  /** Batches for which this returns true "lose their worker". */
  lose: (batch: BatchRequest) => boolean = () => false;

  openCall(spec: CallSpec): Promise<CallSession> {
    this.opened += 1;
    let open = true;
    return Promise.resolve({
      broadcast: { kind: 'inline', bytes: encodeBytes(spec.broadcast) },
      run: async (batch: BatchRequest, signal: AbortSignal): Promise<BatchResult> => {
        if (!open) this.runsAfterClose += 1;
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          await tick();
          if (signal.aborted) throw new Error('aborted');
          for (const k of batch.indices)
            this.runsPerIndex.set(k, (this.runsPerIndex.get(k) ?? 0) + 1);
          if (this.lose(batch)) throw new BatchLostError('the test killed it', 9);
          return await executeBatch(batch, { workerId: `fake:${batch.indices[0]! % 2}` });
        } finally {
          this.inFlight -= 1;
        }
      },
      close: () => {
        open = false;
        this.closed += 1;
        return Promise.resolve();
      },
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('the engine drives any backend through the Backend contract', () => {
  it('gives ordered results, respects capacity, opens and closes each call once', async () => {
    const backend = new RecordingBackend();
    const ppeval = makePpeval(() => backend);
    const out = await ppeval(addScaled, array(range(0, 40)), 1, 2);
    expect(out).toEqual(range(0, 40).map((k) => (k + 1) * 2));
    expect(backend.maxInFlight).toBeLessThanOrEqual(backend.capacity);
    expect(backend.maxInFlight).toBeGreaterThan(1);
    expect([backend.opened, backend.closed, backend.runsAfterClose]).toEqual([1, 1, 0]);
  });

  it('re-runs a lost multi-element batch one element at a time and blames only the culprit', async () => {
    const backend = new RecordingBackend();
    backend.lose = (batch) => batch.indices.includes(5);
    const ppeval = makePpeval(() => backend);
    const outcomes = await ppeval.with({ settle: true, chunkSize: 4 })(
      addScaled,
      array(range(0, 8)),
      0,
      1,
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const reason = (outcomes[5] as { reason: unknown }).reason as WorkerExitError;
    expect(reason).toBeInstanceOf(WorkerExitError);
    expect(reason.exitCode).toBe(9);
    // 4-7 ran in their batch, then alone; 0-3 once.
    expect([...backend.runsPerIndex.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 2],
      [5, 2],
      [6, 2],
      [7, 2],
    ]);
  });

  it('applies `retries` to a lost single element', async () => {
    const backend = new RecordingBackend();
    let losses = 0;
    backend.lose = (batch) => batch.indices[0] === 1 && losses++ < 2;
    const ppeval = makePpeval(() => backend);
    expect(await ppeval.with({ retries: 2 })(addScaled, array([0, 1, 2]), 0, 1)).toEqual([0, 1, 2]);
    expect(backend.runsPerIndex.get(1)).toBe(3);
  });

  it('settles a failed call only after its runs have settled and its session is closed', async () => {
    const backend = new RecordingBackend();
    const ppeval = makePpeval(() => backend);
    const error: unknown = await ppeval(failAt, array(range(0, 30)), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(backend.inFlight).toBe(0);
    expect([backend.opened, backend.closed, backend.runsAfterClose]).toEqual([1, 1, 0]);
  });

  it('holds back new batches while a stream consumer is behind (backpressure)', async () => {
    const backend = new RecordingBackend();
    const ppeval = makePpeval(() => backend);
    const stream = ppeval.with({ chunkSize: 10 }).stream(addScaled, array(range(0, 2000)), 0, 1);
    const first = await stream.next();
    expect(first.done).toBe(false);
    // Give an engine without backpressure ample time to run all 2,000 elements.
    for (let i = 0; i < 200; i++) await tick();
    const ran = backend.runsPerIndex.size;
    expect(ran).toBeLessThan(200);
    // Consuming lets the call go on to the end.
    let count = 1;
    for await (const item of stream) {
      expect(item.value).toBe(item.index);
      count += 1;
    }
    expect(count).toBe(2000);
    expect(backend.runsPerIndex.size).toBe(2000);
  });
});

// The real pools come from the built package: its DistArray is the one they accept.
const shared = { array: ppevalPackage.array };

/** Runs per element of a contract fixture's log. */
function runsOf(log: string): Map<number, number> {
  const counts = new Map<number, number>();
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    const [tag, k] = line.split(' ');
    if (tag === 'run') counts.set(Number(k), (counts.get(Number(k)) ?? 0) + 1);
  }
  return counts;
}

/** What a failed call gave, in a form to compare between backends. */
async function failure(call: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = (await call.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  )) as ppevalPackage.PpevalError & { index?: number; exitCode?: number };
  return {
    class: error.constructor.name,
    code: error.code,
    index: error.index,
    exitCode: error.exitCode,
    // Only on Redis does the message name the worker that died (`on worker host:pid`); its
    // advice names the option of its own backend.
    message: error.message
      .replace(/ \(on worker [^)]*\)/, '')
      .replace(/ Set the `retries`.*$/s, ''),
  };
}

/**
 * The same checks on every real backend, through the public API: what a batch does (results,
 * errors, crashes, the value codec) is the local backend's everywhere, so every backend gives
 * the same answer. Redis runs real ppeval-worker processes with both kinds of sandbox.
 */
const redisKinds = ['threads', 'processes'] as const;
const backends = ['threads', 'processes', ...redisKinds.map((k) => `redis/${k}` as const)];
const expected = new Map<string, Record<string, unknown>>();

describe.each(backends)('the %s backend keeps the contract', (backend) => {
  const onRedis = backend.startsWith('redis/');
  let pool: Pool;
  let redis: RedisServer | undefined;
  let worker: WorkerProcess | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ppeval-contract-'));
    if (!onRedis) {
      pool = ppevalPackage.createPool({
        concurrency: 2,
        runtime: backend as 'threads' | 'processes',
      });
      return;
    }
    redis = await startRedis();
    const queue = `contract-${backend.slice('redis/'.length)}`;
    worker = startWorker(redis.url, [
      ...['--concurrency', '2', '--queue', queue],
      ...['--sandbox', backend.slice('redis/'.length)],
    ]);
    await worker.ready;
    pool = redisPool({ url: redis.url, queue });
  });
  afterAll(async () => {
    await pool?.close();
    await worker?.kill();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const skip = onRedis && !hasRedisServer;
  if (skip) console.warn(skipNote);

  it.skipIf(skip)(
    'gives xs.map(f), in order, with a broadcast too large to travel inline',
    async () => {
      expect(await pool.ppeval(addScaled, shared.array(range(0, 40)), 1, 2)).toEqual(
        range(0, 40).map((k) => (k + 1) * 2),
      );
      // 80 KiB: a file on child processes, shared bytes on threads.
      const table = new Float64Array(10_240).fill(3);
      expect(
        await pool.ppeval.with({ chunkSize: 3 })(plusTable, shared.array(range(0, 10)), table),
      ).toEqual(range(0, 10).map((k) => k + 10_240 + 3));
    },
  );

  // The local backend of each kind sets what the Redis workers with that sandbox must give.
  const kind = onRedis ? backend.slice('redis/'.length) : backend;
  const same = async (what: string, call: Promise<unknown>): Promise<void> => {
    const seen = await failure(call);
    if (!expected.has(`${what} ${kind}`)) expected.set(`${what} ${kind}`, seen);
    expect(seen).toEqual(expected.get(`${what} ${kind}`));
  };

  it.skipIf(skip)(
    'fails a deep or Proxy result with the same TaskError, and stays usable',
    async () => {
      await same('deep', pool.ppeval(nestDeep, shared.array([1_500])));
      await same('proxy', pool.ppeval(makeProxy, shared.array([0])));
      expect(expected.get(`deep ${kind}`)).toMatchObject({ class: 'TaskError', index: 0 });
      expect(await pool.ppeval(addScaled, shared.array([1, 2]), 0, 1)).toEqual([1, 2]);
    },
  );

  it.skipIf(skip)('reports process.exit(7) as WorkerExitError with exitCode 7', async () => {
    const log = join(dir, 'exit7.log');
    await same(
      'exit',
      pool.ppeval.with({ chunkSize: 1 })(exitEvery, shared.array(range(0, 4)), 2, 7, log),
    );
    expect(expected.get(`exit ${kind}`)).toMatchObject({
      class: 'WorkerExitError',
      index: 2,
      exitCode: 7,
    });
    expect(await pool.ppeval(addScaled, shared.array([1, 2]), 0, 1)).toEqual([1, 2]);
  });

  it.skipIf(skip)(
    're-runs a lost multi-element batch singly and blames only the culprit',
    async () => {
      const log = join(dir, 'culprit.log');
      const outcomes = await pool.ppeval.with({ settle: true, chunkSize: 4 })(
        exitEvery,
        shared.array(range(0, 8)),
        5,
        7,
        log,
      );
      expect(outcomes.map((o) => o.status)).toEqual(
        range(0, 8).map((k) => (k === 5 ? 'rejected' : 'fulfilled')),
      );
      const reason = (outcomes[5] as unknown as { reason: ppevalPackage.WorkerExitError }).reason;
      expect(reason).toBeInstanceOf(ppevalPackage.WorkerExitError);
      expect(reason.exitCode).toBe(7);
      // 5 died in its batch (4-7), then alone; 4 ran in the batch and alone; 6 and 7 alone.
      const runs = runsOf(log);
      expect([runs.get(4), runs.get(5), runs.get(6), runs.get(7)]).toEqual([2, 2, 1, 1]);
    },
  );

  it.skipIf(skip)('applies `retries` to a lost single element', async () => {
    const log = join(dir, 'retry.log');
    const out = await pool.ppeval.with({ chunkSize: 1, retries: 1 })(
      exitFirst,
      shared.array(range(0, 4)),
      1,
      7,
      log,
    );
    expect(out).toEqual([0, 2, 4, 6]);
    expect(runsOf(log).get(1)).toBe(2);
  });

  // Threads share memory with the caller; a Redis worker stores results with v8.serialize.
  it.skipIf(skip || backend === 'threads')(
    'refuses a bare SharedArrayBuffer result with TaskError, and stays usable',
    async () => {
      const seen = await failure(pool.ppeval(bareShared, shared.array([8])));
      expect(seen).toMatchObject({ class: 'TaskError', index: 0 });
      expect(seen['message']).toMatch(/bare SharedArrayBuffer/);
      expect(await pool.ppeval(addScaled, shared.array([1, 2]), 0, 1)).toEqual([1, 2]);
    },
  );

  it.skipIf(skip)('fails an element that throws with the same TaskError', async () => {
    await same('throw', pool.ppeval(failAt, shared.array(range(0, 6)), 3));
    expect(expected.get(`throw ${kind}`)).toMatchObject({ class: 'TaskError', index: 3 });
  });
});
