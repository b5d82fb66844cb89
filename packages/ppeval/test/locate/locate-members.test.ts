import { afterAll, describe, expect, it } from 'vitest';

import { LocateError, array, createPool } from 'ppeval';
import { Parser, utils } from '../fixtures/locate/members.mjs';

// acorn is installed with eslint (a dev dependency); the acorn cases skip if it ever is not.
const acorn = await import('acorn').catch(() => undefined);
const members = new URL('../fixtures/locate/members.mjs', import.meta.url);
const threads = createPool({ concurrency: 1 });
const processes = createPool({ concurrency: 1, runtime: 'processes' });
afterAll(() => Promise.all([threads.close(), processes.close()]));

async function refusal(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    (value) => new Error(`expected a refusal, got ${JSON.stringify(value)}`),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LocateError);
  return (error as Error).message;
}

describe('refusals name the runtime in use', () => {
  it('says child processes on a processes pool, worker threads on a threads pool', async () => {
    const onProcesses = await refusal(processes.ppeval(utils.helper, array([1])));
    expect(onProcesses).toMatch(/^Cannot run `helper` in child processes: /);
    const onThreads = await refusal(threads.ppeval(utils.helper, array([1])));
    expect(onThreads).toMatch(/^Cannot run `helper` in worker threads: /);
    // Refused before the Redis backend connects: no server is needed to see the wording.
    const redis = createPool({
      backend: 'redis',
      url: 'redis://127.0.0.1:1',
      connectTimeoutMs: 500,
    });
    try {
      const onRedis = await refusal(redis.ppeval(utils.helper, array([1])));
      expect(onRedis).toMatch(/^Cannot run `helper` in Redis workers: /);
    } finally {
      await redis.close();
    }
    // The explicit form's refusals too.
    const ownFile = { module: import.meta.url, export: 'anything' };
    expect(await refusal(processes.ppeval(ownFile, array([1])))).toMatch(
      /^Cannot run `anything` from \S+ in child processes: that module is the program's entry/,
    );
    // The cached refusal is worded again for each runtime.
    expect(await refusal(processes.ppeval(utils.helper, array([1])))).toMatch(/child processes/);
  });
});

describe('a function reached through an exported object', () => {
  it('is told the explicit form with its dotted export, never to add `export`', async () => {
    const message = await refusal(processes.ppeval(Parser.parse, array(['ab'])));
    expect(message).toContain('not an export of its own but `Parser.parse`');
    expect(message).toContain(`\`{ module: '${members.href}', export: 'Parser.parse' }\``);
    expect(message).not.toContain('add `export`');
    const helper = await refusal(threads.ppeval(utils.scale, array([1])));
    expect(helper).toContain(`export: 'utils.scale' }`);
    expect(helper).not.toContain('add `export`');
  });

  it('runs through that explicit form, with its object as `this`', async () => {
    await expect(
      processes.ppeval({ module: members, export: 'Parser.parse' }, array(['ab', 'abc'])),
    ).resolves.toEqual([
      { length: 2, parser: 'Parser' },
      { length: 3, parser: 'Parser' },
    ]);
    await expect(
      threads.ppeval({ module: members, export: 'utils.scale' }, array([1, 2])),
    ).resolves.toEqual([3, 6]);
  });

  it.skipIf(acorn === undefined)("names the package for acorn's Parser.parse", async () => {
    const message = await refusal(
      processes.ppeval(acorn!.Parser.parse, array(['1']), { ecmaVersion: 2022 } as const),
    );
    expect(message).toMatch(/^Cannot run `parse` in child processes: /);
    expect(message).toContain("`{ module: 'acorn', export: 'Parser.parse' }`");
    expect(message).not.toContain('add `export`');
  });

  it.skipIf(acorn === undefined)('is never told to edit a file under node_modules', async () => {
    const method = acorn!.Parser.prototype.parse as unknown as (x: number) => unknown;
    const message = await refusal(threads.ppeval(method, array([1])));
    expect(message).toContain('defined inside the package `acorn`');
    expect(message).not.toMatch(/add `export`|move it/);
  });
});
