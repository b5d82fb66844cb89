/**
 * The local backend: worker threads or child processes on this machine, through tinypool.
 *
 * @module
 */
import { setMaxListeners } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import Tinypool from 'tinypool';

import type { Backend, CallSession, CallSpec } from '../backend.js';
import { BatchLostError } from '../backend.js';
import { INLINE_BROADCAST_LIMIT, encodeBytes, encodeShared } from '../wire/broadcast.js';
import { BackendError, PoolClosedError, PpevalArgumentError } from '../errors.js';
import type { BatchRequest, BatchResult, BroadcastRef } from '../wire/protocol.js';
import { childProcesses, isProcessExit, isTermination, removeWorker } from './tinypool-adapter.js';
import { workerFlags, type WorkerFlags } from './worker-flags.js';
import type { WorkerSettings } from './worker.js';
import {
  WorkerRetired,
  isRefusal,
  tinypoolWorkerId,
  type LocalAnswer,
  type LocalTask,
} from './recycle.js';

/** Where elements run on this machine. */
export type Runtime = 'threads' | 'processes';

/** Settings of a {@link LocalBackend}, already validated. */
export interface LocalBackendSettings {
  readonly runtime: Runtime;
  readonly concurrency: number;
  readonly idleTimeout: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly execArgv: readonly string[] | undefined;
  /**
   * Whether threads may return bare SharedArrayBuffers. An embedder that re-serializes results
   * with `v8.serialize` (the Redis worker) turns it off: v8 cannot write them.
   * @defaultValue true (threads only; child processes never can)
   */
  readonly sharedResults?: boolean;
  /** Elements after which a worker is replaced (see `recycle.ts`); undefined: never. */
  readonly maxElementsPerWorker?: number | undefined;
  /** Heap megabytes past which a worker is replaced after its batch; undefined: never. */
  readonly maxWorkerHeapMb?: number | undefined;
}

/** Node caps timers at 2^31 - 1 ms; longer idle timeouts mean "keep the workers". */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Worker threads or child processes through one tinypool. */
export class LocalBackend implements Backend {
  readonly kind: Runtime;
  readonly workers: number;
  readonly capacity: number;
  readonly sharedMemory: boolean;
  readonly crashAdvice: string | undefined;
  /** A worker's element quota caps every batch: no worker runs past it. */
  readonly maxBatch: number | undefined;
  readonly #settings: LocalBackendSettings;
  #pool: Tinypool | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Batches running or queued right now. */
  #active = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Aborted with a BackendError when the current tinypool cannot start workers. */
  #failures = failureController();
  /** The workers' Node flags and limits. */
  readonly #flags: WorkerFlags;

  constructor(settings: LocalBackendSettings) {
    this.#settings = settings;
    this.kind = settings.runtime;
    this.workers = settings.concurrency;
    // A second batch per worker waits in tinypool's queue, so a worker that finishes starts the
    // next one without a round trip through the engine.
    this.capacity = settings.concurrency * 2;
    this.sharedMemory = settings.runtime === 'threads';
    // A thread's native crash takes the caller with it; a child process's takes only itself.
    this.crashAdvice =
      settings.runtime === 'threads'
        ? "use runtime: 'processes' to isolate code that can crash."
        : undefined;
    this.maxBatch = settings.maxElementsPerWorker;
    // Here, so that createPool throws for a heap limit that V8's own flags would override.
    this.#flags = workerFlags(settings.runtime, settings.execArgv, settings.resourceLimits);
  }

  /** The running tinypool, created on first use (so an unused pool starts no worker). */
  #tinypool(): Tinypool {
    if (this.#pool) return this.#pool;
    const { runtime, concurrency, maxWorkerHeapMb } = this.#settings;
    const { execArgv, resourceLimits } = this.#flags;
    const pool = new Tinypool({
      filename: new URL('./worker.js', import.meta.url).href,
      runtime: runtime === 'threads' ? 'worker_threads' : 'child_process',
      // Workers start on demand (so that tinypool learns when one fails to start, see below)...
      minThreads: 0,
      maxThreads: concurrency,
      concurrentTasksPerWorker: 1,
      ...(resourceLimits ? { resourceLimits } : {}),
      // Compared by tinypool with the heap the worker reports after each task.
      ...(maxWorkerHeapMb !== undefined
        ? { maxMemoryLimitBeforeRecycle: maxWorkerHeapMb * 1024 * 1024 }
        : {}),
      execArgv,
      workerData: { sharedResults: this.#settings.sharedResults ?? true } satisfies WorkerSettings,
      // tinypool gives child processes only the variables named here: pass the caller's.
      ...(runtime === 'processes'
        ? { env: { ...process.env } as Record<string, string>, serialization: 'advanced' as const }
        : {}),
    });
    // tinypool reports here the errors of workers that hold no task: an idle worker that died
    // (an element's stray timer threw after its batch returned), which tinypool replaces; or a
    // worker that failed to start, which it does not replace, leaving queued batches waiting
    // forever. The second case breaks the pool: fail its waiting batches and start afresh.
    pool.on('error', (error: unknown) => {
      if (error instanceof WorkerRetired) return;
      if (pool.threads.length === 0 && pool.queueSize > 0) this.#broken(pool, error);
    });
    // ...but once started, a dead or terminated worker must be replaced: tinypool replaces
    // workers only up to minThreads, and below it batches queued behind a crash would wait
    // forever. Its options object is live. Idle workers are released as a whole instead (see
    // #scheduleRelease).
    (pool.options as { minThreads: number }).minThreads = concurrency;
    this.#pool = pool;
    this.#failures = failureController();
    return pool;
  }

  #broken(pool: Tinypool, error: unknown): void {
    if (this.#pool !== pool) return;
    this.#pool = undefined;
    const message = error instanceof Error ? error.message : String(error);
    this.#failures.abort(
      new BackendError(
        `The ${this.kind === 'threads' ? 'worker threads' : 'child processes'} failed to ` +
          `start: ${message}. Check the \`execArgv\` option` +
          (this.kind === 'threads' ? ' and `resourceLimits` (a heap too small to start)' : '') +
          ', and the flags Node was started with.',
        { cause: error },
      ),
    );
    void pool.destroy();
  }

  async openCall(spec: CallSpec): Promise<CallSession> {
    if (this.#closed) throw new PoolClosedError();
    if (this.sharedMemory) return this.#session(encodeShared(spec.broadcast));
    if (spec.broadcast.length === 0) return this.#session({ kind: 'none' });
    return this.#sessionOfBytes(spec.callId, encodeBytes(spec.broadcast));
  }

  /**
   * Opens a call whose broadcast arguments arrive already encoded (the bytes of `encodeBytes`),
   * as a Redis worker reads them from Redis: threads share one copy of the bytes, child
   * processes get them inline or through a temporary file, as for {@link openCall}.
   *
   * @example
   * ```ts
   * const session = await backend.openEncodedCall(callId, bytesFromRedis);
   * const result = await session.run({ ...batch, broadcast: session.broadcast }, signal);
   * ```
   */
  async openEncodedCall(callId: string, bytes: Uint8Array | undefined): Promise<CallSession> {
    if (this.#closed) throw new PoolClosedError();
    if (bytes === undefined) return this.#session({ kind: 'none' });
    if (this.sharedMemory) {
      // Every thread decodes the same bytes (once per call), none copies them.
      const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
      shared.set(bytes);
      return this.#session({ kind: 'inline', bytes: shared });
    }
    return this.#sessionOfBytes(callId, bytes);
  }

  /** Child processes: small broadcast bytes travel inline, larger ones through a file. */
  async #sessionOfBytes(callId: string, bytes: Uint8Array): Promise<CallSession> {
    if (bytes.byteLength <= INLINE_BROADCAST_LIMIT) {
      return this.#session({ kind: 'inline', bytes });
    }
    // A session of its own per file: a Redis worker may reopen a call it evicted from its cache
    // while the old session's batches still run, and closing that one must not delete this file.
    const file = path.join(tmpdir(), `ppeval-${process.pid}-${callId}-${(fileSeq += 1)}.bcast`);
    try {
      await writeFile(file, bytes, { mode: 0o600 });
    } catch (error) {
      // A disk that filled up half-way leaves part of the file behind: remove it.
      await rm(file, { force: true }).catch(() => undefined);
      throw new BackendError(
        `Could not write the broadcast arguments (${bytes.byteLength} bytes) to the ` +
          `temporary file ${file}, through which child processes receive them: ` +
          `${error instanceof Error ? error.message : String(error)}. Point TMPDIR at a ` +
          "writable directory with room for them, or use runtime: 'threads', which " +
          'shares them in memory.',
        { cause: error },
      );
    }
    return this.#session({ kind: 'file', path: file, size: bytes.byteLength }, file);
  }

  #session(broadcast: BroadcastRef, file?: string): CallSession {
    return {
      broadcast,
      run: (batch, signal) => this.#run(batch, signal),
      close: async () => {
        if (file !== undefined) await rm(file, { force: true });
      },
    };
  }

  async #run(batch: BatchRequest, signal: AbortSignal): Promise<BatchResult> {
    this.#active += 1;
    clearTimeout(this.#idleTimer);
    try {
      return await this.#attempt(batch, signal);
    } finally {
      this.#active -= 1;
      if (this.#active === 0) this.#scheduleRelease();
    }
  }

  /** After `idleTimeout` ms without a batch, terminates the workers (a later call starts new ones). */
  #scheduleRelease(): void {
    const { idleTimeout } = this.#settings;
    if (idleTimeout > MAX_TIMER_MS) return;
    this.#idleTimer = setTimeout(() => {
      const pool = this.#pool;
      if (this.#active > 0 || pool === undefined) return;
      this.#pool = undefined;
      void pool.destroy();
    }, idleTimeout);
    // Idle workers never keep the process alive, nor does the timer that releases them.
    this.#idleTimer.unref();
  }

  async #attempt(batch: BatchRequest, signal: AbortSignal): Promise<BatchResult> {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new PoolClosedError();
      const pool = this.#tinypool();
      const failures = this.#failures.signal;
      try {
        const answer = await raceFailure(this.#start(pool, batch, signal), failures);
        if (isRefusal(answer)) {
          // The worker reached its quota: the batch did not run. A fresh worker takes it.
          this.#retire(pool, answer.workerId);
          if (attempt < MAX_REFUSALS) continue;
          throw new BackendError(
            `Workers kept refusing a batch of ${batch.indices.length} elements for their ` +
              'element quota (the maxElementsPerWorker option); this is a bug in ppeval.',
          );
        }
        if (answer.retire === true) {
          this.#retire(pool, answer.workerId);
          const { retire: _, ...result } = answer;
          return result;
        }
        return answer;
      } catch (error) {
        if (failures.aborted) throw failures.reason;
        if (signal.aborted) throw error;
        if (this.#closed) throw new PoolClosedError();
        // tinypool race: a worker removed because another call aborted its task may still
        // answer that task, take the next queued batch, and then be terminated under it. That
        // batch did nothing wrong: send it again.
        if (isTermination(error) && attempt < MAX_TERMINATION_RETRIES) continue;
        // A batch handed to a worker that had just given its last answer: that worker never
        // runs another, so this one did not run.
        if (error instanceof WorkerRetired && attempt < MAX_REFUSALS) continue;
        throw this.#describe(error);
      }
    }
  }

  /**
   * Replaces a worker that reached its element quota. tinypool has no call for removing one
   * worker, but it removes and replaces a worker whose wrapper reports an error, failing the
   * tasks it holds with that error (a batch handed to it after its last answer, which it never
   * runs: see `recycle.ts`). Its wrappers are what `pool.threads` lists, with `threadId` a
   * thread's id or a child's pid.
   */
  #retire(pool: Tinypool, workerName: string): void {
    const id = tinypoolWorkerId(workerName);
    if (id !== undefined) removeWorker(pool, id, new WorkerRetired(workerName));
  }

  /** Hands one batch to tinypool, forwarding `signal` only once tinypool holds the task. */
  #start(pool: Tinypool, batch: BatchRequest, signal: AbortSignal): Promise<LocalAnswer> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    // tinypool listens on the signal it gets before it can fail to create a worker (Node
    // refuses a flag of execArgv): its listener would then look for a task it never queued,
    // fail an assertion and crash the whole process. So it gets a signal of its own, aborted
    // only for a task it accepted.
    const own = new AbortController();
    const { maxElementsPerWorker } = this.#settings;
    const request: LocalTask =
      maxElementsPerWorker === undefined ? batch : { ...batch, maxElements: maxElementsPerWorker };
    let task: Promise<LocalAnswer>;
    try {
      task = pool.run(request, { signal: own.signal }) as Promise<LocalAnswer>;
    } catch (error) {
      // No worker can be created: the pool cannot start (see #broken).
      this.#broken(pool, error);
      return Promise.reject(error as Error);
    }
    this.#watchExits(pool);
    const forward = (): void => own.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    const detach = (): void => {
      signal.removeEventListener('abort', forward);
      // tinypool replaced a dead child at once, maybe while this batch settled: watch it too.
      this.#watchExits(pool);
    };
    task.then(detach, detach);
    return task;
  }

  /**
   * Adds the exit code or signal of a child process that died to the error tinypool reports
   * for its batch ("Worker exited unexpectedly", without either), so that process.exit(7) reads
   * exitCode 7 as on threads. The child has its exit code when it emits the error, and the
   * batch's promise rejects only after this listener ran.
   */
  #watchExits(pool: Tinypool): void {
    if (this.kind !== 'processes') return;
    for (const child of childProcesses(pool)) {
      if (watched.has(child)) continue;
      watched.add(child);
      child.on('error', (error: Error & { exitCode?: number; signal?: string }) => {
        if (child.exitCode !== null) error.exitCode = child.exitCode;
        if (child.signalCode !== null) error.signal = child.signalCode;
      });
    }
  }

  #describe(error: unknown): Error {
    if (error instanceof Error && error.name === 'DataCloneError') {
      return new PpevalArgumentError(
        `An element's arguments could not be sent to a worker: ${error.message}`,
        { cause: error },
      );
    }
    return lostBatch(error, this.kind);
  }

  close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#closing ??= this.#pool ? this.#pool.destroy() : Promise.resolve();
    return this.#closing;
  }
}

/**
 * The controller whose signal every batch in flight on one tinypool listens to: one listener
 * per batch, so many calls at once exceed Node's default of 10, which would print a
 * MaxListenersExceededWarning on the caller's stderr.
 */
function failureController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

function raceFailure<T>(work: Promise<T>, failures: AbortSignal): Promise<T> {
  if (failures.aborted) {
    // The failure is the answer; the work's own outcome no longer matters.
    work.catch(() => undefined);
    return Promise.reject(failures.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onFailure = (): void => reject(failures.reason as Error);
    failures.addEventListener('abort', onFailure, { once: true });
    work.then(
      (value) => {
        failures.removeEventListener('abort', onFailure);
        resolve(value);
      },
      (error: unknown) => {
        failures.removeEventListener('abort', onFailure);
        reject(error as Error);
      },
    );
  });
}

/** Numbers the broadcast files of this process. */
let fileSeq = 0;

/** The child processes whose exits {@link LocalBackend} already watches. */
const watched = new WeakSet<ChildProcess>();

/**
 * How often a batch is resent after workers refused it for their quota. One refusal is the
 * rule (the batch then goes to a fresh worker, which accepts any batch within the quota); more
 * happen only when a batch was handed to a retiring worker between its last answer and its
 * removal, each time on another worker.
 */
const MAX_REFUSALS = 20;

/** How often a batch is resent after tinypool terminated an innocent worker under it. */
const MAX_TERMINATION_RETRIES = 5;

/** Describes why a worker died, from what tinypool reported. */
function lostBatch(error: unknown, runtime: Runtime): BatchLostError {
  const err = error as {
    message?: unknown;
    code?: unknown;
    exitCode?: unknown;
    signal?: unknown;
    name?: unknown;
  };
  const exitCode = typeof err?.exitCode === 'number' ? err.exitCode : undefined;
  let reason: string;
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    reason = 'it ran out of memory (its heap limit, see the resourceLimits option)';
  } else if (err?.name === 'WorkerExit') {
    reason = `it called process.exit(${exitCode ?? ''})`;
  } else if (runtime === 'processes' && isProcessExit(error)) {
    reason =
      typeof err.signal === 'string'
        ? `the child process was killed by ${err.signal} (kill -9, or the system ran out of memory)`
        : exitCode !== undefined
          ? `the child process exited with code ${exitCode} (process.exit(${exitCode}), or a crash)`
          : 'the child process exited (process.exit, a crash, out of memory or a signal)';
  } else {
    const message = typeof err?.message === 'string' ? err.message : String(error);
    const name = typeof err?.name === 'string' ? err.name : 'Error';
    reason = `an uncaught ${name}: ${message}, raised outside the function's own call (in a timer, an event handler, or a promise it left rejected with no handler)`;
  }
  return new BatchLostError(reason, exitCode, { cause: error });
}
