/**
 * The options of {@link createPool} and of one call, their defaults and their run-time
 * validation. Messages say what was expected and what arrived, with its type.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';

import { describeValue } from './describe-value.js';
import { PpevalArgumentError } from './errors.js';
import type { Runtime } from './local/backend.js';
import type { CallStats, ProgressInfo } from './stats.js';
import { checkOptions, integerOption, oneOf, positiveNumberOption } from './validate.js';

/**
 * Options of {@link createPool}. A missing option or `undefined` means its default; `null` is
 * refused with {@link PpevalArgumentError}, for every option.
 *
 * @example
 * ```ts
 * const pool = createPool({ concurrency: 4, runtime: 'processes', idleTimeout: Infinity });
 * ```
 */
export interface PoolOptions {
  /**
   * Where the workers live: `'local'` (this machine). `createPool({ backend: 'redis', url })`
   * takes the Redis backend's options instead (`RedisPoolOptions`).
   * @defaultValue 'local'
   */
  readonly backend?: 'local';
  /**
   * Number of workers: Star-P's `np`. Each runs one element at a time.
   * @defaultValue `os.availableParallelism()`
   */
  readonly concurrency?: number;
  /**
   * `'threads'`: worker threads, which share memory with the caller (split typed arrays and
   * broadcast typed arrays reach them without a copy). `'processes'`: child processes, for code
   * that must be isolated (native crashes, process-global state); arguments are copied.
   * @defaultValue `'threads'`
   */
  readonly runtime?: Runtime;
  /**
   * Milliseconds an idle worker stays alive for the next call (its module stays imported).
   * `Infinity` keeps every worker until `close()`. Idle workers never keep the process alive.
   * @defaultValue 30000
   */
  readonly idleTimeout?: number;
  /**
   * Heap limits of each worker thread (`runtime: 'threads'` only); a worker over its limit
   * fails its element with `WorkerExitError`. For processes use `execArgv`
   * (`['--max-old-space-size=512']`). A heap limit that differs from the caller's own V8 heap
   * flags is refused (V8 applies those to every thread, over `resourceLimits`).
   * `stackSizeMb` must be at least 0.5 and `maxOldGenerationSizeMb` at least 4: below those Node
   * ends the whole process when the worker starts.
   * @defaultValue Node's defaults
   */
  readonly resourceLimits?: ResourceLimits;
  /**
   * Node options of each worker. Child processes get every flag. Worker threads get only the
   * flags Node accepts for a thread (asked of Node once per process); `--stack-size` becomes
   * `resourceLimits.stackSizeMb`. V8's heap flags hold for every thread of the process, so on
   * threads a `resourceLimits` heap limit that differs from the caller's `--max-old-space-size`
   * or `--max-semi-space-size` is refused at `createPool`.
   * @defaultValue the caller's `process.execArgv`, minus the flags that belong to an inline
   * program (`--eval`, `--print`, `--input-type`), which would stop a worker from starting
   */
  readonly execArgv?: readonly string[];
  /**
   * Replaces a worker after it ran this many elements (Python's `maxtasksperchild`): for code
   * that leaks memory or state. Batches never hold more elements than this, and a worker
   * never runs past its quota (it hands a batch that would take it past to a fresh worker).
   * Each replacement costs a worker start (see the README's figures).
   * @defaultValue no limit
   */
  readonly maxElementsPerWorker?: number;
  /**
   * Replaces a worker after a batch that leaves its heap (`process.memoryUsage().heapUsed`)
   * above this many megabytes (tinypool's `maxMemoryLimitBeforeRecycle`). The heap is
   * measured after whole batches: to bound it per element, combine with `chunkSize: 1`.
   * @defaultValue no limit
   */
  readonly maxWorkerHeapMb?: number;
}

/**
 * Options of one call: `ppeval.with(options)(fn, ...args)`. A missing option or `undefined`
 * means its default (in `with()`, `undefined` also undoes an earlier `with`); `null` is refused
 * with {@link PpevalArgumentError}, for every option.
 *
 * @example
 * ```ts
 * const outcomes = await ppeval.with({ settle: true, timeout: 60_000 })(compress, i, 50);
 * ```
 */
export interface PpevalOptions {
  /** Cancels the call: queued elements are dropped, busy workers terminated. */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds one element may run; past it, its worker is terminated and the element fails
   * with `ElementTimeoutError`. Elements then travel one per batch. The clock starts when the
   * element is sent to the pool, so a wait behind other calls on the same pool counts too.
   * @defaultValue no limit
   */
  readonly timeout?: number;
  /**
   * How many times an element whose worker died (exit, crash, heap limit) is run again before
   * it fails with `WorkerExitError`; each run goes to whichever live worker is free (the dead
   * one has been replaced by a fresh one). Errors the function throws are never retried.
   * @defaultValue 0
   */
  readonly retries?: number;
  /**
   * `false`: the first failing element rejects the call and cancels the rest. `true`: every
   * element runs, and the call resolves with `{ status: 'fulfilled', value }` or
   * `{ status: 'rejected', reason }` per element.
   * @defaultValue false
   */
  readonly settle?: boolean;
  /**
   * The most workers this call uses at once (at most the pool's `concurrency`).
   * @defaultValue the pool's concurrency
   */
  readonly concurrency?: number;
  /**
   * Elements per batch: `'auto'` learns the time per element and batches cheap elements
   * (about 10 ms of work per batch) while sending expensive ones singly.
   * @defaultValue 'auto'
   */
  readonly chunkSize?: number | 'auto';
  /**
   * Called after each batch with the number of finished elements, the total, and
   * {@link ProgressInfo} `{ elapsedMs, etaMs, totalKnown }`: the time so far and the estimated
   * time left. Over a lazy input (array() of a generator or an async iterable) `total` counts
   * the elements read so far, `totalKnown` is false and `etaMs` undefined until its end.
   *
   * @example
   * ```ts
   * ppeval.with({ onProgress: (done, total, { etaMs }) => draw(done / total, etaMs) });
   * ```
   */
  readonly onProgress?: (done: number, total: number, info: ProgressInfo) => void;
  /** Called once when the call ends (also when it fails) with its timing. */
  readonly onStats?: (stats: CallStats) => void;
  /**
   * Class instances in arguments and results: `'refuse'` fails them (arguments before work
   * starts, results at their element), naming the class, since they would arrive as plain
   * objects without their class; `'plain'` sends them as plain data of their own enumerable
   * properties (an AST from acorn or @babel/parser, a data-only class).
   * @defaultValue 'refuse'
   */
  readonly instances?: 'refuse' | 'plain';
  /**
   * Moves the ArrayBuffers of results out of worker threads instead of copying them (typed
   * arrays and Buffers of 4 KiB and up that view the whole of their buffer): a large typed
   * array comes back several times faster. Only for functions that return buffers they made
   * for that result: a moved buffer is emptied in the worker, so a function that keeps what it
   * returns (a cache, a lookup table, a module-level scratch buffer) would find it empty on its
   * next call. Off, a result is copied, as `xs.map(f)` would leave it. Threads only (child
   * processes always copy).
   * @defaultValue false
   */
  readonly transferResults?: boolean;
  /**
   * Runs stragglers twice: once no element waits to be sent and a worker is idle, a batch that
   * has run about 4 times longer than its elements' median time (and at least 100 ms) is started
   * again on the idle worker; the first run to finish gives the result and the other is stopped
   * (its worker terminated and replaced, or its Redis job dropped). A straggling batch is
   * copied as a whole. Only for idempotent functions: the function may run twice for an
   * element, and side effects of the stopped run (files, requests) may be half done.
   * `CallStats.speculated` and `speculationWins` count the copies.
   * @defaultValue false
   */
  readonly speculate?: boolean;
}

/** {@link PoolOptions} with every default applied. */
export interface ResolvedPoolOptions {
  readonly concurrency: number;
  readonly runtime: Runtime;
  readonly idleTimeout: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly execArgv: readonly string[] | undefined;
  readonly maxElementsPerWorker: number | undefined;
  readonly maxWorkerHeapMb: number | undefined;
}

/** {@link PpevalOptions} with every default applied. */
export interface ResolvedCallOptions {
  readonly signal: AbortSignal | undefined;
  readonly timeout: number | undefined;
  readonly retries: number;
  readonly settle: boolean;
  readonly concurrency: number | undefined;
  readonly chunkSize: number | undefined;
  readonly onProgress: ((done: number, total: number, info: ProgressInfo) => void) | undefined;
  readonly onStats: ((stats: CallStats) => void) | undefined;
  readonly instances: 'refuse' | 'plain';
  readonly transferResults: boolean;
  readonly speculate: boolean;
}

/**
 * The smallest `resourceLimits.stackSizeMb` accepted. Node 20.20 aborts the calling process when
 * a worker thread's stack is too small for its own bootstrap (0.2 MB did, 0.3 MB started).
 */
const MIN_STACK_SIZE_MB = 0.5;

/**
 * The smallest `resourceLimits.maxOldGenerationSizeMb` accepted. On Node 22, 24 and 26 a worker
 * thread whose old generation is below about 4 MB aborts the calling process while V8 reads its
 * startup snapshot ("Fatal JavaScript out of memory: GC during deserialization"; 1 and 2 MB did,
 * 4 MB reported ERR_WORKER_OUT_OF_MEMORY); Node 20 reported the error for any size.
 */
const MIN_OLD_GENERATION_MB = 4;

/** Default idle timeout of pool workers, in milliseconds. */
export const DEFAULT_IDLE_TIMEOUT = 30_000;

const POOL_KEYS = [
  'backend',
  'concurrency',
  'runtime',
  'idleTimeout',
  'resourceLimits',
  'execArgv',
  'maxElementsPerWorker',
  'maxWorkerHeapMb',
] as const;
const CALL_KEYS = [
  'signal',
  'timeout',
  'retries',
  'settle',
  'concurrency',
  'chunkSize',
  'onProgress',
  'onStats',
  'instances',
  'transferResults',
  'speculate',
] as const;
const RESOURCE_LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const;

/** Validates {@link PoolOptions} and applies the defaults. Throws {@link PpevalArgumentError}. */
export function resolvePoolOptions(options: unknown): ResolvedPoolOptions {
  // `backend` is read by the registry of backends (backends.ts), which sends the rest here.
  const o = checkOptions(options, { what: 'createPool() options', known: POOL_KEYS });
  const runtime = oneOf(o['runtime'], 'runtime', ['threads', 'processes'], 'threads');
  const resourceLimits = o['resourceLimits'];
  if (resourceLimits !== undefined) {
    checkOptions(resourceLimits, {
      what: '`resourceLimits`',
      known: RESOURCE_LIMIT_KEYS,
      prefix: 'resourceLimits.',
    });
    for (const key of RESOURCE_LIMIT_KEYS) {
      const v = (resourceLimits as Record<string, unknown>)[key];
      if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
        throw new PpevalArgumentError(
          `Expected \`resourceLimits.${key}\` to be a positive number of megabytes, got ${describeValue(v)}.`,
        );
      }
    }
    const stack = (resourceLimits as Record<string, unknown>)['stackSizeMb'];
    if (typeof stack === 'number' && stack < MIN_STACK_SIZE_MB) {
      throw new PpevalArgumentError(
        `Expected \`resourceLimits.stackSizeMb\` to be at least ${MIN_STACK_SIZE_MB} (megabytes; ` +
          `Node's default is 4), got ${describeValue(stack)}. With a smaller stack a worker thread cannot ` +
          'even start, and Node ends the whole process instead of reporting it.',
      );
    }
    const old = (resourceLimits as Record<string, unknown>)['maxOldGenerationSizeMb'];
    if (typeof old === 'number' && old < MIN_OLD_GENERATION_MB) {
      throw new PpevalArgumentError(
        `Expected \`resourceLimits.maxOldGenerationSizeMb\` to be at least ${MIN_OLD_GENERATION_MB} ` +
          `(megabytes), got ${describeValue(old)}. With a smaller heap a worker thread cannot even start, ` +
          'and Node 22 and later end the whole process instead of reporting it.',
      );
    }
    if (runtime === 'processes') {
      throw new PpevalArgumentError(
        "`resourceLimits` applies to worker threads only, but `runtime` is 'processes'. Limit " +
          "a child process's heap with `execArgv: ['--max-old-space-size=<MB>']` instead.",
      );
    }
  }
  const execArgv = o['execArgv'];
  if (
    execArgv !== undefined &&
    !(Array.isArray(execArgv) && execArgv.every((a) => typeof a === 'string'))
  ) {
    throw new PpevalArgumentError(
      `Expected \`execArgv\` to be an array of strings, got ${describeValue(execArgv)}.`,
    );
  }
  const idleTimeout = o['idleTimeout'] ?? DEFAULT_IDLE_TIMEOUT;
  if (typeof idleTimeout !== 'number' || Number.isNaN(idleTimeout) || idleTimeout < 0) {
    throw new PpevalArgumentError(
      `Expected \`idleTimeout\` to be a number of milliseconds from 0 and up (or Infinity), got ${describeValue(idleTimeout)}.`,
    );
  }
  return {
    concurrency: integerOption(o['concurrency'], 'concurrency', 1, availableParallelism()),
    runtime,
    idleTimeout,
    resourceLimits: resourceLimits as ResourceLimits | undefined,
    execArgv: execArgv as string[] | undefined,
    maxElementsPerWorker: integerOption(o['maxElementsPerWorker'], 'maxElementsPerWorker', 1),
    maxWorkerHeapMb: positiveNumberOption(o['maxWorkerHeapMb'], 'maxWorkerHeapMb', 'megabytes'),
  };
}

/** Validates {@link PpevalOptions} and applies the defaults. Throws {@link PpevalArgumentError}. */
export function resolveCallOptions(options: unknown): ResolvedCallOptions {
  const o = checkOptions(options, { what: 'ppeval options', known: CALL_KEYS });
  const signal = o['signal'];
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new PpevalArgumentError(
      `Expected \`signal\` to be an AbortSignal, got ${describeValue(signal)}.`,
    );
  }
  const timeout = o['timeout'];
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && timeout >= 1 && timeout <= 2 ** 31 - 1)
  ) {
    throw new PpevalArgumentError(
      `Expected \`timeout\` to be a number of milliseconds from 1 to 2147483647, got ${describeValue(timeout)}.`,
    );
  }
  const retries = integerOption(o['retries'], 'retries', 0, 0);
  const settle = o['settle'] ?? false;
  if (typeof settle !== 'boolean') {
    throw new PpevalArgumentError(
      `Expected \`settle\` to be a boolean, got ${describeValue(settle)}.`,
    );
  }
  const speculate = o['speculate'] ?? false;
  if (typeof speculate !== 'boolean') {
    throw new PpevalArgumentError(
      `Expected \`speculate\` to be a boolean, got ${describeValue(speculate)}.`,
    );
  }
  const chunkSize = o['chunkSize'] ?? 'auto';
  if (chunkSize !== 'auto' && !(Number.isInteger(chunkSize) && (chunkSize as number) >= 1)) {
    throw new PpevalArgumentError(
      `Expected \`chunkSize\` to be 'auto' or an integer from 1 and up, got ${describeValue(chunkSize)}.`,
    );
  }
  if (chunkSize !== 'auto' && timeout !== undefined && chunkSize !== 1) {
    throw new PpevalArgumentError(
      `\`timeout\` runs elements one per batch, but \`chunkSize\` is ${describeValue(chunkSize)}: ` +
        "remove `chunkSize` or set it to 1 (or 'auto').",
    );
  }
  for (const key of ['onProgress', 'onStats'] as const) {
    const v = o[key];
    if (v !== undefined && typeof v !== 'function') {
      throw new PpevalArgumentError(
        `Expected \`${key}\` to be a function, got ${describeValue(v)}.`,
      );
    }
  }
  const instances = oneOf(o['instances'], 'instances', ['refuse', 'plain'], 'refuse');
  const transferResults = o['transferResults'] ?? false;
  if (typeof transferResults !== 'boolean') {
    throw new PpevalArgumentError(
      `Expected \`transferResults\` to be a boolean, got ${describeValue(transferResults)}.`,
    );
  }
  return {
    signal: signal as AbortSignal | undefined,
    timeout: timeout as number | undefined,
    retries,
    settle,
    concurrency: integerOption(o['concurrency'], 'concurrency', 1),
    chunkSize: chunkSize === 'auto' ? undefined : (chunkSize as number),
    onProgress: o['onProgress'] as ResolvedCallOptions['onProgress'],
    onStats: o['onStats'] as ResolvedCallOptions['onStats'],
    instances,
    transferResults,
    speculate,
  };
}
