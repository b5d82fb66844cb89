import Tinypool from 'tinypool';
import { describe, expect, it } from 'vitest';

import { childrenOf, running, until } from '../helpers/processes.js';
import {
  TINYPOOL_MESSAGES,
  childProcesses,
  isProcessExit,
  isTermination,
  removeWorker,
} from '../../src/local/tinypool-adapter.js';

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

describe("tinypool's worker wrappers, as the local backend reaches into them", () => {
  it("lists a child process pool's children, and none for threads", async () => {
    const processes = new Tinypool({
      filename,
      runtime: 'child_process',
      minThreads: 0,
      maxThreads: 1,
    });
    const busy = processes.run('wait').catch(() => undefined);
    await until(() => childProcesses(processes).length === 1, 5000);
    const [child] = childProcesses(processes);
    expect(child!.pid).toBeGreaterThan(0);
    expect(childrenOf(process.pid)).toContain(child!.pid);
    await processes.destroy();
    await busy;
    const threads = new Tinypool({ filename, minThreads: 1, maxThreads: 1 });
    expect(childProcesses(threads)).toEqual([]);
    await threads.destroy();
  });

  it('removes one worker by its id, failing its task with the error given', async () => {
    const pool = new Tinypool({ filename, minThreads: 0, maxThreads: 1 });
    // tinypool passes the wrapper's error on to the pool's own 'error' event (the local
    // backend listens there): unheard, it would throw.
    const seen: unknown[] = [];
    pool.on('error', (e: unknown) => seen.push(e));
    const task = pool.run('wait').catch((e: unknown) => e);
    await until(() => pool.threads.length === 1, 5000);
    const id = (pool.threads[0] as unknown as { threadId: number }).threadId;
    const error = new Error('retired');
    expect(removeWorker(pool, id + 1000, error)).toBe(false);
    expect(removeWorker(pool, id, error)).toBe(true);
    const ids = (): number[] =>
      (pool.threads as unknown as ({ threadId: number } | null)[]).map((w) => w?.threadId ?? -1);
    expect(await until(() => !ids().includes(id), 5000)).toBe(true);
    expect(seen).toEqual([error]);
    await pool.destroy();
    await task;
  });
});
