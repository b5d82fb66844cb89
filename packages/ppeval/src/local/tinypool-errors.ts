/**
 * The errors tinypool reports in words only: it rejects a task with a plain `Error` whose
 * message is the only thing that tells what happened. Its texts live here, and only here, so
 * that test/local/tinypool-errors.test.ts pins them: a tinypool upgrade that rewords them fails
 * that test instead of silently changing how the local backend reads a lost batch.
 *
 * @module
 */

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
