/**
 * The Redis backend, caller's side: `createPool({ backend: 'redis', url })`. Each batch the call
 * engine hands over becomes one BullMQ job on the shared queue; `ppeval-worker` processes on any
 * machine run it and append the result to this pool's result stream, which the pool reads by id
 * (so a dropped connection loses nothing). Broadcast arguments are stored once per call in the
 * call's hash, which the call deletes when it ends.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Backend, CallSession, CallSpec } from '../backend.js';
import { BatchLostError } from '../backend.js';
import { encodeBytes } from '../wire/broadcast.js';
import { AbortError, BackendError, PoolClosedError, PpevalArgumentError } from '../errors.js';
import type { BatchRequest, BatchResult } from '../wire/protocol.js';
import { maskUrl, parseRedisUrl, type RedisTarget } from './connection.js';
import {
  BULL_PREFIX,
  CALL_FIELDS,
  END_OF_CALL,
  PROTOCOL_VERSION,
  keysOf,
  type CallMeta,
  type JobData,
} from './keys.js';
import { describeModule } from './module-policy.js';
import {
  resolveBackendOptions,
  type RedisBackendOptions,
  type ResolvedBackendOptions,
} from './options.js';
import { PPEVAL_VERSION } from './version.js';

/** Attempts of a job whose sandbox thread dies: BullMQ retries it once on any worker. */
const JOB_ATTEMPTS = 2;
/** How long an XREAD blocks; also the pace of the check for vanished jobs. */
const READ_BLOCK_MS = 1000;
/** How long Redis may stay unreachable before pending batches fail with a BackendError. */
const CONNECTION_LOST_MS = 30_000;
/** How long closing a call or the pool waits for an unreachable Redis (keys carry a TTL). */
const CLOSE_WAIT_MS = 5000;
/** How long a disconnected socket may take to close before it is destroyed. */
const DISCONNECT_WAIT_MS = 100;
/**
 * Lifetime of the pool's liveness key, refreshed every third of it: long enough for a caller
 * whose event loop is busy for a while.
 */
const POOL_TTL_MS = 60_000;
/** How often the pool re-reads the worker registry. */
const WORKER_REFRESH_MS = 5000;

interface Connections {
  readonly client: Redis;
  readonly reader: Redis;
  readonly queue: Queue<JobData>;
}

interface Pending {
  readonly callId: string;
  /** Settles once the job is in Redis (or could not be added): cancel only after it. */
  added: Promise<unknown>;
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: unknown) => void;
  /** The read generation when the job's key was first found missing. */
  missingSince: number | undefined;
}

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
  #connections: Connections | undefined;
  readonly #pending = new Map<string, Pending>();
  /** Per call: cancellations of its jobs still in progress (awaited before the call closes). */
  readonly #cancels = new Map<string, Set<Promise<void>>>();
  #workers = 0;
  #workersReadAt = 0;
  #closed = false;
  #closing: Promise<void> | undefined;
  #reading: Promise<void> | undefined;
  #generation = 0;
  #jobSeq = 0;
  #lastId = '0-0';
  #unreachableSince: number | undefined;
  #lastError: Error | undefined;
  #ready: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #noWorkersSince: number | undefined;
  /** Whether Redis ever answered: if not, close has nothing to clean up there. */
  #answered = false;

  constructor(options: ResolvedBackendOptions, target: RedisTarget) {
    this.#options = options;
    this.#target = target;
    this.#keys = keysOf(options.queue);
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

  // The connections exist once #connect has loaded bullmq and ioredis (optional peer
  // dependencies, imported only by pools that use Redis); every use below follows it.
  get #client(): Redis {
    return (this.#connections as Connections).client;
  }

  get #reader(): Redis {
    return (this.#connections as Connections).reader;
  }

  get #queue(): Queue<JobData> {
    return (this.#connections as Connections).queue;
  }

  async #open(): Promise<void> {
    if (this.#connections !== undefined) return;
    let Queue: typeof import('bullmq').Queue;
    let Redis: typeof import('ioredis').Redis;
    try {
      [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    } catch (err) {
      throw new BackendError(
        'The Redis backend needs the packages bullmq and ioredis: `npm install bullmq ioredis`.',
        { cause: err },
      );
    }
    if (this.#connections !== undefined) return;
    // Commands wait for a reconnection instead of failing, so a dropped connection loses
    // nothing; the watchdog in #startReading turns a long outage into a BackendError.
    // disconnect() ends the socket and destroys it only after disconnectTimeout (ioredis: 2 s):
    // a socket still trying to reach an unreachable server never closes by itself, so the
    // process would stay alive that long after close(). close() has finished its commands by
    // then, so a short wait loses nothing.
    const connection = {
      ...this.#target.options,
      maxRetriesPerRequest: null,
      disconnectTimeout: DISCONNECT_WAIT_MS,
    };
    const client = new Redis(connection);
    const reader = new Redis(connection);
    const onError = (err: Error): void => {
      this.#lastError = err;
    };
    client.on('error', onError);
    reader.on('error', onError);
    const queue = new Queue<JobData>(this.#options.queue, {
      connection: client,
      prefix: BULL_PREFIX,
      streams: { events: { maxLen: 100 } },
    });
    queue.on('error', onError);
    this.#connections = { client, reader, queue };
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
    const timeout = new Promise<never>((_, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new BackendError(
              `Could not connect to Redis at ${this.#target.display} within ` +
                `${this.#options.connectTimeoutMs} ms` +
                (this.#lastError ? ` (${maskUrl(this.#lastError.message)})` : '') +
                '. Check that redis-server runs there and that the URL, password and TLS ' +
                'setting (rediss://) are right.',
            ),
          ),
        this.#options.connectTimeoutMs,
      );
      timer.unref();
    });
    try {
      await Promise.race([
        this.#open()
          .then(() => Promise.all([this.#client.ping(), this.#reader.ping()]))
          .then(() => {
            this.#answered = true;
          })
          .then(() => this.#startHeartbeat())
          .then(() => this.#refreshWorkers(true)),
        timeout,
      ]);
    } catch (err) {
      throw err instanceof BackendError
        ? err
        : new BackendError(
            `Could not connect to Redis at ${this.#target.display}: ` +
              `${maskUrl((err as Error).message)}.`,
            { cause: err },
          );
    }
  }

  async openCall(spec: CallSpec): Promise<CallSession> {
    if (this.#closed) throw new PoolClosedError();
    await this.#ensureReady();
    await this.#refreshWorkers(false);
    const locator = describeModule(spec.fn.module);
    let broadcast: Uint8Array | undefined;
    if (spec.broadcast.length > 0) {
      broadcast = encodeBytes(spec.broadcast);
      this.#checkSize(broadcast.byteLength, 'The broadcast arguments');
    }
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
    await this.#withDeadline(
      this.#client
        .multi()
        .hset(callKey, ...fields)
        .pexpire(callKey, this.#options.keyTtlMs)
        .exec(),
      'store the call',
    );
    let closed = false;
    return {
      broadcast: { kind: 'redis' },
      run: (batch, signal) => {
        if (closed) return Promise.reject(new PoolClosedError());
        return this.#run(callId, batch, signal);
      },
      close: async () => {
        closed = true;
        const cleanup = (async () => {
          await Promise.all(this.#cancels.get(callId) ?? []);
          this.#cancels.delete(callId);
          await this.#client.del(callKey);
          // Workers drop what they cached for the call (its broadcast bytes).
          await this.#client.publish(this.#keys.cancelChannel, `${END_OF_CALL}${callId}`);
        })();
        // Without Redis the call still ends: its keys expire after keyTtlMs.
        await this.#withDeadline(cleanup, 'delete the call', CLOSE_WAIT_MS).catch(() => {});
      },
    };
  }

  /** Marks the pool alive now and every few seconds while it is open. */
  async #startHeartbeat(): Promise<void> {
    const key = this.#keys.pool(this.#poolId);
    const beat = (): Promise<unknown> => this.#client.set(key, '1', 'PX', POOL_TTL_MS);
    await beat();
    if (this.#heartbeat !== undefined || this.#closed) return;
    this.#heartbeat = setInterval(() => void beat().catch(() => {}), POOL_TTL_MS / 3);
    this.#heartbeat.unref();
  }

  /** Rejects with a BackendError when Redis stays unreachable while `work` waits for it. */
  async #withDeadline<T>(work: Promise<T>, what: string, ms = CONNECTION_LOST_MS): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendError(
              `Could not ${what} in Redis at ${this.#target.display} within ` +
                `${ms / 1000} s` +
                (this.#lastError ? ` (${maskUrl(this.#lastError.message)})` : '') +
                '. Check the server and the network.',
            ),
          ),
        ms,
      );
      timer.unref();
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      this.#failAll(new PoolClosedError());
      await this.#ready?.catch(() => {});
      if (this.#connections === undefined) return;
      // A server that never answered holds no key of ours: waiting for it would only make
      // close() take CLOSE_WAIT_MS per step.
      if (this.#answered) {
        try {
          const cancels = [...this.#cancels.values()].flatMap((set) => [...set]);
          await this.#withDeadline(
            Promise.all(cancels),
            'cancel the queued batches',
            CLOSE_WAIT_MS,
          );
          clearInterval(this.#heartbeat);
          const keys = [this.#keys.results(this.#poolId), this.#keys.pool(this.#poolId)];
          await this.#withDeadline(this.#client.del(...keys), 'close', CLOSE_WAIT_MS);
          await this.#withDeadline(this.#queue.close(), 'close', CLOSE_WAIT_MS);
        } catch {
          // Closing must not fail because Redis went away; the keys carry a TTL.
        }
      }
      this.#reader.disconnect();
      this.#client.disconnect();
      await this.#reading?.catch(() => {});
    })();
    return this.#closing;
  }

  /** Runs one batch, split into several jobs when it is larger than `maxPayloadBytes`. */
  async #run(callId: string, batch: BatchRequest, signal: AbortSignal): Promise<BatchResult> {
    if (this.#closed) throw new PoolClosedError();
    const parts = this.#encode(batch);
    if (parts.length === 1) return this.#runJob(callId, parts[0] as string, signal);
    const results = await Promise.all(parts.map((part) => this.#runJob(callId, part, signal)));
    return {
      results: results.flatMap((r) => r.results),
      busyMs: results.reduce((sum, r) => sum + r.busyMs, 0),
      fnMs: results.reduce((sum, r) => sum + r.fnMs, 0),
      workerId: (results[0] as BatchResult).workerId,
      broadcastLoaded: results.some((r) => r.broadcastLoaded),
      functionUnavailable: results.some((r) => r.functionUnavailable === true),
    } as BatchResult;
  }

  /** Serializes a batch (without its function and broadcast, which the call's hash holds). */
  #encode(batch: BatchRequest): string[] {
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
    if (Math.ceil(bytes.byteLength / 3) * 4 <= this.#options.maxPayloadBytes) {
      return [bytes.toString('base64')];
    }
    if (indices.length === 1) {
      this.#checkSize(
        Math.ceil(bytes.byteLength / 3) * 4,
        `The arguments of element ${indices[0]}`,
      );
    }
    const half = Math.ceil(indices.length / 2);
    const split = (from: number, to: number): BatchRequest => ({
      ...batch,
      indices: indices.slice(from, to),
      elements: elements.slice(from, to),
    });
    return [...this.#encode(split(0, half)), ...this.#encode(split(half, indices.length))];
  }

  #checkSize(bytes: number, what: string): void {
    const limit = this.#options.maxPayloadBytes;
    if (bytes <= limit) return;
    throw new PpevalArgumentError(
      `${what} take ${formatBytes(bytes)} in Redis, over the pool's \`maxPayloadBytes\` of ` +
        `${formatBytes(limit)}. Raise \`maxPayloadBytes\` (Redis itself accepts up to 512 MB per ` +
        'value, and holds every pending payload in memory), or put large data where the workers ' +
        'can read it (a shared file system, object storage) and pass its path.',
    );
  }

  async #runJob(callId: string, payload: string, signal: AbortSignal): Promise<BatchResult> {
    if (signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const jobId = `${callId}-${(this.#jobSeq += 1)}`;
    const result = new Promise<BatchResult>((resolve, reject) => {
      this.#pending.set(jobId, {
        callId,
        added: Promise.resolve(),
        resolve,
        reject,
        missingSince: undefined,
      });
    });
    // It may settle (abort) while the job is still being added, before it is awaited.
    result.catch(() => {});
    this.#startReading();
    const onAbort = (): void => {
      const pending = this.#pending.get(jobId);
      if (pending === undefined) return;
      this.#pending.delete(jobId);
      pending.reject(new AbortError(undefined, { cause: signal.reason }));
      this.#cancel(callId, jobId, pending.added);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // Not awaited on its own: while Redis is away the add waits, and the watchdog may fail the
    // pending batch first.
    const added = this.#queue
      .add(
        'batch',
        { c: callId, b: payload },
        { jobId, attempts: JOB_ATTEMPTS, removeOnComplete: true, removeOnFail: true },
      )
      .catch((err: unknown) => {
        const pending = this.#pending.get(jobId);
        if (pending === undefined) return;
        this.#pending.delete(jobId);
        pending.reject(
          new BackendError(
            `Could not queue a batch in Redis at ${this.#target.display}: ` +
              `${maskUrl((err as Error).message)}`,
            { cause: err },
          ),
        );
      });
    const pending = this.#pending.get(jobId);
    if (pending !== undefined) pending.added = added;
    try {
      return await result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Drops a queued job, or stops it on its worker when it already runs. */
  async #cancelJob(jobId: string): Promise<void> {
    try {
      const removed = await this.#queue.remove(jobId);
      if (removed === 0) await this.#client.publish(this.#keys.cancelChannel, jobId);
    } catch {
      // A job that cannot be removed finds its call's hash gone and is dropped by its worker.
    }
  }

  #startReading(): void {
    if (this.#reading !== undefined) return;
    // Commands wait for a reconnection; this watchdog turns a long outage into an error.
    const watchdog = setInterval(() => {
      const up = this.#client.status === 'ready' && this.#reader.status === 'ready';
      if (up) {
        this.#unreachableSince = undefined;
        return;
      }
      this.#unreachableSince ??= Date.now();
      if (Date.now() - this.#unreachableSince > CONNECTION_LOST_MS) {
        this.#failAll(
          new BackendError(
            `Lost the connection to Redis at ${this.#target.display} for more than ` +
              `${CONNECTION_LOST_MS / 1000} s` +
              (this.#lastError ? ` (${maskUrl(this.#lastError.message)})` : '') +
              '. The batches in flight are abandoned; check the server and the network.',
          ),
        );
      }
    }, 500);
    watchdog.unref();
    this.#reading = this.#readLoop().finally(() => {
      clearInterval(watchdog);
      this.#reading = undefined;
      if (!this.#closed && this.#pending.size > 0) this.#startReading();
    });
  }

  /** Reads the result stream while batches are pending. */
  async #readLoop(): Promise<void> {
    const stream = this.#keys.results(this.#poolId);
    let lastCheck = Date.now();
    while (!this.#closed && this.#pending.size > 0) {
      let reply: [string, [string, Buffer[]][]][] | null;
      try {
        reply = (await this.#reader.xreadBuffer(
          'COUNT',
          256,
          'BLOCK',
          READ_BLOCK_MS,
          'STREAMS',
          stream,
          this.#lastId,
        )) as unknown as [string, [string, Buffer[]][]][] | null;
      } catch (err) {
        if (this.#closed) return;
        this.#lastError = err as Error;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      this.#generation += 1;
      const seen: string[] = [];
      for (const [, entries] of reply ?? []) {
        for (const [entryId, fields] of entries) {
          this.#lastId = entryId.toString();
          seen.push(this.#lastId);
          this.#deliver(fields);
        }
      }
      if (seen.length > 0) void this.#client.xdel(stream, ...seen).catch(() => {});
      if (Date.now() - lastCheck >= READ_BLOCK_MS) {
        lastCheck = Date.now();
        // A failed check (Redis unreachable) is retried on the next read; its error is kept so
        // that a call that later times out on the connection says why.
        const remember = (err: unknown): void => {
          this.#lastError = err instanceof Error ? err : new Error(String(err));
        };
        await this.#checkVanished().catch(remember);
        await this.#checkWorkers().catch(remember);
      }
    }
  }

  #deliver(fields: Buffer[]): void {
    const record = new Map<string, Buffer>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      record.set((fields[i] as Buffer).toString(), fields[i + 1] as Buffer);
    }
    const jobId = record.get('j')?.toString() ?? '';
    const pending = this.#pending.get(jobId);
    // A batch that ran twice (at least once) or whose caller gave up: nobody waits for it.
    if (pending === undefined) return;
    this.#pending.delete(jobId);
    const payload = record.get('p') ?? Buffer.alloc(0);
    switch (record.get('k')?.toString()) {
      case 'ok':
        pending.resolve(deserialize(payload) as BatchResult);
        break;
      case 'lost': {
        const lost = JSON.parse(payload.toString()) as { message: string; exitCode?: number };
        pending.reject(new BatchLostError(lost.message, lost.exitCode));
        break;
      }
      default:
        pending.reject(new BackendError(payload.toString()));
    }
  }

  /**
   * Finds batches whose job vanished without a result (a worker died after BullMQ removed the
   * job but before it wrote the record). A job missing for two whole reads of the stream is
   * lost: any result written before the removal would have been read by then.
   */
  async #checkVanished(): Promise<void> {
    const ids = [...this.#pending.keys()];
    if (ids.length === 0) return;
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.exists(this.#keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    ids.forEach((id, i) => {
      const pending = this.#pending.get(id);
      if (pending === undefined) return;
      const exists = replies[i]?.[1] === 1;
      if (exists) {
        pending.missingSince = undefined;
      } else if (pending.missingSince === undefined) {
        pending.missingSince = this.#generation;
      } else if (this.#generation - pending.missingSince >= 2) {
        this.#pending.delete(id);
        pending.reject(
          new BatchLostError('The batch vanished from Redis without a result (its worker died).'),
        );
      }
    });
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
      const [next, batch] = await this.#client.scan(
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
    const values = await this.#client.mget(...keys);
    this.#workers = values.reduce((sum, v) => sum + (Number(v) || 0), 0);
  }

  /** Fails every pending batch and drops its job, so that nothing stays queued. */
  #failAll(error: Error): void {
    for (const [jobId, pending] of this.#pending) {
      pending.reject(error);
      this.#cancel(pending.callId, jobId, pending.added);
    }
    this.#pending.clear();
  }

  /** Cancels a job in the background; the call's close waits for it. */
  #cancel(callId: string, jobId: string, added: Promise<unknown>): void {
    const cancels = this.#cancels.get(callId) ?? new Set<Promise<void>>();
    this.#cancels.set(callId, cancels);
    const cancel = added.then(() => this.#cancelJob(jobId));
    cancels.add(cancel);
    void cancel.finally(() => cancels.delete(cancel));
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
