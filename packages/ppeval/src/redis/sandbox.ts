/**
 * Entry of a Redis worker's sandbox: a worker thread (default) or a child process
 * (`ppeval-worker --sandbox processes`). It runs one batch at a time with the runtime's own
 * `executeBatch`, so results and errors are exactly those of the local pool. The worker
 * process's main thread only talks to Redis, so a CPU-bound function never delays the renewal
 * of its job's lock.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { executeBatch, installExitGuard } from '../local/execute.js';
import { watchParent } from '../local/parent-watchdog.js';
import type { BatchRequest } from '../wire/protocol.js';
import { serializeError } from '../wire/serialize-error.js';
import { strayFaultsSurface } from '../local/stray-faults.js';

/** A message from the worker's main thread. */
export interface SandboxRequest {
  readonly request: BatchRequest;
}

/** A message back: the batch's result, or a failure of the executor itself (not an element). */
export type SandboxReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error: ReturnType<typeof serializeError> }
  /** A process sandbox lost the broadcast bytes of `{ kind: 'cached' }`: send them again. */
  | { readonly ok: false; readonly resend: true };

/** Broadcast bytes kept by a process sandbox: sent once per call, referred to afterwards. */
const MAX_CACHED_CALLS = 8;
const cachedBytes = new Map<string, Uint8Array>();

const port = parentPort;
const send = (reply: SandboxReply): void => {
  if (port !== null) port.postMessage(reply);
  else process.send?.(reply);
};

if (port === null) {
  if (process.send === undefined) {
    throw new Error('ppeval: redis/sandbox.js runs in a worker thread or a forked process.');
  }
  // The worker process died (kill -9): do not outlive it, even while an element is busy.
  watchParent();
}
// process.exit() in the function ends the sandbox visibly (the batch fails and is retried).
installExitGuard();

function onMessage(message: SandboxRequest): void {
  let request = message.request;
  const { broadcast, callId } = request;
  if (port === null && broadcast.kind === 'cached') {
    const bytes = cachedBytes.get(callId);
    if (bytes === undefined) {
      send({ ok: false, resend: true });
      return;
    }
    request = { ...request, broadcast: { kind: 'inline', bytes } };
  } else if (port === null && broadcast.kind === 'inline') {
    cachedBytes.set(callId, broadcast['bytes'] as Uint8Array);
    while (cachedBytes.size > MAX_CACHED_CALLS) {
      cachedBytes.delete(cachedBytes.keys().next().value as string);
    }
  }
  // Answers once what the elements left behind (an unhandled rejection) had its chance to end
  // this sandbox under this batch, not under the next one.
  executeBatch(request).then(
    (result) => strayFaultsSurface().then(() => send({ ok: true, result })),
    (err: unknown) => send({ ok: false, error: serializeError(err) }),
  );
}

if (port !== null) port.on('message', onMessage);
else process.on('message', onMessage as (message: unknown) => void);
