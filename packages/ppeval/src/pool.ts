/**
 * Pools: {@link createPool} for a pool reused across calls, and the lazily created default pool
 * behind the top-level {@link ppeval}.
 *
 * @module
 */
import type { Backend } from './backend.js';
import { createBackend } from './backends.js';
import type { PoolOptions } from './options.js';
import type { Ppeval } from './ppeval.js';
import { makePpeval } from './ppeval.js';
import { poolOver, type Pool } from './pool-over.js';
import type { RedisPoolOptions } from './redis/pool.js';

export type { Pool } from './pool-over.js';

/**
 * Creates a pool of workers, started on first use and reused across calls: worker threads or
 * child processes on this machine, or, with `{ backend: 'redis', url }`, `ppeval-worker`
 * processes on any machine sharing a Redis server (see docs/redis.md). `backend` names an entry
 * of the registry of backends (`'local'`, the default, or `'redis'`); the other options are that
 * backend's. Throws `PpevalArgumentError` for an invalid option or an unknown backend, naming
 * the registered ones.
 *
 * @example
 * ```ts
 * const pool = createPool({ concurrency: 4, runtime: 'processes' });
 * try {
 *   const codes = await pool.ppeval(compress, array(range(0, 16)), 50);
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export function createPool(options?: PoolOptions): Pool;
export function createPool(options: RedisPoolOptions): Pool;
export function createPool(options?: PoolOptions | RedisPoolOptions): Pool {
  const { backend, runtime } = createBackend(options);
  return poolOver(backend, runtime);
}

let defaultBackend: Backend | undefined;

/**
 * Runs `fn(element, ...broadcast)` for every element of the distributed arguments on the
 * default pool (one worker thread per core) and resolves with the results in element order.
 *
 * `fn` is an ordinary function exported at the top level of a module (ESM, CommonJS, or
 * TypeScript through tsx), of an installed package, or of a Node built-in module; or the
 * explicit form `{ module, export }`. Arguments made by `array()` or `split()` are distributed
 * (several of them are zipped); every other argument goes whole to every element.
 *
 * Rejects with `TaskError` (the element's error as `cause`) when an element throws, with
 * `WorkerExitError` when its worker dies, `LocateError` when `fn` cannot be run by workers,
 * `PpevalArgumentError` for bad arguments, before any work starts.
 *
 * @example
 * ```ts
 * import { ppeval, array, range } from 'ppeval';
 * import { compress } from './imageprocess.js';
 *
 * const codes = await ppeval(compress, array(range(0, 16)), 50); // compress(k, 50) for k < 16
 * const run = ppeval.with({ timeout: 60_000, onProgress: (done, total) => draw(done, total) });
 * const again = await run(compress, array(range(0, 16)), 50);
 * for await (const { index, value } of ppeval.stream(compress, array(range(0, 16)), 50)) {
 *   save(index, value);
 * }
 * ```
 */
export const ppeval: Ppeval = makePpeval(
  // Created on the first call; its idle workers never keep the process alive, so it needs no
  // closing.
  () => (defaultBackend ??= createBackend({}).backend),
);
