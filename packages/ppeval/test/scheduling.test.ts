import { afterAll, describe, expect, it } from 'vitest';

import { array, createPool, range } from 'ppeval';
import { reportTopLevel, topLevel } from './fixtures/runtime/top-level-call.mjs';
import { waitForOthers } from './fixtures/runtime/math.mjs';

const pool = createPool({ concurrency: 2 });
afterAll(() => pool.close());

describe('dynamic balancing', () => {
  it('hands the remaining elements to the free worker while one element runs long', async () => {
    // Element 0 finishes only after all 19 others: a static split (elements 0-9 on one
    // worker) would leave 1-9 stuck behind it.
    const cell = new Int32Array(new SharedArrayBuffer(4));
    expect(await pool.ppeval(waitForOthers, array(range(0, 20)), cell, 20)).toEqual(range(0, 20));
  });

  it('fails the same call with a static split (chunkSize 10), as the test above would', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const call = pool.ppeval.with({ chunkSize: 10 })(
      waitForOthers,
      array(range(0, 20)),
      cell,
      20,
      200,
    );
    // Element 0 waits behind its own batch: at most the other batch (10 elements) can run.
    await expect(call).rejects.toThrow(/only (\d|10) of 19 others ran/);
  });
});

describe('a module that calls ppeval at its top level', () => {
  it('runs the call in the caller, and refuses it in a worker instead of recursing', async () => {
    expect(topLevel).toBe('ran');
    expect(await pool.ppeval(reportTopLevel, array([0, 1]))).toEqual([
      'ERR_PPEVAL_LOCATE',
      'ERR_PPEVAL_LOCATE',
    ]);
  });
});
