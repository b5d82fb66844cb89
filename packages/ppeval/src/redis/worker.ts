/**
 * A Redis worker process: takes batches from the BullMQ queue, runs them on the local backend
 * (worker threads or child processes: `sandbox`) and appends their results to the caller's
 * result stream. Started by `ppeval-worker` (see bin/ppeval-worker.ts) on every machine that
 * should work, with the same project installed.
 *
 * A batch runs exactly as it would in a local pool, by construction: the same backend, worker
 * entry, value codec, crash and timeout handling, and the same parent watchdog in child
 * processes. The worker's own main thread only talks to Redis, so a CPU-bound element never
 * delays the renewal of its job's lock.
 *
 * Two ways to lose a batch:
 * - its sandbox dies (process.exit, a crash, a heap limit, kill -9 of the sandbox): the worker
 *   reports it `lost` at once, and the caller's engine does what it does locally (re-runs a
 *   multi-element batch one element at a time to find the culprit, applies `retries`);
 * - the worker itself dies (kill -9, lost lock): BullMQ's stall check puts the job back in the
 *   queue (at least once) up to `maxStalledCount` times, then it is reported `lost`.
 *
 * @module
 */
import { hostname } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { BatchLostError, type CallSession } from '../backend.js';
import { BackendError, PoolClosedError } from '../errors.js';
import { LocalBackend } from '../local/backend.js';
import type { FunctionRef } from '../locate/locate.js';
import type { BatchRequest } from '../wire/protocol.js';
import { parseRedisUrl, maskUrl } from './connection.js';
import {
  BULL_PREFIX,
  CALL_FIELDS,
  END_OF_CALL,
  PROTOCOL_VERSION,
  WRITE_RESULT_LUA,
  keysOf,
  type CallMeta,
  type JobData,
  type RecordKind,
} from './keys.js';
import { makeRoots, resolveModule, type ModuleLocator, type ModuleRoots } from './module-policy.js';
import { resolveWorkerOptions, type RedisWorkerOptions } from './options.js';
import { PPEVAL_VERSION } from './version.js';

/** Something a worker reports: for the `ppeval-worker` command to print, never a credential. */
export interface WorkerEvent {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A running worker, from {@link startRedisWorker}. */
export interface RedisWorker {
  /** `host:pid`, as shown in messages and in the worker registry. */
  readonly id: string;
  /** The module roots it accepts. */
  readonly roots: readonly string[];
  /** Stop taking batches, let running ones finish (or terminate them with `force`), disconnect. */
  close(force?: boolean): Promise<void>;
}

interface CallContext {
  readonly meta: CallMeta;
  /** The function and the local call holding its broadcast, unless the worker refuses it. */
  readonly run: { readonly fn: FunctionRef; readonly session: CallSession } | undefined;
  /** Why this worker refuses the call, when it does. */
  readonly refusal: string | undefined;
  /** Batches of the call running now: its session closes once the call is forgotten and idle. */
  running: number;
  forgotten: boolean;
}

/** Workers started for batches stay until the worker stops (Node caps timers below this). */
const KEEP_WORKERS_MS = 2 ** 31;

type RedisWithScript = Redis & {
  ppevalWriteResult(
    call: string,
    stream: string,
    jobId: string,
    kind: RecordKind,
    payload: string | Buffer,
  ): Promise<number>;
};

/**
 * Starts a worker: connects, registers itself, and processes batches until {@link RedisWorker.close}.
 *
 * @example
 * ```ts
 * const worker = await startRedisWorker({ url: 'redis://10.0.0.5:6379', concurrency: 8 });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export async function startRedisWorker(
  options: RedisWorkerOptions,
  onEvent: (event: WorkerEvent) => void = () => {},
): Promise<RedisWorker> {
  const o = resolveWorkerOptions(options);
  const target = parseRedisUrl(o.url, o.tls);
  const roots: ModuleRoots = makeRoots(o.cwd, o.roots, o.allowBuiltins);
  const keys = keysOf(o.queue);
  const id = `${hostname()}:${process.pid}`;
  const connection = { ...target.options, maxRetriesPerRequest: null };

  const redis = new Redis({ ...connection, lazyConnect: true }) as RedisWithScript;
  redis.defineCommand('ppevalWriteResult', { numberOfKeys: 2, lua: WRITE_RESULT_LUA });
  const subscriber = new Redis({ ...connection, lazyConnect: true });
  let lastError = '';
  const onRedisError = (err: Error): void => {
    const message = maskUrl(err.message);
    // ioredis repeats the same error on every reconnection attempt.
    if (message !== lastError) onEvent({ level: 'warn', message: `Redis: ${message}` });
    lastError = message;
  };
  redis.on('error', onRedisError);
  subscriber.on('error', onRedisError);
  redis.on('ready', () => {
    if (lastError !== '') onEvent({ level: 'info', message: `reconnected to ${target.display}` });
    lastError = '';
  });
  try {
    await redis.connect();
    await subscriber.connect();
  } catch (err) {
    redis.disconnect();
    subscriber.disconnect();
    const reason = (lastError || maskUrl((err as Error).message)).replace(/\.+$/, '');
    throw new BackendError(
      `Could not connect to Redis at ${target.display}: ${reason}. Check that redis-server ` +
        'runs there and that the URL, password and TLS setting (rediss://, --tls-ca) are right.',
      { cause: err },
    );
  }

  const local = new LocalBackend({
    runtime: o.sandbox,
    concurrency: o.concurrency,
    idleTimeout: KEEP_WORKERS_MS,
    resourceLimits: undefined,
    execArgv: undefined,
    // Results go on through v8.serialize, which cannot write a bare SharedArrayBuffer.
    sharedResults: false,
    maxElementsPerWorker: o.maxElementsPerWorker,
    maxWorkerHeapMb: o.maxWorkerHeapMb,
  });
  /** The batches running now, by job id, to stop one when its caller cancels it. */
  const running = new Map<string, AbortController>();
  /**
   * Cancellations of batches not running here (yet), by job id, with when they came: a batch
   * taken from the queue is registered in `running` only after its call is looked up, and the
   * cancel message (another connection) can arrive in between. Kept a minute; every worker
   * hears every call's cancellations.
   */
  const cancelledEarly = new Map<string, number>();
  const CANCEL_MEMORY_MS = 60_000;
  const calls = new Map<string, Promise<CallContext | undefined>>();
  // Sandboxes keep the modules they imported: the version each file had when first used.
  const imported = new Map<string, string>();

  const release = (ctx: CallContext): void => {
    if (ctx.forgotten && ctx.running === 0) void ctx.run?.session.close().catch(() => undefined);
  };
  /** Drops a call from the cache; its broadcast (a temporary file) goes once its batches end. */
  const forget = (callId: string): void => {
    const pending = calls.get(callId);
    if (pending === undefined) return;
    calls.delete(callId);
    void pending.then(
      (ctx) => {
        if (ctx === undefined) return;
        ctx.forgotten = true;
        release(ctx);
      },
      () => undefined,
    );
  };

  const writeRecord = (
    meta: CallMeta,
    callId: string,
    jobId: string,
    kind: RecordKind,
    payload: string | Buffer,
  ): Promise<number> =>
    redis.ppevalWriteResult(keys.call(callId), meta.results, jobId, kind, payload);

  const loadCall = (callId: string): Promise<CallContext | undefined> => {
    let pending = calls.get(callId);
    if (pending === undefined) {
      pending = readCall(callId);
      calls.set(callId, pending);
      // Forget calls that ended (their key is gone) and keep the cache small.
      pending.then(
        (ctx) => ctx === undefined && calls.delete(callId),
        () => calls.delete(callId),
      );
      // A bound for calls whose end message was missed (it is sent once, without retry).
      while (calls.size > 16) forget(calls.keys().next().value as string);
    }
    return pending;
  };

  const readCall = async (callId: string): Promise<CallContext | undefined> => {
    const [metaText, broadcast] = await redis.hmgetBuffer(
      keys.call(callId),
      CALL_FIELDS.meta,
      CALL_FIELDS.broadcast,
    );
    if (metaText === null || metaText === undefined) return undefined;
    const meta = JSON.parse(metaText.toString('utf8')) as CallMeta;
    const refuse = (refusal: string): CallContext => ({
      meta,
      run: undefined,
      refusal,
      running: 0,
      forgotten: false,
    });
    if (meta.protocol !== PROTOCOL_VERSION || meta.ppeval !== PPEVAL_VERSION) {
      return refuse(
        `The ppeval worker ${id} runs ppeval ${PPEVAL_VERSION} (wire format ` +
          `${PROTOCOL_VERSION}); the caller runs ppeval ${meta.ppeval} (wire format ` +
          `${meta.protocol}). Install the same ppeval version on the caller and every worker.`,
      );
    }
    const module = resolveLocator(meta.locator as ModuleLocator);
    if (typeof module === 'string') return refuse(module);
    const locator = meta.locator as ModuleLocator;
    if (locator.kind === 'file' && module.hash !== locator.hash) {
      return refuse(
        `The ppeval worker ${id} has a different version of the code than the caller: its ` +
          `copy of ${locator.packagePath ?? locator.url} (${module.specifier}) hashes to ` +
          `${module.hash}, the caller's to ${locator.hash}. Install (and build) the same code ` +
          'on every worker, then restart the workers.',
      );
    }
    if (module.hash !== undefined) {
      const first = imported.get(module.specifier) ?? module.hash;
      if (first !== module.hash) {
        return refuse(
          `The ppeval worker ${id} already runs an older version of ${module.specifier} ` +
            `(hash ${first}; the file now hashes to ${module.hash}). Restart the worker to load ` +
            'the new code.',
        );
      }
      imported.set(module.specifier, module.hash);
    }
    if (meta.hasBroadcast && (broadcast === null || broadcast === undefined)) return undefined;
    // Read from Redis once per call, handed to the sandboxes the local backend's own way.
    const session = await local.openEncodedCall(callId, broadcast ?? undefined);
    return {
      meta,
      refusal: undefined,
      run: {
        fn: { module: module.specifier, exportPath: meta.exportPath, name: meta.name },
        session,
      },
      running: 0,
      forgotten: false,
    };
  };

  const resolveLocator = (locator: ModuleLocator) => {
    try {
      return resolveModule(locator, roots);
    } catch (err) {
      return (err as Error).message;
    }
  };

  const processor = async (job: Job<JobData>): Promise<void> => {
    const jobId = job.id ?? '';
    const ctx = await loadCall(job.data.c);
    if (ctx === undefined) return;
    // Counted from here: a call forgotten meanwhile keeps its broadcast until this batch ends.
    ctx.running += 1;
    try {
      await runJob(job, jobId, ctx);
    } finally {
      ctx.running -= 1;
      release(ctx);
    }
  };

  const runJob = async (job: Job<JobData>, jobId: string, ctx: CallContext): Promise<void> => {
    // The call ended (finished, failed or aborted), or its caller died: nobody waits for it.
    if ((await redis.exists(ctx.meta.pool)) === 0) {
      onEvent({ level: 'info', message: `skipped batch ${jobId}: its call has ended` });
      return;
    }
    if (ctx.run === undefined) {
      onEvent({ level: 'warn', message: `refused a batch: ${ctx.refusal ?? ''}` });
      await writeRecord(ctx.meta, job.data.c, jobId, 'refused', ctx.refusal ?? 'refused');
      return;
    }
    const part = deserialize(Buffer.from(job.data.b, 'base64')) as Pick<
      BatchRequest,
      'callId' | 'slots' | 'indices' | 'elements' | 'fixups' | 'instances'
    >;
    const { fn, session } = ctx.run;
    if (cancelledEarly.delete(jobId)) {
      // Its caller cancelled it while this worker was looking the call up: it never starts.
      onEvent({ level: 'info', message: `cancelled batch ${jobId}` });
      return;
    }
    const controller = new AbortController();
    running.set(jobId, controller);
    let result;
    try {
      result = await session.run({ ...part, fn, broadcast: session.broadcast }, controller.signal);
    } catch (err) {
      // Cancelled by its caller, or stopped with the worker: nobody waits for this batch.
      if (controller.signal.aborted || err instanceof PoolClosedError) return;
      if (err instanceof BatchLostError) {
        // The caller's engine finds the culprit and applies `retries`, as for a local pool.
        await writeRecord(
          ctx.meta,
          job.data.c,
          jobId,
          'lost',
          JSON.stringify({ message: `${err.message} (on worker ${id})`, exitCode: err.exitCode }),
        );
        return;
      }
      // The sandboxes cannot start here (a broken Node, no memory for a thread): say why.
      if (err instanceof BackendError) {
        await writeRecord(
          ctx.meta,
          job.data.c,
          jobId,
          'refused',
          `ppeval worker ${id}: ${err.message}`,
        );
        return;
      }
      throw err;
    } finally {
      running.delete(jobId);
    }
    const bytes = serialize({ ...result, workerId: `${id}/${result.workerId}` });
    if (bytes.byteLength > ctx.meta.maxPayloadBytes) {
      await writeRecord(
        ctx.meta,
        job.data.c,
        jobId,
        'refused',
        `The results of elements ${part.indices[0]} to ${part.indices.at(-1)} serialize to ` +
          `${bytes.byteLength} bytes, over the pool's maxPayloadBytes of ` +
          `${ctx.meta.maxPayloadBytes}. Raise \`maxPayloadBytes\` or return less data per ` +
          'element (write large outputs to shared storage and return their paths).',
      );
      return;
    }
    await writeRecord(ctx.meta, job.data.c, jobId, 'ok', bytes);
  };

  const worker = new Worker<JobData>(o.queue, processor, {
    connection: connection as ConnectionOptions,
    prefix: BULL_PREFIX,
    concurrency: o.concurrency,
    lockDuration: o.lockDurationMs,
    stalledInterval: o.stalledIntervalMs,
    maxStalledCount: o.maxStalledCount,
    name: id,
    autorun: false,
  });
  worker.on('error', (err) => onEvent({ level: 'warn', message: maskUrl(err.message) }));
  // A batch that lost its worker more than maxStalledCount times fails here, in whichever worker
  // picks it up next: tell its caller.
  worker.on('failed', (job, err) => {
    if (job === undefined || job.finishedOn === undefined) return;
    void (async () => {
      const ctx = await loadCall(job.data.c);
      if (ctx === undefined) return;
      await writeRecord(
        ctx.meta,
        job.data.c,
        job.id ?? '',
        'lost',
        JSON.stringify({
          message:
            `The batch was lost: ${err.message} (its worker was killed or stopped renewing ` +
            'its lock).',
        }),
      );
    })().catch((e: unknown) =>
      onEvent({ level: 'warn', message: `could not report a lost batch: ${String(e)}` }),
    );
  });

  await subscriber.subscribe(keys.cancelChannel);
  subscriber.on('message', (_channel: string, message: string) => {
    // `end:<callId>`: the call finished, forget its cached broadcast bytes; else a job id.
    if (message.startsWith(END_OF_CALL)) forget(message.slice(END_OF_CALL.length));
    else {
      const batch = running.get(message);
      if (batch === undefined) {
        const now = Date.now();
        for (const [job, at] of cancelledEarly) {
          if (now - at > CANCEL_MEMORY_MS) cancelledEarly.delete(job);
        }
        cancelledEarly.set(message, now);
        return;
      }
      // The local backend terminates the sandbox running it, as for a local timeout.
      batch.abort();
      onEvent({ level: 'info', message: `cancelled batch ${message}` });
    }
  });

  const heartbeatMs = 2000;
  const beat = (): Promise<unknown> =>
    redis.set(keys.worker(id), String(o.concurrency), 'PX', heartbeatMs * 3);
  await beat();
  const heartbeat = setInterval(() => {
    beat().catch(() => {});
  }, heartbeatMs);
  heartbeat.unref();

  void worker
    .run()
    .catch((err: unknown) =>
      onEvent({ level: 'error', message: `worker stopped: ${maskUrl(String(err))}` }),
    );
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    id,
    roots: roots.dirs,
    close(force = false) {
      closing ??= (async () => {
        clearInterval(heartbeat);
        // With `force`, stop BullMQ first so that terminated batches are not marked done: their
        // locks expire and other workers run them again.
        const stopped = worker.close(force);
        if (force) for (const batch of running.values()) batch.abort();
        await stopped;
        await local.close();
        for (const callId of [...calls.keys()]) forget(callId);
        await redis.del(keys.worker(id)).catch(() => {});
        redis.disconnect();
        subscriber.disconnect();
      })();
      return closing;
    },
  };
}
