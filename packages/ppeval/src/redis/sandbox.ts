/**
 * Entry of a Redis worker's sandbox thread: runs one batch at a time with the runtime's own
 * `executeBatch`, so results and errors are exactly those of the local pool. The worker
 * process's main thread only talks to Redis, so a CPU-bound function never delays the renewal
 * of its job's lock.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { executeBatch, installExitGuard } from '../execute.js';
import type { BatchRequest } from '../protocol.js';
import { serializeError } from '../serialize-error.js';

/** A message from the worker's main thread. */
export interface SandboxRequest {
  readonly request: BatchRequest;
}

/** A message back: the batch's result, or a failure of the executor itself (not an element). */
export type SandboxReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: ReturnType<typeof serializeError> };

const port = parentPort;
if (port === null) throw new Error('ppeval: redis/sandbox.js must run in a worker thread.');

// process.exit() in the function ends this thread visibly (the batch fails and is retried).
installExitGuard();

port.on('message', (message: SandboxRequest) => {
  executeBatch(message.request).then(
    (result) => port.postMessage({ ok: true, result } satisfies SandboxReply),
    (err: unknown) =>
      port.postMessage({ ok: false, error: serializeError(err) } satisfies SandboxReply),
  );
});
