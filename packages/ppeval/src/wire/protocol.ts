/**
 * The wire format between the caller and the workers of every backend: what a batch of elements
 * looks like on its way to a worker, and what comes back. Everything here is plain data that the
 * structured-clone algorithm (threads), Node's advanced IPC serialization (child processes) or
 * `v8.serialize` (Redis) can carry.
 *
 * @module
 */
import type { FunctionRef } from '../locate/locate.js';
import type { SerializedError } from './serialize-error.js';
import type { Fixup } from './values.js';

/**
 * Where a worker finds the broadcast arguments of a call. Each worker resolves it once per call
 * and caches the result (see `executeBatch`), so a broadcast value crosses to a worker once per
 * call, not once per element or batch.
 *
 * - `inline`: the `v8.serialize` bytes travel in every batch (small payloads only).
 * - `shared`: the serialized bytes and every typed array in the values live in
 *   SharedArrayBuffers, which threads receive by reference: no copy at all.
 * - `file`: the serialized bytes were written once to a temporary file that each worker reads
 *   once (child processes); the caller deletes it when the call ends.
 * - `redis`: the bytes lie in the call's hash in Redis and never travel with a batch; the
 *   `ppeval-worker` reads them once per call and hands them to its local backend, which turns
 *   them into one of the kinds above (see `LocalBackend.openEncodedCall`). Workers themselves
 *   read only those.
 */
export type BroadcastRef =
  | { readonly kind: 'none' }
  | { readonly kind: 'inline'; readonly bytes: Uint8Array }
  | {
      readonly kind: 'shared';
      readonly bytes: Uint8Array;
      readonly views: readonly ArrayBufferView[];
    }
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: string; readonly [key: string]: unknown };

/**
 * How the arguments of one element are assembled in the worker: for each parameter position,
 * either the `index`-th distributed value of the element (`d`) or the `index`-th broadcast value
 * of the call (`b`).
 */
export type ArgSlot = { readonly from: 'd' | 'b'; readonly index: number };

/** One batch of consecutive elements of one call, as a worker receives it. */
export interface BatchRequest {
  /** Unique id of the call (cache key of its broadcast arguments in each worker). */
  readonly callId: string;
  /** The function to run, as located on the caller's side. */
  readonly fn: FunctionRef;
  /** The call's broadcast arguments, resolved once per worker per call. */
  readonly broadcast: BroadcastRef;
  /** The parameter list of every element. */
  readonly slots: readonly ArgSlot[];
  /** Element indices in the call (the distributed array's positions) of this batch. */
  readonly indices: readonly number[];
  /** For each element of the batch, its distributed values, in distributed-argument order. */
  readonly elements: readonly (readonly unknown[])[];
  /** Patches for `elements` (Buffers, null prototypes, errors), absent when there are none. */
  readonly fixups?: readonly Fixup[];
  /** Whether class instances in results travel as plain data. @defaultValue refused */
  readonly instances?: 'plain';
  /**
   * Whether the worker may move the ArrayBuffers its results own wholly instead of copying them
   * (the `transferResults` call option). @defaultValue copied
   */
  readonly transferResults?: true;
}

/** The outcome of one element: its value, or the error it threw, serialized. */
export type ElementResult =
  | { readonly ok: true; readonly value: unknown; readonly fixups?: readonly Fixup[] }
  | { readonly ok: false; readonly error: SerializedError };

/** What a worker sends back for a batch. */
export interface BatchResult {
  /** One outcome per element of the request, in the request's order. */
  readonly results: readonly ElementResult[];
  /**
   * Milliseconds the worker spent on this batch: resolving the broadcast arguments and running
   * every element (excludes the transport).
   */
  readonly busyMs: number;
  /**
   * Milliseconds spent in the user's function only, summed over the batch's elements: what the
   * scheduler divides by the element count to size later batches.
   */
  readonly fnMs: number;
  /** Which worker ran it, for per-worker statistics: `thread:3`, `process:4711`, `host:pid`. */
  readonly workerId: string;
  /** Whether this batch made the worker load the call's broadcast arguments (once per call). */
  readonly broadcastLoaded: boolean;
  /**
   * True when the worker could not load the function at all (its module failed to import, or
   * refused to load in a worker): every result then carries that error, and the caller fails
   * the whole call with `LocateError` whatever `settle` says.
   */
  readonly functionUnavailable?: boolean;
}
