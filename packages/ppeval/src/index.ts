/**
 * ppeval: Star-P's task-parallel map for Node.js. Runs an ordinary exported function over the
 * elements of distributed arguments on every core, and gathers the results in order.
 *
 * @packageDocumentation
 */
export { ppeval, createPool } from './pool.js';
export type { Pool } from './pool.js';
export type {
  AnyFunction,
  ArgsFor,
  Ppeval,
  PpevalArg,
  PpevalArgs,
  PpevalStream,
  PpevalTarget,
  ResultFor,
  ResultOf,
  Settled,
  SettlingPpeval,
  StreamItem,
} from './ppeval.js';
export { array, bcast, range, split, Broadcast, DistArray } from './dist-array.js';
export type { NdArray, TypedArray } from './dist-array.js';
export type { PoolOptions, PpevalOptions } from './options.js';
export type { RedisPoolOptions } from './redis/pool.js';
export type { Runtime } from './local/backend.js';
export type { PoolRuntime } from './backend.js';
export type { CallStats, ProgressInfo, WorkerStats } from './stats.js';
export type { ExplicitFunction, FunctionRef } from './locate/locate.js';
export {
  PpevalError,
  PpevalArgumentError,
  LocateError,
  ElementError,
  TaskError,
  WorkerExitError,
  ElementTimeoutError,
  AbortError,
  PoolClosedError,
  BackendError,
} from './errors.js';
export type { PpevalErrorCode } from './errors.js';
