/**
 * The tinypool worker entry (threads and child processes): one task is one batch of elements.
 *
 * @module
 */
import { isMainThread, workerData } from 'node:worker_threads';

import { executeBatch, installExitGuard } from './execute.js';
import { watchParent } from './parent-watchdog.js';
import type { BatchRequest, BatchResult } from '../wire/protocol.js';
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

/** Runs one batch (see `executeBatch`), and answers once its elements' stray faults surfaced. */
export default async function runBatch(request: BatchRequest): Promise<BatchResult> {
  const result = await executeBatch(request, { allowSharedBuffers });
  await strayFaultsSurface();
  return result;
}
