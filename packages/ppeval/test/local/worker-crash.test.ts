import { afterAll, describe, expect, it } from 'vitest';

import { BackendError, WorkerExitError, array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import { exitAt, exitOnFirstRun, hogAt, timerThrowAt } from '../fixtures/runtime/failing.mjs';
import { barrier, square } from '../fixtures/runtime/math.mjs';

const threads = createPool({ concurrency: 2, resourceLimits: { maxOldGenerationSizeMb: 48 } });
const processes = createPool({ concurrency: 2, runtime: 'processes' });
afterAll(() => Promise.all([threads.close(), processes.close()]));

async function workerExit(promise: Promise<unknown>): Promise<WorkerExitError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WorkerExitError);
  return error as WorkerExitError;
}

/** The pool still has two live workers running in parallel: a replaced worker, nothing hung. */
async function expectHealthy(pool: typeof threads): Promise<void> {
  expect(await pool.ppeval(square, array([1, 2, 3]))).toEqual([1, 4, 9]);
  if (pool.runtime === 'threads') {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    expect(await pool.ppeval(barrier, array([0, 1]), cell, 2)).toEqual([0, 1]);
  }
}

describe('a worker that dies mid-element', () => {
  it('fails that element with WorkerExitError when it calls process.exit (threads)', async () => {
    const error = await workerExit(threads.ppeval(exitAt, array(range(0, 6)), 4, 3));
    expect(error.index).toBe(4);
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/exitAt\(element 4\) died: it called process\.exit\(3\)/);
    await expectHealthy(threads);
  });

  it('fails that element when it calls process.exit (processes)', async () => {
    const error = await workerExit(processes.ppeval(exitAt, array(range(0, 6)), 1, 3));
    expect(error.index).toBe(1);
    // The child's exit code, as a thread's (tinypool reports neither code nor signal).
    expect(error.exitCode).toBe(3);
    expect(error.message).toMatch(/exitAt\(element 1\) died: the child process exited with code 3/);
    await expectHealthy(processes);
  });

  it('finds the culprit inside a multi-element batch by re-running its elements singly', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4 * 16));
    let stats: CallStats | undefined;
    const error = await workerExit(
      threads.ppeval.with({ chunkSize: 8, settle: false, onStats: (s) => (stats = s) })(
        exitAt,
        array(range(0, 16)),
        5,
        9,
        counts,
      ),
    );
    expect(error.index).toBe(5);
    expect(stats!.reruns).toBeGreaterThanOrEqual(8);
    // Element 5 ran in its batch, then alone: twice.
    expect(Atomics.load(counts, 5)).toBe(2);
    await expectHealthy(threads);
  });

  it('fails the element whose timer throws an uncaught error', async () => {
    const error = await workerExit(threads.ppeval(timerThrowAt, array(range(0, 4)), 2));
    expect(error.index).toBe(2);
    expect(error.message).toMatch(/RangeError: thrown in a timer/);
    await expectHealthy(threads);
  });

  it('fails the element that exhausts the heap limit (resourceLimits)', async () => {
    const error = await workerExit(threads.ppeval(hogAt, array(range(0, 3)), 1));
    expect(error.index).toBe(1);
    expect(error.message).toMatch(/out of memory/);
    await expectHealthy(threads);
  });

  it('re-runs such an element on a live worker with `retries`', async () => {
    // Shared run counters: each element exits its worker on its first run only.
    const runs = new Int32Array(new SharedArrayBuffer(4 * 4));
    const out = await threads.ppeval.with({ retries: 1 })(exitOnFirstRun, array(range(0, 4)), runs);
    expect(out).toEqual([0, 10, 20, 30]);
    expect([...runs]).toEqual([2, 2, 2, 2]);
    // An element that kills every worker fails after 1 + retries runs.
    const counts = new Int32Array(new SharedArrayBuffer(4 * 4));
    const error = await workerExit(
      threads.ppeval.with({ retries: 2 })(exitAt, array(range(0, 4)), 0, 1, counts),
    );
    expect(error.index).toBe(0);
    expect(error.message).toMatch(/all 3 attempts/);
    expect(Atomics.load(counts, 0)).toBe(3);
  });

  it('collects the crash as an outcome with settle: true', async () => {
    const outcomes = await processes.ppeval.with({ settle: true })(
      exitAt,
      array(range(0, 3)),
      1,
      2,
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: { index: 1, code: 'ERR_PPEVAL_WORKER_EXIT' } });
  });

  it('rejects with BackendError, never hangs, when workers cannot even start', async () => {
    const broken = createPool({ concurrency: 2, execArgv: ['--input-type=module'] });
    try {
      const error: unknown = await broken.ppeval(square, array([1, 2])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(/worker threads failed to start: --input-type/);
    } finally {
      await broken.close();
    }
  });

  it('rejects with BackendError, never crashes the caller, when Node refuses a worker flag', async () => {
    // Node throws while creating each worker thread; tinypool then leaves an abort listener for
    // a task it never queued, which would crash this process when fail-fast aborts the call.
    const broken = createPool({ concurrency: 2, execArgv: ['--no-such-flag'] });
    try {
      const error: unknown = await broken
        .ppeval(square, array(range(0, 8)))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(
        /worker threads failed to start: .*invalid execArgv flags: --no-such-flag/,
      );
    } finally {
      await broken.close();
    }
  });

  it('rejects with BackendError naming resourceLimits when the heap is too small to start', async () => {
    const starved = createPool({
      concurrency: 2,
      // The smallest heap accepted: below 4 MB, Node 22+ aborts the whole test process (V8 fatal
      // OOM during the worker's snapshot deserialization) instead of failing the worker.
      resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 },
    });
    try {
      const error: unknown = await starved.ppeval(square, array([1, 2])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toMatch(
        /worker threads failed to start: .*memory.*Check the `execArgv` option and `resourceLimits`/,
      );
    } finally {
      await starved.close();
    }
  });

  it('runs the elements queued behind a crash (one worker, settle: true)', async () => {
    const single = createPool({ concurrency: 1 });
    try {
      const outcomes = await single.ppeval.with({ settle: true })(exitAt, array([0, 1, 2]), 0, 3);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    } finally {
      await single.close();
    }
  });
});
