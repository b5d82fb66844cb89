/**
 * The tinypool worker entry (threads and child processes): one task is one batch of elements.
 *
 * @module
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { kTransferable, kValue, markMovable } from 'tinypool';

import { executeBatch, installExitGuard, workerId } from './execute.js';
import { watchParent } from './parent-watchdog.js';
import type { LocalAnswer, LocalTask } from './recycle.js';
import { strayFaultsSurface } from './stray-faults.js';

/** What the local backend tells its worker threads (tinypool's `workerData`). */
export interface WorkerSettings {
  /** Whether results may hold bare SharedArrayBuffers (see `LocalBackendSettings`). */
  readonly sharedResults: boolean;
}

installExitGuard();
// A child process ends with its caller, even while an element keeps it busy.
if (isMainThread && process.send !== undefined) watchParent();

// tinypool hands a thread `[its own data, the pool's workerData]`; child processes get none.
const settings = (isMainThread ? undefined : (workerData as unknown[] | undefined)?.[1]) as
  WorkerSettings | undefined;
const allowSharedBuffers = !isMainThread && settings?.sharedResults !== false;

/** Elements this worker ran, for its quota (see `recycle.ts`). */
let elementsRun = 0;
let retiring = false;

/**
 * Runs one batch (see `executeBatch`), and answers once its elements' stray faults surfaced.
 * A worker with a quota refuses a batch that would take it past the quota (see `recycle.ts`).
 * On threads, the ArrayBuffers that the results own wholly are transferred, not copied.
 */
export default async function runBatch(task: LocalTask): Promise<LocalAnswer> {
  const quota = task.maxElements;
  const size = task.indices.length;
  // This worker already gave its last answer, and the pool is removing it: it fails the batches
  // it still holds with WorkerRetired (resent elsewhere). Answering them would be worse: tinypool
  // takes any answer of a removed worker as a sign that it is free for the next batch.
  if (retiring) return new Promise<never>(() => undefined);
  if (quota !== undefined && elementsRun > 0 && elementsRun + size > quota) {
    retiring = true;
    return { retired: true, workerId: workerId() };
  }
  const transfer: ArrayBuffer[] | undefined = isMainThread ? undefined : [];
  const result = await executeBatch(task, {
    allowSharedBuffers,
    ...(transfer ? { transfer } : {}),
  });
  await strayFaultsSurface();
  elementsRun += size;
  const answer: LocalAnswer =
    quota !== undefined && elementsRun >= quota ? { ...result, retire: true } : result;
  if (quota !== undefined && elementsRun >= quota) retiring = true;
  return transfer === undefined || transfer.length === 0 ? answer : movable(answer, transfer);
}

/** Wraps an answer so that tinypool's thread entry posts it with `transfer` as transfer list. */
function movable(answer: LocalAnswer, transfer: ArrayBuffer[]): LocalAnswer {
  const wrapped = { [kTransferable]: transfer, [kValue]: answer };
  markMovable(wrapped);
  return wrapped as unknown as LocalAnswer;
}
