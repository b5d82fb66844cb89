/**
 * Everything the local backend knows of tinypool beyond its public API, in one place, pinned by
 * test/local/tinypool-adapter.test.ts so that a tinypool upgrade that changes any of it fails
 * that test instead of silently changing how the local backend reads a lost batch:
 * - the errors tinypool reports in words only (it rejects a task with a plain `Error` whose
 *   message is the only thing that tells what happened);
 * - its worker wrappers (`pool.threads`): a child process's `process`, and `threadId` (a
 *   thread's id, a child's pid), whose `'error'` event makes tinypool remove and replace it.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import type Tinypool from 'tinypool';

/** tinypool's messages, as of tinypool 2.2. */
export const TINYPOOL_MESSAGES = {
  /** A task of a worker that tinypool terminated (`destroy()`, or an abort of another task). */
  termination: 'Terminating worker thread',
  /** A task whose child process (`runtime: 'child_process'`) exited under it. */
  processExit: 'Worker exited unexpectedly',
} as const;

/**
 * Whether tinypool terminated the worker under this task.
 *
 * @example
 * ```ts
 * if (isTermination(error)) continue; // an innocent batch: send it again
 * ```
 */
export function isTermination(error: unknown): boolean {
  return error instanceof Error && error.message === TINYPOOL_MESSAGES.termination;
}

/**
 * Whether the child process running this task exited (exit call, crash, signal).
 *
 * @example
 * ```ts
 * if (isProcessExit(error)) reason = 'the child process exited';
 * ```
 */
export function isProcessExit(error: unknown): boolean {
  return error instanceof Error && error.message === TINYPOOL_MESSAGES.processExit;
}

/** The part of tinypool's worker wrapper (`pool.threads`) that the local backend uses. */
interface TinypoolWrapper {
  readonly threadId: number;
  readonly process?: ChildProcess;
  emit(event: 'error', error: Error): boolean;
}

/** The child processes of a `runtime: 'child_process'` pool (none for threads). */
export function childProcesses(pool: Tinypool): ChildProcess[] {
  const wrappers = pool.threads as unknown as (TinypoolWrapper | null)[];
  return wrappers.flatMap((w) => (w?.process === undefined ? [] : [w.process]));
}

/**
 * Makes tinypool remove and replace one worker (a thread's id or a child's pid), failing the
 * tasks it holds with `error`: tinypool has no call for it, but does so for a worker whose
 * wrapper reports an error. Returns whether the worker was found.
 */
export function removeWorker(pool: Tinypool, threadId: number, error: Error): boolean {
  const wrappers = pool.threads as unknown as (TinypoolWrapper | null)[];
  const worker = wrappers.find((w) => w?.threadId === threadId);
  return worker?.emit('error', error) !== undefined;
}
