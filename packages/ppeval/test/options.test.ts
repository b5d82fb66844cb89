import { describe, expect, it } from 'vitest';

import { PpevalArgumentError, array, createPool, ppeval } from 'ppeval';
import { square } from './fixtures/runtime/math.mjs';

describe('option validation', () => {
  it('rejects unknown call options, suggesting the close one', () => {
    expect(() => ppeval.with({ retires: 1 } as never)).toThrow(
      /Unknown option `retires` in ppeval options\. Did you mean `retries`\?/,
    );
  });

  it('rejects unknown pool options', () => {
    expect(() => createPool({ concurency: 2 } as never)).toThrow(
      /Unknown option `concurency`.*Did you mean `concurrency`\?/,
    );
  });

  it.each([
    [
      { concurrency: 0 },
      'Expected `concurrency` to be an integer from 1 and up, got `0` (number).',
    ],
    [
      { concurrency: 1.5 },
      'Expected `concurrency` to be an integer from 1 and up, got `1.5` (number).',
    ],
    [
      { runtime: 'fibers' },
      "Expected `runtime` to be 'threads' or 'processes', got `'fibers'` (string).",
    ],
    [{ backend: 'mpi' }, "Expected `backend` to be 'local' or 'redis', got `'mpi'` (string)."],
    [
      { idleTimeout: -1 },
      'Expected `idleTimeout` to be a number of milliseconds from 0 and up (or Infinity), got `-1` (number).',
    ],
    [
      { execArgv: '--inspect' },
      "Expected `execArgv` to be an array of strings, got `'--inspect'` (string).",
    ],
    [
      { resourceLimits: { stackSizeMb: 0.1 } },
      /`resourceLimits\.stackSizeMb` to be at least 0\.5 .*got `0\.1` \(number\)\. With a smaller stack/,
    ],
    [
      // Node 22+ aborted the calling process for 1 and 2 MB (V8 fatal OOM at the worker's start).
      { resourceLimits: { maxOldGenerationSizeMb: 2 } },
      /`resourceLimits\.maxOldGenerationSizeMb` to be at least 4 .*got `2` \(number\)\. With a smaller heap/,
    ],
    [
      { runtime: 'processes', resourceLimits: { maxOldGenerationSizeMb: 64 } },
      /applies to worker threads only/,
    ],
  ])('createPool(%j) throws: %s', (options, message) => {
    const thrown = (() => {
      try {
        createPool(options as never);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(PpevalArgumentError);
    if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
    else expect((thrown as Error).message).toMatch(message);
  });

  it.each([
    [{ timeout: 0 }, /`timeout` to be a number of milliseconds from 1/],
    [{ timeout: 0.5 }, /`timeout` to be a number of milliseconds from 1 to 2147483647, got `0\.5`/],
    [{ timeout: 2 ** 31 }, /`timeout` to be a number of milliseconds from 1 to 2147483647/],
    [{ retries: -1 }, /`retries` to be an integer from 0 and up, got `-1` \(number\)/],
    [{ settle: 'yes' }, /`settle` to be a boolean, got `'yes'` \(string\)/],
    [{ chunkSize: 0 }, /`chunkSize` to be 'auto' or an integer from 1 and up/],
    [{ signal: {} }, /`signal` to be an AbortSignal, got `\{\}` \(object\)/],
    [{ onProgress: 1 }, /`onProgress` to be a function, got `1` \(number\)/],
    [{ timeout: 100, chunkSize: 4 }, /remove `chunkSize` or set it to 1/],
  ])('ppeval.with(%j) throws %s', (options, message) => {
    expect(() => ppeval.with(options as never)).toThrow(message);
  });

  it('checks chained options together at the last with()', () => {
    const timed = ppeval.with({ timeout: 100 });
    expect(() => timed.with({ chunkSize: 4 })).toThrow(/remove `chunkSize` or set it to 1/);
    expect(() => timed.with({ chunkSize: 1 })).not.toThrow();
  });

  it('ppeval rejects (never throws) for bad input', async () => {
    const call = ppeval(42 as never, array([1]));
    expect(call).toBeInstanceOf(Promise);
    await expect(call).rejects.toThrow(
      /Expected the first argument of ppeval to be an exported function or \{ module, export \}, got `42` \(number\)/,
    );
  });

  it('a closed pool rejects with PoolClosedError', async () => {
    const pool = createPool({ concurrency: 1 });
    await pool.close();
    await expect(pool.ppeval(square, array([1]))).rejects.toMatchObject({
      name: 'PoolClosedError',
      code: 'ERR_PPEVAL_POOL_CLOSED',
    });
  });
});
