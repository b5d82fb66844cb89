/**
 * Batches as stored in Redis: a batch's elements travel as one BullMQ job's payload (base64 of
 * `v8.serialize`), split into several jobs when larger than the pool's `maxPayloadBytes`; the
 * results of a split batch are put back together in element order.
 *
 * @module
 */
import { serialize } from 'node:v8';
import { PpevalArgumentError } from '../errors.js';
import type { BatchRequest, BatchResult } from '../wire/protocol.js';

/**
 * Serializes a batch without its function and broadcast (the call's hash holds them): one
 * base64 string per job, halving the batch until each part fits in `maxPayloadBytes`. Throws
 * {@link PpevalArgumentError} for arguments that cannot be serialized or a single element too
 * large to store.
 */
export function encodeBatch(batch: BatchRequest, maxPayloadBytes: number): string[] {
  let bytes: Buffer;
  const { callId, slots, indices, elements, fixups, instances } = batch;
  try {
    // Fixups point into `elements`: one serialized message keeps them pointing there.
    bytes = serialize({ callId, slots, indices, elements, fixups, instances });
  } catch (err) {
    throw new PpevalArgumentError(
      `The arguments of elements ${indices[0]} to ${indices.at(-1)} cannot be stored in ` +
        `Redis: ${(err as Error).message}`,
      { cause: err },
    );
  }
  // Base64 in the job's JSON: 4/3 of the bytes.
  const stored = Math.ceil(bytes.byteLength / 3) * 4;
  if (stored <= maxPayloadBytes) return [bytes.toString('base64')];
  if (indices.length === 1) {
    checkSize(stored, maxPayloadBytes, `The arguments of element ${indices[0]}`);
  }
  const half = Math.ceil(indices.length / 2);
  const split = (from: number, to: number): BatchRequest => ({
    ...batch,
    indices: indices.slice(from, to),
    elements: elements.slice(from, to),
  });
  return [
    ...encodeBatch(split(0, half), maxPayloadBytes),
    ...encodeBatch(split(half, indices.length), maxPayloadBytes),
  ];
}

/** The result of a batch that was split into several jobs, from theirs in element order. */
export function mergeResults(results: readonly BatchResult[]): BatchResult {
  return {
    results: results.flatMap((r) => r.results),
    busyMs: results.reduce((sum, r) => sum + r.busyMs, 0),
    fnMs: results.reduce((sum, r) => sum + r.fnMs, 0),
    workerId: (results[0] as BatchResult).workerId,
    broadcastLoaded: results.some((r) => r.broadcastLoaded),
    functionUnavailable: results.some((r) => r.functionUnavailable === true),
  } as BatchResult;
}

/** Throws {@link PpevalArgumentError} naming `what` when `bytes` exceed `limit`. */
export function checkSize(bytes: number, limit: number, what: string): void {
  if (bytes <= limit) return;
  throw new PpevalArgumentError(
    `${what} take ${formatBytes(bytes)} in Redis, over the pool's \`maxPayloadBytes\` of ` +
      `${formatBytes(limit)}. Raise \`maxPayloadBytes\` (Redis itself accepts up to 512 MB per ` +
      'value, and holds every pending payload in memory), or put large data where the workers ' +
      'can read it (a shared file system, object storage) and pass its path.',
  );
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
