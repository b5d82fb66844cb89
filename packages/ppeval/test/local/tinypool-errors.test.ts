import Tinypool from 'tinypool';
import { describe, expect, it } from 'vitest';

import { childrenOf, running, until } from '../helpers/processes.js';
import {
  TINYPOOL_MESSAGES,
  isProcessExit,
  isTermination,
} from '../../src/local/tinypool-errors.js';

const filename = new URL('../fixtures/local/tinypool-task.mjs', import.meta.url).href;

// The local backend tells a lost batch from tinypool's words alone. These tests pin the words:
// a tinypool upgrade that changes them fails here, not as a silently different error later.
describe("tinypool's error texts, as the local backend reads them", () => {
  it('a task of a terminated worker fails with the termination text', async () => {
    const pool = new Tinypool({ filename, minThreads: 0, maxThreads: 1 });
    const busy = pool.run('wait');
    const queued = pool.run('wait');
    const outcomes = Promise.allSettled([busy, queued]);
    await pool.destroy();
    for (const outcome of await outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason.message).toBe(TINYPOOL_MESSAGES.termination);
      expect([isTermination(reason), isProcessExit(reason)]).toEqual([true, false]);
    }
  });

  it('a child process that exits under its task fails it with the process-exit text', async () => {
    const pool = new Tinypool({ filename, runtime: 'child_process', minThreads: 0, maxThreads: 1 });
    const reason = (await pool.run('exit').catch((e: unknown) => e)) as Error;
    expect(reason.message).toBe(TINYPOOL_MESSAGES.processExit);
    expect([isProcessExit(reason), isTermination(reason)]).toEqual([true, false]);
    await pool.destroy();
    // Nothing left running: tinypool's replacement child, if any, ends with destroy().
    expect(await until(() => childrenOf(process.pid).every((pid) => !running(pid)), 5000)).toBe(
      true,
    );
  });
});
