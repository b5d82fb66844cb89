import { describe, expect, it } from 'vitest';

import { PpevalArgumentError, createPool, ppeval } from 'ppeval';
import { resolveWorkerOptions } from '../src/redis/options.js';

// One rule for every option: a missing option or `undefined` means its default, `null` is
// refused with advice. Before, `null` meant the default for retries, chunkSize and settle only.
const CALL_OPTIONS = [
  'signal',
  'timeout',
  'retries',
  'settle',
  'concurrency',
  'chunkSize',
  'onProgress',
  'onStats',
  'instances',
  'transferResults',
  'speculate',
] as const;
const POOL_OPTIONS = [
  'backend',
  'concurrency',
  'runtime',
  'idleTimeout',
  'resourceLimits',
  'execArgv',
  'maxElementsPerWorker',
  'maxWorkerHeapMb',
] as const;
const RESOURCE_LIMITS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;
const REDIS_OPTIONS = [
  'queue',
  'tls',
  'maxPayloadBytes',
  'keyTtlMs',
  'connectTimeoutMs',
  'noWorkersTimeoutMs',
] as const;

const REDIS_WORKER_OPTIONS = [
  'queue',
  'tls',
  'concurrency',
  'roots',
  'allowBuiltins',
  'sandbox',
  'cwd',
  'lockDurationMs',
  'stalledIntervalMs',
  'maxStalledCount',
  'maxElementsPerWorker',
  'maxWorkerHeapMb',
] as const;

function nullMessage(name: string): RegExp {
  return new RegExp(
    `^\`${name.replace('.', '\\.')}\` in .* is \`null\` \\(null\\), which no option accepts: ` +
      `omit \`${name.replace('.', '\\.')}\`, or pass undefined, for its default\\.$`,
  );
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('null in options', () => {
  it.each(CALL_OPTIONS)('ppeval.with({ %s: null }) is refused with advice', (key) => {
    const error = thrown(() => ppeval.with({ [key]: null } as never));
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).message).toMatch(nullMessage(key));
  });

  it.each(POOL_OPTIONS)('createPool({ %s: null }) is refused with advice', (key) => {
    const error = thrown(() => createPool({ [key]: null } as never));
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).message).toMatch(nullMessage(key));
  });

  it.each(RESOURCE_LIMITS)('createPool({ resourceLimits: { %s: null } }) is refused', (key) => {
    const error = thrown(() => createPool({ resourceLimits: { [key]: null } } as never));
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).message).toMatch(nullMessage(`resourceLimits.${key}`));
  });

  it.each(REDIS_OPTIONS)("createPool({ backend: 'redis', %s: null }) is refused", (key) => {
    const error = thrown(() =>
      createPool({ backend: 'redis', url: 'redis://127.0.0.1:1', [key]: null } as never),
    );
    expect(error).toBeInstanceOf(PpevalArgumentError);
    expect((error as Error).message).toMatch(nullMessage(key));
  });

  it.each(REDIS_WORKER_OPTIONS)('startRedisWorker({ %s: null }) is refused', (key) => {
    // startRedisWorker validates with this before connecting; the error class is the source's.
    const error = thrown(() =>
      resolveWorkerOptions({ url: 'redis://127.0.0.1:1', [key]: null }),
    ) as Error;
    expect(error.name).toBe('PpevalArgumentError');
    expect(error.message).toMatch(nullMessage(key));
  });

  it('undefined means the default everywhere, and undoes an earlier with()', () => {
    for (const key of CALL_OPTIONS) {
      expect(() => ppeval.with({ [key]: undefined })).not.toThrow();
    }
    for (const key of POOL_OPTIONS) {
      expect(() => createPool({ [key]: undefined }).close()).not.toThrow();
    }
    const timed = ppeval.with({ timeout: 100 });
    expect(() => timed.with({ chunkSize: 4 })).toThrow(/remove `chunkSize`/);
    expect(() => timed.with({ timeout: undefined, chunkSize: 4 })).not.toThrow();
  });
});
