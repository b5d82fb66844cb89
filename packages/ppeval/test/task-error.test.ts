import { afterAll, describe, expect, it } from 'vitest';

import { LocateError, TaskError, array, createPool, range } from 'ppeval';
import type { Settled } from 'ppeval';
import {
  countThenFailAt,
  failAt,
  rejectAt,
  throwNamedLocateError,
} from './fixtures/runtime/failing.mjs';
import { returnsFunction } from './fixtures/runtime/math.mjs';
import { unloadable } from './fixtures/runtime/worker-only-failure.mjs';

const threads = createPool({ concurrency: 2 });
const processes = createPool({ concurrency: 2, runtime: 'processes' });
afterAll(() => Promise.all([threads.close(), processes.close()]));

async function rejection(promise: Promise<unknown>): Promise<TaskError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TaskError);
  return error as TaskError;
}

describe.each([
  ['threads', threads],
  ['processes', processes],
] as const)('an element that throws (%s)', (_, pool) => {
  it("rejects with TaskError carrying the index and the worker's original error", async () => {
    const error = await rejection(pool.ppeval(failAt, array(range(0, 10)), 6));
    expect(error.index).toBe(6);
    expect(error.code).toBe('ERR_PPEVAL_TASK');
    expect(error.message).toMatch(/failAt\(element 6\) threw QuotaError: over quota at 6/);
    const cause = error.cause as Error & { code: string; limit: number; cause: Error };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('QuotaError');
    expect(cause.message).toBe('over quota at 6');
    expect(cause.code).toBe('E_QUOTA');
    expect(cause.limit).toBe(42);
    expect(cause.stack).toMatch(/failing\.mjs/);
    expect(cause.cause).toBeInstanceOf(TypeError);
    expect(cause.cause.message).toBe('inner');
  });

  it('keeps a thrown non-error value as the cause', async () => {
    const error = await rejection(pool.ppeval(rejectAt, array([0, 1, 2]), 1));
    expect(error.index).toBe(1);
    expect(error.cause).toBe('plain string reason');
    expect(error.message).toBe(
      "rejectAt(element 1) threw a non-error value: `'plain string reason'` (string)",
    );
  });

  it('collects every outcome with settle: true', async () => {
    const outcomes = await pool.ppeval.with({ settle: true })(failAt, array(range(0, 5)), 3);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const failed = outcomes[3] as Extract<Settled<number>, { status: 'rejected' }>;
    expect(failed.reason).toBeInstanceOf(TaskError);
    expect(failed.reason.index).toBe(3);
    expect(outcomes[4]).toEqual({ status: 'fulfilled', value: 4 });
  });
});

describe('fail fast', () => {
  it('cancels the queued elements once one fails', async () => {
    const counts = new Int32Array(new SharedArrayBuffer(4));
    const pool = createPool({ concurrency: 2 });
    try {
      const error = await rejection(pool.ppeval(countThenFailAt, array(range(0, 60)), 2, counts));
      expect(error.index).toBe(2);
    } finally {
      await pool.close();
    }
    // Without cancelling, all 60 elements would have run.
    expect(Atomics.load(counts, 0)).toBeLessThan(20);
  });

  it('fails an element whose result cannot be sent back, naming why', async () => {
    const error = await rejection(threads.ppeval(returnsFunction, array([0])));
    expect((error.cause as Error).name).toBe('TypeError');
    expect((error.cause as Error).message).toMatch(
      /returned a value that cannot go back to the caller: it is a function/,
    );
  });

  it.each([
    ['threads', threads],
    ['processes', processes],
  ] as const)(
    'settles a user error merely named LocateError like any other (%s)',
    async (_, pool) => {
      const outcomes = await pool.ppeval
        .with({ settle: true })(throwNamedLocateError, array(range(0, 4)), 2)
        .catch((e: unknown) => e);
      expect(Array.isArray(outcomes)).toBe(true);
      const list = outcomes as Settled<number>[];
      expect(list.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      const failed = list[2] as { status: 'rejected'; reason: unknown };
      expect(failed.reason).toBeInstanceOf(TaskError);
      expect(((failed.reason as TaskError).cause as Error).message).toBe('user error at 2');
    },
  );

  it('rejects with LocateError when the workers cannot load the function, even when settling', async () => {
    const error: unknown = await threads.ppeval
      .with({ settle: true })(unloadable, array([1, 2]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocateError);
    expect((error as LocateError).message).toMatch(/refuses to load in a worker/);
  });
});
