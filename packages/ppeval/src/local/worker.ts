/**
 * The tinypool worker entry (threads and child processes): one task is one batch of elements.
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads';

import { executeBatch, installExitGuard } from './execute.js';
import { watchParent } from './parent-watchdog.js';
import type { BatchRequest, BatchResult } from '../wire/protocol.js';
import { strayFaultsSurface } from './stray-faults.js';

installExitGuard();
// A child process ends with its caller, even while an element keeps it busy.
if (isMainThread && process.send !== undefined) watchParent();

/** Runs one batch (see `executeBatch`), and answers once its elements' stray faults surfaced. */
export default async function runBatch(request: BatchRequest): Promise<BatchResult> {
  const result = await executeBatch(request, { allowSharedBuffers: !isMainThread });
  await strayFaultsSurface();
  return result;
}
