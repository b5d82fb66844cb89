/**
 * The {@link Pool} object around a backend, shared by the local and the Redis pools so that both
 * behave the same once closed.
 *
 * @module
 */
import type { Backend } from './backend.js';
import { PoolClosedError } from './errors.js';
import type { Runtime } from './local/backend.js';
import type { Pool } from './pool.js';
import { makePpeval } from './ppeval.js';

/** Builds a pool over `backend`; `concurrency` is read each time (a Redis pool's can change). */
export function poolOver(backend: Backend, concurrency: () => number, runtime: Runtime): Pool {
  let closed = false;
  const ppeval = makePpeval((): Backend => {
    if (closed) throw new PoolClosedError();
    return backend;
  });
  return {
    ppeval,
    stream: ppeval.stream,
    get concurrency() {
      return concurrency();
    },
    runtime,
    close: () => {
      closed = true;
      return backend.close();
    },
  };
}
