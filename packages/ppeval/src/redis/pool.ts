/**
 * A pool whose workers are `ppeval-worker` processes behind a Redis server:
 * `createPool({ backend: 'redis', url })` returns what {@link createRedisPool} builds, the same
 * {@link Pool} as the local one.
 *
 * @module
 */
import { PpevalArgumentError } from '../errors.js';
import type { Pool } from '../pool.js';
import { poolOver } from '../pool-over.js';
import { createRedisBackend } from './backend.js';
import { describeValue } from './connection.js';
import type { RedisBackendOptions } from './options.js';

/** Options of `createPool({ backend: 'redis', ... })`. */
export interface RedisPoolOptions extends RedisBackendOptions {
  /** Selects the Redis backend. */
  readonly backend: 'redis';
}

/**
 * Creates a pool that runs calls on `ppeval-worker` processes sharing the queue `queue` on the
 * Redis server at `url`. Throws `PpevalArgumentError` for a bad option; connects in the
 * background (the first call rejects with `BackendError` when Redis cannot be reached).
 * `concurrency` is the number of worker threads registered when the pool last looked.
 *
 * @example
 * ```ts
 * const pool = createPool({ backend: 'redis', url: 'redis://10.0.0.5:6379' });
 * try {
 *   const codes = await pool.ppeval(compress, array(range(0, 16)), 50);
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function createRedisPool(options: RedisPoolOptions): Pool {
  if (typeof options !== 'object' || options === null || options.backend !== 'redis') {
    throw new PpevalArgumentError(
      `Expected the options of a Redis pool to include backend: 'redis', got ${describeValue(options)}.`,
    );
  }
  const { backend: _backend, ...rest } = options;
  const backend = createRedisBackend(rest);
  // Each worker runs elements in worker threads.
  return poolOver(backend, () => backend.workers, 'threads');
}
