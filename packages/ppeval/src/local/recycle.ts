/**
 * Worker recycling, the part both sides of the local backend share: what a batch carries to a
 * worker that has an element quota, and what the worker answers when it retires.
 *
 * A worker counts the elements it ran. It refuses (without running any of it) a batch that
 * would take it past its quota, or flags the batch that fills the quota: that is its last
 * answer; it never runs or answers another batch. The backend removes the worker as soon as it
 * sees that answer, which fails any batch tinypool handed it meanwhile with
 * {@link WorkerRetired}, and sends refused and failed batches again, to a fresh worker. Such a
 * batch never ran, so nothing runs twice.
 * The heap limit (`maxWorkerHeapMb`) is tinypool's own `maxMemoryLimitBeforeRecycle`.
 *
 * @module
 */
import type { BatchRequest, BatchResult } from '../wire/protocol.js';

/** A batch as the local backend hands it to tinypool. */
export interface LocalTask extends BatchRequest {
  /** The most elements this worker may run in its life; absent: no quota. */
  readonly maxElements?: number;
}

/** A retired worker's answer: the batch did not run. */
export interface Refusal {
  readonly retired: true;
  readonly workerId: string;
}

/** What a local worker answers: the batch's result, or a refusal because it retired. */
export type LocalAnswer =
  | (BatchResult & {
      /** This batch filled the worker's quota: replace the worker now. */
      readonly retire?: true;
    })
  | Refusal;

/** Whether the answer is a refusal: the batch did not run and must go to another worker. */
export function isRefusal(answer: LocalAnswer): answer is Refusal {
  return (answer as { retired?: unknown }).retired === true;
}

/**
 * The tinypool worker id behind one of ppeval's worker ids: a thread's `threadId`
 * (`thread:<pid>.<threadId>`) or a child's pid (`process:<pid>`), which is what tinypool's
 * worker wrappers call `threadId`.
 */
export function tinypoolWorkerId(workerId: string): number | undefined {
  const match = /^(?:thread:\d+\.(\d+)|process:(\d+))$/.exec(workerId);
  if (match === null) return undefined;
  return Number(match[1] ?? match[2]);
}

/** The error a retired worker is removed from tinypool with (see `LocalBackend`). */
export class WorkerRetired extends Error {
  constructor(workerId: string) {
    super(`worker ${workerId} reached its element quota and is being replaced`);
    this.name = 'WorkerRetired';
  }
}
