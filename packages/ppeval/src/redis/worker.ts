/**
 * A Redis worker process: takes batches from the BullMQ queue, runs them in sandbox threads and
 * appends their results to the caller's result stream. Started by `ppeval-worker` (see
 * bin/ppeval-worker.ts) on every machine that should work, with the same project installed.
 *
 * Semantics are BullMQ's: at least once. A batch whose worker dies (killed process, lost lock)
 * is put back in the queue by the other workers' stall check and runs again; a batch whose
 * sandbox thread dies is retried through the job's `attempts`.
 *
 * @module
 */
import { hostname } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { BackendError } from '../errors.js';
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
import { SandboxCancelledError, SandboxExitError, SandboxPool } from './sandbox-pool.js';
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
  readonly request: Pick<BatchRequest, 'fn' | 'broadcast'> | undefined;
  /** Why this worker refuses the call, when it does. */
  readonly refusal: string | undefined;
}

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

  const sandboxes = new SandboxPool(o.concurrency, o.sandbox);
  const calls = new Map<string, Promise<CallContext | undefined>>();
  // Sandboxes keep the modules they imported: the version each file had when first used.
  const imported = new Map<string, string>();

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
      while (calls.size > 16) calls.delete(calls.keys().next().value as string);
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
    const refuse = (refusal: string): CallContext => ({ meta, request: undefined, refusal });
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
    let bytes: Uint8Array | undefined;
    if (meta.hasBroadcast) {
      if (broadcast === null || broadcast === undefined) return undefined;
      // Shared memory: every sandbox thread reads the same bytes, decoded once per thread.
      bytes = new Uint8Array(new SharedArrayBuffer(broadcast.byteLength));
      bytes.set(broadcast);
    }
    return {
      meta,
      refusal: undefined,
      request: {
        fn: { module: module.specifier, exportPath: meta.exportPath, name: meta.name },
        broadcast: bytes === undefined ? { kind: 'none' } : { kind: 'inline', bytes },
      },
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
    // The call ended (finished, failed or aborted), or its caller died: nobody waits for it.
    if (ctx === undefined || (await redis.exists(ctx.meta.pool)) === 0) return;
    if (ctx.request === undefined) {
      onEvent({ level: 'warn', message: `refused a batch: ${ctx.refusal ?? ''}` });
      await writeRecord(ctx.meta, job.data.c, jobId, 'refused', ctx.refusal ?? 'refused');
      return;
    }
    const part = deserialize(Buffer.from(job.data.b, 'base64')) as Pick<
      BatchRequest,
      'callId' | 'slots' | 'indices' | 'elements' | 'fixups' | 'instances'
    >;
    let result;
    try {
      result = await sandboxes.run(jobId, { ...part, ...ctx.request });
    } catch (err) {
      if (err instanceof SandboxCancelledError) return;
      if (!(err instanceof SandboxExitError)) throw err;
      const attempts = job.opts.attempts ?? 1;
      // BullMQ retries the job while attempts remain; the last failure goes to the caller.
      if (job.attemptsMade + 1 < attempts) throw err;
      await writeRecord(
        ctx.meta,
        job.data.c,
        jobId,
        'lost',
        JSON.stringify({
          message: `${err.message} (worker ${id}, ${attempts} attempt(s))`,
          exitCode: err.exitCode,
        }),
      );
      return;
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
    if (message.startsWith(END_OF_CALL)) calls.delete(message.slice(END_OF_CALL.length));
    else if (sandboxes.cancel(message)) {
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
        if (force) await sandboxes.close();
        await stopped;
        await sandboxes.close();
        await redis.del(keys.worker(id)).catch(() => {});
        redis.disconnect();
        subscriber.disconnect();
      })();
      return closing;
    },
  };
}
