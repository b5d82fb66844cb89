/**
 * The {@link Pool} object around a backend, the same for every backend, so that all pools
 * behave the same once closed.
 *
 * @module
 */
import type { Backend, PoolRuntime } from './backend.js';
import { PoolClosedError } from './errors.js';
import type { Ppeval, PpevalStream } from './ppeval.js';
import { makePpeval } from './ppeval.js';

/**
 * A set of workers reused across calls. Made by {@link createPool}.
 *
 * @example
 * ```ts
 * const pool = createPool({ concurrency: 2 });
 * const squares = await pool.ppeval(square, array([1, 2, 3]));
 * await pool.close();
 * ```
 */
export interface Pool {
  /** `pool.ppeval(fn, ...args)`: like the top-level {@link ppeval}, on this pool's workers. */
  readonly ppeval: Ppeval;
  /** `pool.stream(fn, ...args)`: the same as `pool.ppeval.stream`. */
  readonly stream: PpevalStream;
  /**
   * Number of workers (Star-P's `np`). A Redis pool's is the number of worker threads
   * registered when it last looked, so it can change.
   */
  readonly concurrency: number;
  /**
   * Where the workers run: `'threads'` or `'processes'` on this machine, `'redis'` for
   * `ppeval-worker` processes behind a Redis server (each chooses its own sandbox).
   */
  readonly runtime: PoolRuntime;
  /**
   * Terminates every worker. Calls still running reject with `PoolClosedError`, and so do later
   * calls. Idempotent.
   */
  close(): Promise<void>;
}

/** Builds a pool over `backend`; its `concurrency` is `backend.workers`, read each time. */
export function poolOver(backend: Backend, runtime: PoolRuntime): Pool {
  let closed = false;
  const ppeval = makePpeval((): Backend => {
    if (closed) throw new PoolClosedError();
    return backend;
  });
  return {
    ppeval,
    stream: ppeval.stream,
    get concurrency() {
      return backend.workers;
    },
    runtime,
    close: () => {
      closed = true;
      return backend.close();
    },
  };
}
