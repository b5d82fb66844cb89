/**
 * The Redis backend, caller's side: `createPool({ backend: 'redis', url })`. Each batch the call
 * engine hands over becomes one BullMQ job on the shared queue; `ppeval-worker` processes on any
 * machine run it and append the result to this pool's result stream, which the pool reads by id
 * (result-reader.ts). Broadcast arguments are stored once per call in the call's hash, which the
 * call deletes when it ends.
 *
 * Faults: the call's hash and the pool's liveness key carry a TTL (`keyTtlMs`) that the pool
 * refreshes while it lives, so a crashed caller's keys expire and a long call's do not; after a
 * reconnection the pool re-creates its liveness key at once and fails the calls whose keys Redis
 * lost (a restart without persistence); close() never waits for a server that went away.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Backend, CallSession, CallSpec } from '../backend.js';
import { encodeBytes } from '../wire/broadcast.js';
import { AbortError, BackendError, PoolClosedError } from '../errors.js';
import type { BatchRequest, BatchResult } from '../wire/protocol.js';
import {
  isConnected,
  maskUrl,
  openConnections,
  parseRedisUrl,
  whileConnected,
  type Connections,
  type RedisTarget,
} from './connection.js';
import { CALL_FIELDS, END_OF_CALL, PROTOCOL_VERSION, keysOf, type CallMeta } from './keys.js';
import { describeModule } from './module-policy.js';
import {
  resolveBackendOptions,
  type RedisBackendOptions,
  type ResolvedBackendOptions,
} from './options.js';
import { checkSize, encodeBatch, mergeResults } from './payload.js';
import { ResultReader } from './result-reader.js';
import { PPEVAL_VERSION } from './version.js';

/** Attempts of a job whose worker fails to process it (not a sandbox death: that is `lost`). */
const JOB_ATTEMPTS = 2;
/** How long Redis may stay unreachable before pending batches fail with a BackendError. */
const CONNECTION_LOST_MS = 30_000;
/** How long closing a call or the pool waits for Redis commands while it is connected. */
const CLOSE_WAIT_MS = 5000;
/**
 * Longest lifetime of the pool's liveness key (shorter when `keyTtlMs` is), refreshed every
 * third of it: long enough for a caller whose event loop is busy for a while.
 */
const POOL_TTL_MS = 60_000;
/** How often the pool re-reads the worker registry. */
const WORKER_REFRESH_MS = 5000;
/** How often the watchdog looks at the connections. */
const WATCHDOG_MS = 500;

/**
 * Creates the Redis backend of a pool: `createPool({ backend: 'redis', url })` calls it. Throws
 * {@link PpevalArgumentError} for bad options at once; connects in the background, and the first
 * call rejects with {@link BackendError} (URL masked) when Redis cannot be reached within
 * `connectTimeoutMs`.
 *
 * @example
 * ```ts
 * const backend = createRedisBackend({ url: 'redis://127.0.0.1:6379' });
 * ```
 */
export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  const resolved = resolveBackendOptions(options);
  return new RedisBackend(resolved, parseRedisUrl(resolved.url, resolved.tls));
}

/** See {@link createRedisBackend}. */
export class RedisBackend implements Backend {
  readonly kind = 'redis';
  readonly sharedMemory = false;
  readonly #options: ResolvedBackendOptions;
  readonly #target: RedisTarget;
  readonly #keys: ReturnType<typeof keysOf>;
  readonly #poolId = randomBytes(8).toString('hex');
  /** Lifetime of the pool's liveness key; the keep-alive runs every third of it. */
  readonly #poolTtlMs: number;
  #connections: Connections | undefined;
  #reader: ResultReader | undefined;
  /** Open calls: call id -> the key of its hash, refreshed by the keep-alive. */
  readonly #calls = new Map<string, string>();
  /** Per call: cancellations of its jobs still in progress (awaited before the call closes). */
  readonly #cancels = new Map<string, Set<Promise<void>>>();
  #workers = 0;
  #workersReadAt = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #jobSeq = 0;
  #unreachableSince: number | undefined;
  #lastError: Error | undefined;
  #ready: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #noWorkersSince: number | undefined;
  /** Whether Redis ever answered: if not, close has nothing to clean up there. */
  #answered = false;

  constructor(options: ResolvedBackendOptions, target: RedisTarget) {
    this.#options = options;
    this.#target = target;
    this.#keys = keysOf(options.queue);
    this.#poolTtlMs = Math.min(POOL_TTL_MS, options.keyTtlMs);
    // Connect now, so that the worker count is known when the first call sizes its batches.
    this.#ensureReady().catch(() => {});
  }

  /**
   * Number of worker threads across the live `ppeval-worker` processes, read from their
   * registry at most every few seconds; 8 until the first read (over-estimating only makes the
   * first batches smaller).
   */
  get workers(): number {
    return this.#workersReadAt === 0 ? 8 : Math.max(1, this.#workers);
  }

  /** Batches kept queued: enough for every worker thread to find the next one waiting. */
  get capacity(): number {
    return Math.max(4, 2 * this.workers);
  }

  // The connections exist once #connect has opened them; every use below follows it.
  get #c(): Connections {
    return this.#connections as Connections;
  }

  get #results(): ResultReader {
    return this.#reader as ResultReader;
  }

  #remember = (err: unknown): void => {
    this.#lastError = err instanceof Error ? err : new Error(String(err));
  };

  /** " (the last connection error)", or nothing. */
  #why(): string {
    return this.#lastError ? ` (${maskUrl(this.#lastError.message)})` : '';
  }

  /** Resolves once Redis answered; a failed attempt is retried by the next call. */
  #ensureReady(): Promise<void> {
    if (this.#ready === undefined) {
      this.#ready = this.#connect();
      this.#ready.catch(() => {
        this.#ready = undefined;
      });
    }
    return this.#ready;
  }

  async #connect(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendError(
              `Could not connect to Redis at ${this.#target.display} within ` +
                `${this.#options.connectTimeoutMs} ms${this.#why()}. Check that redis-server ` +
                'runs there and that the URL, password and TLS setting (rediss://) are right.',
            ),
          ),
        this.#options.connectTimeoutMs,
      );
      timer.unref();
    });
    try {
      await Promise.race([this.#open().then(() => this.#firstContact()), timeout]);
    } catch (err) {
      throw err instanceof BackendError
        ? err
        : new BackendError(
            `Could not connect to Redis at ${this.#target.display}: ` +
              `${maskUrl((err as Error).message)}.`,
            { cause: err },
          );
    } finally {
      clearTimeout(timer);
    }
  }

  async #open(): Promise<void> {
    if (this.#connections !== undefined) return;
    const connections = await openConnections(this.#target, this.#options.queue, this.#remember);
    if (this.#connections !== undefined) {
      connections.client.disconnect();
      connections.reader.disconnect();
      return;
    }
    this.#connections = connections;
    this.#reader = new ResultReader({
      client: connections.client,
      reader: connections.reader,
      stream: this.#keys.results(this.#poolId),
      jobKey: (jobId) => this.#keys.job(jobId),
      tick: () => this.#checkWorkers(),
      remember: this.#remember,
    });
  }

  async #firstContact(): Promise<void> {
    await Promise.all([this.#c.client.ping(), this.#c.reader.ping()]);
    this.#answered = true;
    await this.#keepAlive();
    if (this.#timers.length === 0 && !this.#closed) {
      const keepAlive = setInterval(
        () => void this.#keepAlive().catch(this.#remember),
        this.#poolTtlMs / 3,
      );
      const watchdog = setInterval(() => this.#watch(), WATCHDOG_MS);
      this.#timers.push(keepAlive, watchdog);
      for (const t of this.#timers) t.unref();
      // After a reconnection at once: a restarted Redis may have lost every key.
      this.#c.client.on('ready', () => void this.#keepAlive().catch(this.#remember));
    }
    await this.#refreshWorkers(true);
  }

  /**
   * Marks the pool alive and refreshes the TTL of every open call's hash, so that a call longer
   * than `keyTtlMs` keeps its keys and a crashed caller's expire. A call whose hash is gone was
   * lost by Redis (a restart without persistence): its batches fail now instead of vanishing one
   * by one.
   */
  async #keepAlive(): Promise<void> {
    if (this.#closed) return;
    const calls = [...this.#calls];
    const multi = this.#c.client
      .multi()
      .set(this.#keys.pool(this.#poolId), '1', 'PX', this.#poolTtlMs);
    for (const [, key] of calls) multi.pexpire(key, this.#options.keyTtlMs);
    const replies = (await multi.exec()) ?? [];
    calls.forEach(([callId], i) => {
      if (replies[i + 1]?.[1] !== 0 || !this.#calls.has(callId)) return;
      this.#calls.delete(callId);
      this.#failCall(
        callId,
        new BackendError(
          `Redis at ${this.#target.display} lost this call's keys (a restart without ` +
            'persistence, FLUSHALL, or eviction): its batches cannot finish. Run the call again; ' +
            'to survive restarts, enable persistence (appendonly yes) and `maxmemory-policy ' +
            'noeviction`.',
        ),
      );
    });
  }

  /** Turns a long outage into a BackendError (commands wait for a reconnection meanwhile). */
  #watch(): void {
    if (this.#reader === undefined || this.#results.size === 0 || isConnected(this.#connections)) {
      this.#unreachableSince = undefined;
      return;
    }
    this.#unreachableSince ??= Date.now();
    if (Date.now() - this.#unreachableSince <= CONNECTION_LOST_MS) return;
    this.#failAll(
      this.#lostError(
        `for more than ${CONNECTION_LOST_MS / 1000} s. The batches in flight are abandoned`,
      ),
    );
  }

  #lostError(detail: string): BackendError {
    return new BackendError(
      `Lost the connection to Redis at ${this.#target.display} ${detail}${this.#why()}. Check ` +
        'the server and the network; keys left there expire after `keyTtlMs`.',
    );
  }

  /**
   * Waits for Redis commands at most `ms`; with `untilLost`, only while connected (closing
   * never waits for a server that went away).
   */
  #deadline<T>(work: Promise<T>, what: string, ms: number, untilLost: boolean): Promise<T> {
    return whileConnected(
      this.#c.client,
      work,
      ms,
      () =>
        new BackendError(
          `Could not ${what} in Redis at ${this.#target.display} within ${ms / 1000} s` +
            `${this.#why()}. Check the server and the network.`,
        ),
      untilLost ? () => this.#lostError(`while trying to ${what}`) : undefined,
    );
  }

  async openCall(spec: CallSpec): Promise<CallSession> {
    if (this.#closed) throw new PoolClosedError();
    await this.#ensureReady();
    await this.#refreshWorkers(false);
    const locator = describeModule(spec.fn.module);
    let broadcast: Uint8Array | undefined;
    if (spec.broadcast.length > 0) {
      broadcast = encodeBytes(spec.broadcast);
      checkSize(broadcast.byteLength, this.#options.maxPayloadBytes, 'The broadcast arguments');
    }
    // The engine's id (a UUID), unique across every caller of the queue: job ids and keys
    // derive from it.
    const callId = spec.callId;
    const meta: CallMeta = {
      protocol: PROTOCOL_VERSION,
      ppeval: PPEVAL_VERSION,
      exportPath: spec.fn.exportPath,
      name: spec.fn.name,
      locator,
      results: this.#keys.results(this.#poolId),
      pool: this.#keys.pool(this.#poolId),
      maxPayloadBytes: this.#options.maxPayloadBytes,
      hasBroadcast: broadcast !== undefined,
    };
    const callKey = this.#keys.call(callId);
    const fields: (string | Buffer)[] = [CALL_FIELDS.meta, JSON.stringify(meta)];
    if (broadcast !== undefined) {
      fields.push(
        CALL_FIELDS.broadcast,
        Buffer.from(broadcast.buffer, broadcast.byteOffset, broadcast.byteLength),
      );
    }
    await this.#deadline(
      this.#c.client
        .multi()
        .hset(callKey, ...fields)
        .pexpire(callKey, this.#options.keyTtlMs)
        // The liveness key too: a Redis restarted empty has lost it, and workers skip the
        // batches of a pool without one.
        .set(meta.pool, '1', 'PX', this.#poolTtlMs)
        .exec(),
      'store the call',
      CONNECTION_LOST_MS,
      false,
    );
    this.#calls.set(callId, callKey);
    let closed = false;
    return {
      broadcast: { kind: 'redis' },
      run: (batch, signal) => {
        if (closed) return Promise.reject(new PoolClosedError());
        return this.#run(callId, batch, signal);
      },
      close: async () => {
        closed = true;
        this.#calls.delete(callId);
        const cleanup = (async () => {
          await Promise.all(this.#cancels.get(callId) ?? []);
          this.#cancels.delete(callId);
          await this.#c.client.del(callKey);
          // Workers drop what they cached for the call (its broadcast bytes).
          await this.#c.client.publish(this.#keys.cancelChannel, `${END_OF_CALL}${callId}`);
        })();
        // Without Redis the call still ends: the cleanup stays queued for a reconnection, and
        // the keys expire after keyTtlMs if none comes.
        await this.#deadline(cleanup, 'delete the call', CLOSE_WAIT_MS, true).catch(() => {});
      },
    };
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      for (const t of this.#timers) clearInterval(t);
      const up = isConnected(this.#connections);
      // Batches still waiting cannot get a result now; when the server went away, that is
      // why they fail.
      this.#failAll(up ? new PoolClosedError() : this.#lostError('(the pool was closed)'));
      await this.#ready?.catch(() => {});
      if (this.#connections === undefined) return;
      // A server that never answered holds no key of ours: waiting for it would only make
      // close() take CLOSE_WAIT_MS per step. One that went away is not waited for either.
      if (this.#answered) {
        try {
          const cancels = [...this.#cancels.values()].flatMap((set) => [...set]);
          await this.#deadline(
            Promise.all(cancels),
            'cancel the queued batches',
            CLOSE_WAIT_MS,
            true,
          );
          const keys = [this.#keys.results(this.#poolId), this.#keys.pool(this.#poolId)];
          await this.#deadline(this.#c.client.del(...keys), 'close', CLOSE_WAIT_MS, true);
          await this.#deadline(this.#c.queue.close(), 'close', CLOSE_WAIT_MS, true);
        } catch {
          // Closing must not fail because Redis went away; the keys carry a TTL.
        }
      }
      this.#c.reader.disconnect();
      this.#c.client.disconnect();
      await this.#reader?.stop();
    })();
    return this.#closing;
  }

  /** Runs one batch, split into several jobs when it is larger than `maxPayloadBytes`. */
  async #run(callId: string, batch: BatchRequest, signal: AbortSignal): Promise<BatchResult> {
    if (this.#closed) throw new PoolClosedError();
    const parts = encodeBatch(batch, this.#options.maxPayloadBytes);
    if (parts.length === 1) return this.#runJob(callId, parts[0] as string, signal);
    return mergeResults(await Promise.all(parts.map((part) => this.#runJob(callId, part, signal))));
  }

  async #runJob(callId: string, payload: string, signal: AbortSignal): Promise<BatchResult> {
    if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const jobId = `${callId}-${(this.#jobSeq += 1)}`;
    const result = this.#results.expect(jobId, callId);
    // It may settle (abort) while the job is still being added, before it is awaited.
    result.catch(() => {});
    const onAbort = (): void => {
      const pending = this.#results.take(jobId);
      if (pending === undefined) return;
      pending.reject(new AbortError(undefined, { cause: signal.reason }));
      this.#cancel(callId, jobId, pending.added);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // Not awaited on its own: while Redis is away the add waits, and the watchdog may fail the
    // pending batch first.
    const added = this.#c.queue
      .add(
        'batch',
        { c: callId, b: payload },
        { jobId, attempts: JOB_ATTEMPTS, removeOnComplete: true, removeOnFail: true },
      )
      .catch((err: unknown) => {
        this.#results
          .take(jobId)
          ?.reject(
            new BackendError(
              `Could not queue a batch in Redis at ${this.#target.display}: ` +
                `${maskUrl((err as Error).message)}`,
              { cause: err },
            ),
          );
      });
    const pending = this.#results.get(jobId);
    if (pending !== undefined) pending.added = added;
    try {
      return await result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Fails the pending batches when no worker has served the queue for too long. */
  async #checkWorkers(): Promise<void> {
    const limit = this.#options.noWorkersTimeoutMs;
    if (limit === 0) return;
    await this.#refreshWorkers(false);
    if (this.#workers > 0) {
      this.#noWorkersSince = undefined;
      return;
    }
    this.#noWorkersSince ??= Date.now();
    if (Date.now() - this.#noWorkersSince < limit) return;
    this.#noWorkersSince = undefined;
    this.#failAll(
      new BackendError(
        `No ppeval-worker has served the queue '${this.#options.queue}' on ` +
          `${this.#target.display} for ${limit / 1000} s. Start workers where the project is ` +
          `installed: \`PPEVAL_REDIS_URL=<url> npx ppeval-worker --queue ${this.#options.queue}\` ` +
          '(or raise the pool option `noWorkersTimeoutMs`; 0 waits forever).',
      ),
    );
  }

  async #refreshWorkers(force: boolean): Promise<void> {
    if (!force && Date.now() - this.#workersReadAt < WORKER_REFRESH_MS) return;
    this.#workersReadAt = Date.now();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#c.client.scan(
        cursor,
        'MATCH',
        this.#keys.workerPattern,
        'COUNT',
        1000,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) {
      this.#workers = 0;
      return;
    }
    const values = await this.#c.client.mget(...keys);
    this.#workers = values.reduce((sum, v) => sum + (Number(v) || 0), 0);
  }

  /** Fails every pending batch and drops its job, so that nothing stays queued. */
  #failAll(error: Error): void {
    for (const [jobId, pending] of this.#reader?.takeAll() ?? []) {
      pending.reject(error);
      this.#cancel(pending.callId, jobId, pending.added);
    }
  }

  /** Fails the pending batches of one call and drops their jobs. */
  #failCall(callId: string, error: Error): void {
    for (const [jobId, pending] of this.#results.takeAll((p) => p.callId === callId)) {
      pending.reject(error);
      this.#cancel(callId, jobId, pending.added);
    }
  }

  /** Cancels a job in the background: drops it when queued, stops it when it runs. */
  #cancel(callId: string, jobId: string, added: Promise<unknown>): void {
    const cancels = this.#cancels.get(callId) ?? new Set<Promise<void>>();
    this.#cancels.set(callId, cancels);
    const cancel = added.then(async () => {
      try {
        const removed = await this.#c.queue.remove(jobId);
        if (removed === 0) await this.#c.client.publish(this.#keys.cancelChannel, jobId);
      } catch {
        // A job that cannot be removed finds its call's hash gone and is dropped by its worker.
      }
    });
    cancels.add(cancel);
    void cancel.finally(() => cancels.delete(cancel));
  }
}
