/**
 * The dispatch interface under every pool: the call engine (`run-call.ts`) decides *what* runs
 * (partitioning, batch sizes, retries, fail-fast, settling, progress, statistics); a backend
 * decides *where*. Because all policy lives in the engine, every backend gives the same results,
 * the same errors and accepts the same options.
 *
 * Implementations:
 * - `local/backend.ts`: worker threads or child processes on this machine, through tinypool.
 * - `redis/backend.ts`: `ppeval-worker` processes on any machine, sharing a BullMQ queue; each
 *   runs the batches it takes on a local backend of its own (`redis/worker.ts`), so a batch
 *   behaves the same on every backend.
 *
 * Each is registered by name in `backends.ts` (its `pool.ts` validates its options and makes
 * it), which is how `createPool({ backend })` finds it.
 *
 * ## Writing a backend
 * 1. `openCall(spec)` is called once per call, before any batch. Store the broadcast arguments
 *    once (a SharedArrayBuffer, a temporary file, a Redis key) and return a {@link CallSession}
 *    whose `broadcast` ref every batch carries. A worker resolves that ref once per call and
 *    caches it (`executeBatch` in `local/execute.ts`). A remote worker reads what the caller
 *    stored once per call and opens a local call with it (`LocalBackend.openEncodedCall`).
 * 2. `session.run(batch, signal)` sends one batch of consecutive elements to a worker and
 *    resolves with the worker's {@link BatchResult}. The worker side must be
 *    `executeBatch(batch)` (from `local/execute.ts`), which never rejects for an element's error: it
 *    serializes each element's outcome. So `run` rejects only when:
 *    - the worker died while running the batch: reject with {@link BatchLostError} (the engine
 *      re-runs a lost multi-element batch one element at a time to find the culprit, then
 *      applies the `retries` option);
 *    - `signal` was aborted (caller abort, element timeout, fail-fast): stop the batch as fast as
 *      possible (terminate the busy worker, drop the queued job) and reject with anything; the
 *      engine knows why it aborted;
 *    - the backend itself failed (connection lost for good): reject with `BackendError`; the
 *      call fails as a whole.
 * 3. `session.close()` is called exactly once when the call ends (success, failure or abort),
 *    after every `run` has settled: delete what `openCall` stored.
 * 4. `capacity` is how many batches the engine keeps in flight on this backend: twice the worker
 *    count locally, so a worker finds its next batch already queued; a remote backend may
 *    report a large number (its queue is the buffer), the engine still sizes batches from the
 *    measured time per element.
 *
 * @module
 */
import type { FunctionRef } from './locate/locate.js';
import type { BatchRequest, BatchResult, BroadcastRef } from './wire/protocol.js';

/** What a backend learns about a call before its first batch. */
export interface CallSpec {
  /**
   * Unique id of the call, made by the engine; also in every {@link BatchRequest}. The only
   * call id: a backend names what it stores for the call (temporary files, Redis keys, jobs)
   * after it rather than making its own.
   */
  readonly callId: string;
  /** The function, located on the caller's side. */
  readonly fn: FunctionRef;
  /** The broadcast arguments' values, in broadcast order (already checked to be sendable). */
  readonly broadcast: readonly unknown[];
  /** Number of elements of the call; undefined for a lazy input, known only at its end. */
  readonly total: number | undefined;
}

/** One call's handle on a backend. */
export interface CallSession {
  /** The ref every batch of the call carries to find the broadcast arguments. */
  readonly broadcast: BroadcastRef;
  /**
   * Run one batch on some worker. Resolves with the worker's result; rejects with
   * {@link BatchLostError} when the worker died, or with anything once `signal` aborted.
   */
  run(batch: BatchRequest, signal: AbortSignal): Promise<BatchResult>;
  /** Release what the call stored (temporary files, keys). Called once, after every run. */
  close(): Promise<void>;
}

/** A place where batches run. See the module documentation for the contract. */
export interface Backend {
  /**
   * `'threads'`, `'processes'`, `'redis'`: names the workers in messages (`runtimeLabel`) and
   * statistics. Never a switch for behaviour: that is what the capabilities below are for.
   */
  readonly kind: string;
  /** Number of workers (the parallelism the scheduler balances over). */
  readonly workers: number;
  /** Number of batches the engine may keep in flight at once. */
  readonly capacity: number;
  /**
   * Whether typed arrays in SharedArrayBuffers reach the workers without copying (threads). The
   * partitioner then places split typed arrays in shared memory.
   */
  readonly sharedMemory: boolean;
  /**
   * Capability: what this backend offers for code that keeps killing its workers, as the end
   * of a sentence (`"use runtime: 'processes' to isolate code that can crash."`), for the
   * `WorkerExitError` of an element that died on every attempt. The engine never looks at
   * `kind`: a backend states what it can do here instead.
   * @defaultValue `'fix the crash.'`
   */
  readonly crashAdvice?: string | undefined;
  /**
   * The most elements one batch may hold on this backend (a worker's element quota, see the
   * `maxElementsPerWorker` option); absent: no limit of the backend's own.
   */
  readonly maxBatch?: number | undefined;
  /** Prepare a call: store its broadcast arguments once. */
  openCall(spec: CallSpec): Promise<CallSession>;
  /** Stop every worker and release every resource. Idempotent. */
  close(): Promise<void>;
}

/**
 * Where a pool's workers run, as `Pool.runtime` reports it: `'threads'` or `'processes'` on
 * this machine, `'redis'` for `ppeval-worker` processes behind a Redis server (each of which
 * chooses its own sandbox, which the caller cannot know).
 */
export type PoolRuntime = 'threads' | 'processes' | 'redis';

/**
 * One kind of backend: how `createPool({ backend: name, ...options })` checks its options and
 * makes it. `Settings` is what {@link BackendDefinition.resolveOptions} returns.
 *
 * @example
 * ```ts
 * export const inlineBackend: BackendDefinition<number> = {
 *   resolveOptions: (options) => integerOption(checkOptions(options, shape).workers, 'workers', 1, 1),
 *   create: (workers) => new InlineBackend(workers),
 *   runtime: () => 'threads',
 * };
 * ```
 */
export interface BackendDefinition<Settings = unknown> {
  /**
   * Validates the options of `createPool` (every key but `backend`), applies the defaults, and
   * throws {@link PpevalArgumentError} for a bad or unknown option. Starts nothing.
   */
  readonly resolveOptions: (options: Record<string, unknown>) => Settings;
  /** Makes the backend from validated settings; it starts its workers when first used. */
  readonly create: (settings: Settings) => Backend;
  /** What `Pool.runtime` reports for these settings. */
  readonly runtime: (settings: Settings) => PoolRuntime;
}

/**
 * A batch was lost because its worker died (exit, crash, heap limit, killed process) before it
 * answered. Internal to the engine/backend boundary: the engine turns it into a
 * `WorkerExitError` for the culprit element.
 */
export class BatchLostError extends Error {
  /** The worker's exit code, where known. */
  readonly exitCode: number | undefined;

  constructor(message: string, exitCode?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BatchLostError';
    this.exitCode = exitCode;
  }
}
