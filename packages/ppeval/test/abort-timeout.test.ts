import { afterAll, describe, expect, it } from 'vitest';

import { AbortError, ElementTimeoutError, array, createPool, range } from 'ppeval';
import { spinAt } from './fixtures/runtime/failing.mjs';
import { barrier, square } from './fixtures/runtime/math.mjs';

const threads = createPool({ concurrency: 2 });
const processes = createPool({ concurrency: 2, runtime: 'processes' });
afterAll(() => Promise.all([threads.close(), processes.close()]));

/** Two workers answer again, in parallel: the busy ones were terminated and replaced. */
async function expectHealthy(pool: typeof threads): Promise<void> {
  expect(await pool.ppeval(square, array([2, 3]))).toEqual([4, 9]);
  if (pool.runtime === 'threads') {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    expect(await pool.ppeval(barrier, array([0, 1]), cell, 2)).toEqual([0, 1]);
  }
}

describe.each([
  ['threads', threads],
  ['processes', processes],
] as const)('cancelling (%s)', (_, pool) => {
  it('an AbortSignal rejects the call and terminates the busy workers', async () => {
    const controller = new AbortController();
    // Every element spins forever: only terminating the workers can stop them.
    const call = pool.ppeval.with({
      signal: controller.signal,
      onProgress: () => undefined,
    })(spinAt, array(range(0, 4)), -1);
    setImmediate(() => controller.abort(new Error('user gave up')));
    const error: unknown = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('user gave up'));
    await expectHealthy(pool);
  });

  it('a signal aborted before the call rejects without starting anything', async () => {
    let batches = -1;
    const call = pool.ppeval.with({
      signal: AbortSignal.abort(),
      onStats: (s) => (batches = s.batches),
    })(square, array([1]));
    await expect(call).rejects.toBeInstanceOf(AbortError);
    expect(batches).toBe(0);
  });

  it('`timeout` fails the element that runs too long with ElementTimeoutError', async () => {
    // The clock includes starting a fresh worker: leave room for a loaded machine.
    const outcomes = await pool.ppeval.with({ timeout: 1000, settle: true })(
      spinAt,
      array(range(0, 4)),
      2,
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const reason = (outcomes[2] as { reason: unknown }).reason as ElementTimeoutError;
    expect(reason).toBeInstanceOf(ElementTimeoutError);
    expect(reason.index).toBe(2);
    expect(reason.timeoutMs).toBe(1000);
    await expectHealthy(pool);
  });
});
