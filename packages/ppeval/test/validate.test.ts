import { describe, expect, it } from 'vitest';

import { describeValue } from '../src/describe-value.js';
import { PpevalArgumentError } from '../src/errors.js';
import { createPool } from '../src/pool.js';
import { ppeval } from '../src/pool.js';
import { resolveBackendOptions, resolveWorkerOptions } from '../src/redis/options.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PpevalArgumentError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

const UNKNOWN =
  /^Unknown option `\w+` in .+\. Did you mean `\w+`\? Known options: (`\w+`, )*`\w+`\./;

describe('one option validator for every form', () => {
  it('suggests the near miss for an unknown key in the local and the Redis options alike', () => {
    const url = 'redis://127.0.0.1:1';
    const messages = [
      messageOf(() => createPool({ concurency: 2 } as never)),
      messageOf(() => ppeval.with({ retires: 1 } as never)),
      messageOf(() => resolveBackendOptions({ url, quue: 'x' })),
      messageOf(() => resolveWorkerOptions({ url, sandbx: 'threads' })),
    ];
    for (const message of messages) expect(message).toMatch(UNKNOWN);
    expect(messages[2]).toContain('Did you mean `queue`?');
    expect(messages[3]).toContain('Did you mean `sandbox`?');
  });

  it('keeps the advice about worker-side options for the Redis pool', () => {
    expect(
      messageOf(() => resolveBackendOptions({ url: 'redis://h', runtime: 'processes' })),
    ).toMatch(/Workers set their own: `ppeval-worker --concurrency N --sandbox/);
  });
});

describe('one value renderer for every message', () => {
  it('renders values and their types', () => {
    expect(describeValue(0)).toBe('`0` (number)');
    expect(describeValue('fibers')).toBe("`'fibers'` (string)");
    expect(describeValue(null)).toBe('`null` (null)');
    expect(describeValue(undefined)).toBe('`undefined` (undefined)');
    expect(describeValue(5n)).toBe('`5n` (bigint)');
    expect(describeValue([1, 2])).toBe('`[ 1, 2 ]` (array)');
    expect(describeValue({ a: 1 })).toBe('`{ a: 1 }` (object)');
    expect(describeValue(new Float64Array(2))).toBe('`Float64Array(2) [ 0, 0 ]` (Float64Array)');
    expect(describeValue('x'.repeat(500))).toMatch(/^`'x{50,}\.\.\.` \(string\)$/);
  });

  it('masks the credentials of a URL in any message, not only the Redis ones', () => {
    const message = messageOf(() => createPool({ runtime: 'redis://me:hunter2@host' } as never));
    expect(message).not.toContain('hunter2');
    expect(message).toContain("got `'redis://***@host'` (string)");
  });

  it('refuses a value that cannot even be looked at with PpevalArgumentError', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(messageOf(() => createPool({ idleTimeout: proxy } as never))).toMatch(
      /^Expected `idleTimeout` to be .*, got `<Revoked Proxy>` \(object\)\.$/,
    );
  });
});
