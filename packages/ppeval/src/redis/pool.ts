/**
 * The Redis backend's entry in the registry of backends (`backends.ts`):
 * `createPool({ backend: 'redis', url, ...RedisBackendOptions })` runs calls on `ppeval-worker`
 * processes behind a Redis server.
 *
 * @module
 */
import type { BackendDefinition } from '../backend.js';
import { RedisBackend } from './backend.js';
import { parseRedisUrl } from './connection.js';
import {
  resolveBackendOptions,
  type RedisBackendOptions,
  type ResolvedBackendOptions,
} from './options.js';

/**
 * Options of `createPool({ backend: 'redis', ... })`: the pool runs calls on `ppeval-worker`
 * processes sharing the queue `queue` on the Redis server at `url`. It connects in the
 * background (the first call rejects with `BackendError` when Redis cannot be reached), and
 * its `concurrency` is the number of worker threads registered when the pool last looked.
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
export interface RedisPoolOptions extends RedisBackendOptions {
  /** Selects the Redis backend. */
  readonly backend: 'redis';
}

/** `ppeval-worker` processes on any machine, sharing a BullMQ queue. */
export const redisBackend: BackendDefinition<ResolvedBackendOptions> = {
  resolveOptions: resolveBackendOptions,
  create: (settings) => new RedisBackend(settings, parseRedisUrl(settings.url, settings.tls)),
  // Each ppeval-worker picks its own sandbox (threads or processes); the caller cannot know
  // which, so the pool names where the workers are, not how they run.
  runtime: () => 'redis',
};
