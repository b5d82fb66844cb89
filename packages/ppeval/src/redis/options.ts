/**
 * Options of the Redis backend: the caller's side ({@link RedisBackendOptions}) and the worker's
 * ({@link RedisWorkerOptions}), their defaults, and their run-time validation.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { describeValue } from '../describe-value.js';
import { PpevalArgumentError } from '../errors.js';
import { checkOptions, integerOption, oneOf, positiveNumberOption } from '../validate.js';

/** Options of a Redis pool: `createPool({ backend: 'redis', url, ...these })`. */
export interface RedisBackendOptions {
  /**
   * The Redis server: `redis://[user:password@]host:port[/db]`, or `rediss://...` for TLS. The
   * credentials are used to connect and never appear in messages, jobs or keys.
   */
  readonly url: string;
  /**
   * Name of the BullMQ queue shared with the workers (`ppeval-worker --queue`). Give each
   * project or deployment its own name when several share one Redis server.
   * @default 'ppeval'
   */
  readonly queue?: string;
  /** Extra TLS options (a private CA, client certificates) for `rediss://` URLs. */
  readonly tls?: TlsOptions;
  /**
   * Largest payload the call may store in Redis: the serialized broadcast arguments, one batch
   * of elements, one batch of results. Larger payloads are refused with an error before they
   * reach Redis (inputs) or by the worker (results).
   * @default 32 MiB
   */
  readonly maxPayloadBytes?: number;
  /**
   * How long a call's keys may outlive the caller if it dies without cleaning up (a crashed
   * process); a call that ends deletes them at once.
   * @default 86_400_000 (one day)
   */
  readonly keyTtlMs?: number;
  /**
   * How long the first connection may take before the pool fails with a `BackendError`.
   * @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a call may wait while no `ppeval-worker` serves the queue before it fails with a
   * `BackendError` that says how to start one. `0` waits forever.
   * @default 30_000
   */
  readonly noWorkersTimeoutMs?: number;
}

/** Defaults of {@link RedisBackendOptions}. */
export const REDIS_BACKEND_DEFAULTS = {
  queue: 'ppeval',
  maxPayloadBytes: 32 * 1024 * 1024,
  keyTtlMs: 86_400_000,
  connectTimeoutMs: 10_000,
  noWorkersTimeoutMs: 30_000,
} as const;

/** Options of a worker process: `ppeval-worker --redis URL ...` or `startRedisWorker()`. */
export interface RedisWorkerOptions {
  /** The Redis server, as in {@link RedisBackendOptions.url}. */
  readonly url: string;
  /** @default 'ppeval' */
  readonly queue?: string;
  /** Extra TLS options for `rediss://` URLs. */
  readonly tls?: TlsOptions;
  /**
   * Batches run at once, each in its own worker thread.
   * @default os.availableParallelism()
   */
  readonly concurrency?: number;
  /**
   * Directories besides the project root (see `projectRoot`) whose modules jobs may name.
   * @default []
   */
  readonly roots?: readonly string[];
  /**
   * Where batches run: worker threads, or child processes for code that must be isolated
   * (native crashes, process-global state). Either way the worker's main thread stays free to
   * renew its locks.
   * @default 'threads'
   */
  readonly sandbox?: 'threads' | 'processes';
  /**
   * Built-in modules besides the safe ones (`SAFE_BUILTINS`: zlib, crypto, buffer, path, ...)
   * whose functions jobs may name, e.g. `['fs']`.
   * @default []
   */
  readonly allowBuiltins?: readonly string[];
  /** The directory whose project the worker serves. @default process.cwd() */
  readonly cwd?: string;
  /**
   * How long a batch's lock lasts without renewal (renewed every half of it). A killed worker's
   * batch runs again elsewhere about `lockDurationMs + stalledIntervalMs` after the kill.
   * @default 3000
   */
  readonly lockDurationMs?: number;
  /** How often the worker looks for batches of dead workers. @default 1000 */
  readonly stalledIntervalMs?: number;
  /**
   * How many times a batch may lose its worker (killed process, lost lock) and be put back in
   * the queue before the caller is told it was lost.
   * @default 1
   */
  readonly maxStalledCount?: number;
  /**
   * Elements after which a sandbox (thread or child process) is replaced by a fresh one, as
   * `createPool({ maxElementsPerWorker })` does locally. A batch larger than this still runs
   * whole (the caller's engine does not know the workers' quotas): give the calls a `chunkSize`
   * of at most this to keep the quota strict.
   * @default undefined (never)
   */
  readonly maxElementsPerWorker?: number;
  /**
   * Heap megabytes past which a sandbox is replaced after its batch, as
   * `createPool({ maxWorkerHeapMb })` does locally.
   * @default undefined (never)
   */
  readonly maxWorkerHeapMb?: number;
}

/** Defaults of {@link RedisWorkerOptions}. */
export const REDIS_WORKER_DEFAULTS = {
  queue: 'ppeval',
  lockDurationMs: 3000,
  stalledIntervalMs: 1000,
  maxStalledCount: 1,
} as const;

const BACKEND_KEYS = [
  'url',
  'queue',
  'tls',
  'maxPayloadBytes',
  'keyTtlMs',
  'connectTimeoutMs',
  'noWorkersTimeoutMs',
];
const WORKER_KEYS = [
  'url',
  'queue',
  'tls',
  'concurrency',
  'roots',
  'allowBuiltins',
  'sandbox',
  'cwd',
  'lockDurationMs',
  'stalledIntervalMs',
  'maxStalledCount',
  'maxElementsPerWorker',
  'maxWorkerHeapMb',
];

/** Validated caller options with every default filled in. */
export type ResolvedBackendOptions = Required<Omit<RedisBackendOptions, 'tls'>> &
  Pick<RedisBackendOptions, 'tls'>;

/** Validates {@link RedisBackendOptions} at run time; throws {@link PpevalArgumentError}. */
export function resolveBackendOptions(options: unknown): ResolvedBackendOptions {
  const o = checkRedisOptions(
    options,
    BACKEND_KEYS,
    "createPool({ backend: 'redis', ... }) options",
  );
  return {
    url: o.url as string,
    queue: queueName(o.queue),
    tls: tlsOption(o.tls),
    maxPayloadBytes: integerOption(
      o.maxPayloadBytes,
      'maxPayloadBytes',
      1024,
      REDIS_BACKEND_DEFAULTS.maxPayloadBytes,
    ),
    keyTtlMs: integerOption(o.keyTtlMs, 'keyTtlMs', 1000, REDIS_BACKEND_DEFAULTS.keyTtlMs),
    connectTimeoutMs: integerOption(
      o.connectTimeoutMs,
      'connectTimeoutMs',
      1,
      REDIS_BACKEND_DEFAULTS.connectTimeoutMs,
    ),
    noWorkersTimeoutMs: integerOption(
      o.noWorkersTimeoutMs,
      'noWorkersTimeoutMs',
      0,
      REDIS_BACKEND_DEFAULTS.noWorkersTimeoutMs,
    ),
  };
}

/** Validated worker options with every default filled in. */
export type ResolvedWorkerOptions = Required<
  Omit<RedisWorkerOptions, 'tls' | 'maxElementsPerWorker' | 'maxWorkerHeapMb'>
> & {
  readonly tls?: RedisWorkerOptions['tls'];
  readonly maxElementsPerWorker: number | undefined;
  readonly maxWorkerHeapMb: number | undefined;
};

/** Validates {@link RedisWorkerOptions} at run time; throws {@link PpevalArgumentError}. */
export function resolveWorkerOptions(options: unknown): ResolvedWorkerOptions {
  const o = checkRedisOptions(options, WORKER_KEYS, 'startRedisWorker() options');
  const roots = o.roots ?? [];
  if (!Array.isArray(roots) || roots.some((r) => typeof r !== 'string' || r === '')) {
    throw new PpevalArgumentError(
      `Expected \`roots\` to be an array of directory paths, got ${describeValue(roots)}.`,
    );
  }
  const allowBuiltins = o.allowBuiltins ?? [];
  if (!Array.isArray(allowBuiltins) || allowBuiltins.some((r) => typeof r !== 'string')) {
    throw new PpevalArgumentError(
      'Expected `allowBuiltins` to be an array of built-in module names, got ' +
        `${describeValue(allowBuiltins)}.`,
    );
  }
  const cwd = o.cwd ?? process.cwd();
  if (typeof cwd !== 'string') {
    throw new PpevalArgumentError(
      `Expected \`cwd\` to be a directory path, got ${describeValue(cwd)}.`,
    );
  }
  const sandbox = oneOf(o.sandbox, 'sandbox', ['threads', 'processes'], 'threads');
  const d = REDIS_WORKER_DEFAULTS;
  const lockDurationMs = integerOption(o.lockDurationMs, 'lockDurationMs', 100, d.lockDurationMs);
  return {
    url: o.url as string,
    queue: queueName(o.queue),
    tls: tlsOption(o.tls),
    concurrency: integerOption(o.concurrency, 'concurrency', 1, availableParallelism()),
    roots: roots as string[],
    allowBuiltins: allowBuiltins as string[],
    sandbox,
    cwd,
    lockDurationMs,
    stalledIntervalMs: integerOption(
      o.stalledIntervalMs,
      'stalledIntervalMs',
      50,
      d.stalledIntervalMs,
    ),
    maxStalledCount: integerOption(o.maxStalledCount, 'maxStalledCount', 0, d.maxStalledCount),
    maxElementsPerWorker: integerOption(o.maxElementsPerWorker, 'maxElementsPerWorker', 1),
    maxWorkerHeapMb: positiveNumberOption(o.maxWorkerHeapMb, 'maxWorkerHeapMb', 'megabytes'),
  };
}

/** The shared checks, then `url`, which every Redis form requires. */
function checkRedisOptions(
  options: unknown,
  known: readonly string[],
  what: string,
): Record<string, unknown> {
  if (options === undefined) {
    throw new PpevalArgumentError(
      `Expected ${what} to be an object with a \`url\`, got ${describeValue(options)}.`,
    );
  }
  const o = checkOptions(options, {
    what,
    known,
    hint: (key) =>
      key === 'concurrency' || key === 'runtime'
        ? ' Workers set their own: `ppeval-worker --concurrency N --sandbox threads|processes`.'
        : '',
  });
  if (typeof o.url !== 'string' || o.url === '') {
    throw new PpevalArgumentError(
      `Expected \`url\` to be a Redis URL such as 'redis://host:6379', got ${describeValue(o.url)}.`,
    );
  }
  return o;
}

function queueName(value: unknown): string {
  if (value === undefined) return REDIS_BACKEND_DEFAULTS.queue;
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(value)) {
    throw new PpevalArgumentError(
      'Expected `queue` to be 1 to 100 letters, digits, `_`, `.` or `-`, got ' +
        `${describeValue(value)}.`,
    );
  }
  return value;
}

function tlsOption(value: unknown): TlsOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PpevalArgumentError(
      `Expected \`tls\` to be TLS connection options (an object), got ${describeValue(value)}.`,
    );
  }
  return value as TlsOptions;
}
