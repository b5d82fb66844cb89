/**
 * Faults an element leaves behind when it returns: a promise rejected with no handler, an
 * immediate that throws. Node reports them only once the current macrotask is over, and sync
 * elements of a batch all run in one macrotask, so a worker answering at once would die *after*
 * its batch: the crash would land on whatever batch the worker took next (another element,
 * another call), or go unnoticed on an idle worker, where `xs.map(f)` would have crashed.
 *
 * @module
 */
import { setImmediate } from 'node:timers';

/**
 * Waits one macrotask, so that what the batch's elements left behind surfaces while the batch
 * is still in flight: with Node's default `--unhandled-rejections=throw` the worker then dies
 * under this batch, which the engine re-runs one element at a time to find the culprit.
 *
 * @example
 * ```ts
 * const result = await executeBatch(request);
 * await strayFaultsSurface();
 * return result;
 * ```
 */
export function strayFaultsSurface(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
