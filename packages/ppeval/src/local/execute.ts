/**
 * The worker side of every backend: runs one batch of elements and reports each element's
 * outcome. The tinypool worker entry (`worker.ts`) calls {@link executeBatch}; every backend
 * runs its batches through that entry (a Redis worker embeds the local backend).
 *
 * @module
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

import { decodeBroadcast } from '../wire/broadcast.js';
import { loadFunction } from '../locate/load.js';
import type { BatchRequest, BatchResult, ElementResult } from '../wire/protocol.js';
import { serializeError } from '../wire/serialize-error.js';
import { applyFixups, encodeValue, reachableBuffers } from '../wire/values.js';

/** Options of {@link executeBatch}. */
export interface ExecuteOptions {
  /** Names this worker in statistics. @defaultValue `thread:<threadId>` or `process:<pid>` */
  workerId?: string;
  /** Whether results may contain bare SharedArrayBuffers (threads only). @defaultValue false */
  allowSharedBuffers?: boolean;
  /**
   * Receives the ArrayBuffers that the results own wholly (see `isTransferable` in
   * `wire/values.ts`), for the transfer list of the answer (threads). The broadcast arguments'
   * buffers are never among them: the worker keeps those for the call's later elements.
   * Collected only for a request with `transferResults`.
   * @defaultValue nothing is collected
   */
  transfer?: ArrayBuffer[];
}

/**
 * How many calls' broadcast arguments a worker keeps: the current call and one overlapping it.
 * More would hold finished calls' copies (a child process deserializes its own) in memory; with
 * more calls interleaved on one pool, a worker reloads a broadcast it evicted (correct, slower).
 */
const BROADCAST_CACHE_SIZE = 2;

const broadcastCache = new Map<string, Promise<unknown[]>>();
/** The buffers of each cached broadcast, which results must not transfer away. */
const broadcastBuffers = new WeakMap<unknown[], Set<ArrayBufferLike>>();
let exitRequested: number | undefined;

/** Thrown by the guarded `process.exit` of a worker thread (see {@link installExitGuard}). */
class WorkerExitSignal extends Error {
  readonly exitCode: number;

  constructor(exitCode: number) {
    super(`process.exit(${exitCode}) was called in a worker`);
    this.name = 'WorkerExit';
    this.exitCode = exitCode;
  }
}

/**
 * Makes `process.exit()` in a worker thread end the thread in a way the pool notices. A worker
 * thread that calls `process.exit()` just stops, and tinypool (like piscina) never settles the
 * task it was running: the call would hang. The guard turns the exit into an uncaught error,
 * which the pool reports for that task and then replaces the worker. No-op on the main thread
 * and in child processes (whose exit the pool sees).
 */
export function installExitGuard(): void {
  if (isMainThread || (process.exit as { ppevalGuard?: boolean }).ppevalGuard) return;
  const exit = process.exit.bind(process);
  const guarded = (code?: number | string | null): never => {
    // Node's own handler of an uncaught error in a worker ends the thread through
    // process.exit(1): that exit must go through, it is how the pool learns of the error.
    if (new Error().stack?.includes('node:internal/main/worker_thread')) return exit(code);
    exitRequested = Number(code ?? process.exitCode ?? 0) || 0;
    throw new WorkerExitSignal(exitRequested);
  };
  (guarded as { ppevalGuard?: boolean }).ppevalGuard = true;
  process.exit = guarded as typeof process.exit;
}

/**
 * Runs every element of `request` in order, in this worker, and reports each outcome. Never
 * rejects because of an element: what an element throws (or returns that cannot be sent back)
 * becomes that element's serialized error, and the batch goes on. Loads the function once per
 * worker and the broadcast arguments once per call.
 *
 * @example
 * ```ts
 * // in a worker thread or child process of the local backend
 * const result = await executeBatch(request, { allowSharedBuffers: !isMainThread });
 * ```
 */
export async function executeBatch(
  request: BatchRequest,
  options: ExecuteOptions = {},
): Promise<BatchResult> {
  const started = performance.now();
  const workerName = options.workerId ?? workerId();
  let fn: (...args: unknown[]) => unknown;
  let broadcast: unknown[];
  let broadcastLoaded = false;
  let functionUnavailable = false;
  try {
    functionUnavailable = true;
    fn = await loadFunction(request.fn);
    functionUnavailable = false;
    let cached = broadcastCache.get(request.callId);
    if (cached === undefined) {
      cached = decodeBroadcast(request.broadcast);
      broadcastLoaded = true;
      broadcastCache.set(request.callId, cached);
      cached.catch(() => broadcastCache.delete(request.callId));
      if (broadcastCache.size > BROADCAST_CACHE_SIZE) {
        broadcastCache.delete(broadcastCache.keys().next().value as string);
      }
    }
    broadcast = await cached;
  } catch (error) {
    // The module or the broadcast could not be loaded: every element fails with that reason.
    const failed: ElementResult = { ok: false, error: serializeError(error) };
    return {
      results: request.indices.map(() => failed),
      busyMs: performance.now() - started,
      fnMs: 0,
      workerId: workerName,
      broadcastLoaded,
      ...(functionUnavailable ? { functionUnavailable } : {}),
    };
  }

  applyFixups(request.fixups);
  // Only when the caller asked: a moved buffer is emptied in the worker, which a function that
  // keeps what it returns (a cache) would notice on its next call.
  const transfer = options.transfer !== undefined &&
    request.transferResults === true && {
      into: new Set<ArrayBuffer>(),
      keep: keptBuffers(broadcast),
    };
  const encodeOptions = {
    role: 'result',
    allowSharedBuffer: options.allowSharedBuffers ?? false,
    instances: request.instances ?? 'refuse',
    ...(transfer ? { transfer } : {}),
  } as const;
  // One list for the whole answer: a buffer two results share must be listed once.
  const toTransfer = new Set<ArrayBuffer>();
  const results: ElementResult[] = [];
  let fnMs = 0;
  for (const values of request.elements) {
    const args = request.slots.map((slot) =>
      slot.from === 'd' ? values[slot.index] : broadcast[slot.index],
    );
    const t0 = performance.now();
    try {
      let value = fn(...args);
      if (isThenable(value)) value = await value;
      const { problem, fixups } = encodeValue(value, encodeOptions);
      if (transfer) {
        // A refused value stays in the worker: its buffers must not be detached.
        if (problem === undefined) for (const b of transfer.into) toTransfer.add(b);
        transfer.into.clear();
      }
      results.push(
        problem !== undefined
          ? {
              ok: false,
              error: serializeError(
                new TypeError(
                  `The function returned a value that cannot go back to the caller: ${problem}.`,
                ),
              ),
            }
          : fixups === undefined
            ? { ok: true, value }
            : { ok: true, value, fixups },
      );
    } catch (error) {
      if (exitRequested === undefined) results.push({ ok: false, error: serializeError(error) });
    }
    fnMs += performance.now() - t0;
    if (exitRequested !== undefined) await dieLikeExit(exitRequested);
  }
  if (transfer) options.transfer!.push(...toTransfer);
  return {
    results,
    busyMs: performance.now() - started,
    fnMs,
    workerId: workerName,
    broadcastLoaded,
  };
}

function keptBuffers(broadcast: unknown[]): Set<ArrayBufferLike> {
  let kept = broadcastBuffers.get(broadcast);
  if (kept === undefined) {
    kept = reachableBuffers(broadcast);
    broadcastBuffers.set(broadcast, kept);
  }
  return kept;
}

/** The element called process.exit(): end the thread with an uncaught error, never answer. */
function dieLikeExit(code: number): Promise<never> {
  setImmediate(() => {
    throw new WorkerExitSignal(code);
  });
  return new Promise<never>(() => undefined);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** This worker's name in statistics: `thread:<pid>.<threadId>` or `process:<pid>`. */
export function workerId(): string {
  return isMainThread ? `process:${process.pid}` : `thread:${process.pid}.${threadId}`;
}
