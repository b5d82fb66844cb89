/**
 * The call engine: cuts a call into batches, keeps the backend busy, gathers outcomes, and
 * applies the failure policy (fail fast or settle, worker deaths, retries, timeouts, aborts).
 * Backend-agnostic: see `backend.ts` for the other side.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

import type { PreparedArguments } from './arguments.js';
import type { Backend, CallSession } from './backend.js';
import { BatchLostError } from './backend.js';
import { describeValue } from './describe-value.js';
import {
  AbortError,
  ElementTimeoutError,
  LocateError,
  TaskError,
  WorkerExitError,
  type ElementError,
} from './errors.js';
import type { FunctionRef } from './locate/locate.js';
import type { ResolvedCallOptions } from './options.js';
import type { BatchRequest, BatchResult } from './wire/protocol.js';
import { Feed, type FeedBatch } from './feed.js';
import { BatchSizer } from './schedule.js';
import { StragglerPolicy } from './speculate.js';
import { deserializeError } from './wire/serialize-error.js';
import { applyFixups, type Fixup } from './wire/values.js';
import type { StatsRecorder } from './stats.js';

/** One element's outcome, as the engine reports it. */
export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: ElementError };

/** Everything the engine needs for one call. */
export interface CallInput {
  readonly callId: string;
  readonly backend: Backend;
  readonly fn: FunctionRef;
  readonly args: PreparedArguments;
  readonly options: ResolvedCallOptions;
  readonly stats: StatsRecorder;
  /** Receives each element's outcome as it arrives (completion order). */
  readonly onOutcome: (index: number, outcome: Outcome) => void;
  /** Stops the call from inside the library (a stream whose consumer left). */
  readonly stop?: AbortSignal;
  /** Lets a consumer hold back new batches while it catches up (a stream's buffer). */
  readonly flow?: FlowControl;
}

/** Backpressure: while `paused()` holds, no new batch is sent; `resume` sends them again. */
export interface FlowControl {
  paused(): boolean;
  /** Receives the function the consumer calls once it is ready for more. */
  onResume(resume: () => void): void;
}

/**
 * Elements to run, with their values: a batch keeps its elements until its results are in, so
 * that a lazy input's elements (read once) can run again after a worker died.
 */
interface Pending extends FeedBatch {
  /** How many times these elements already ran on a worker that died (singles only). */
  readonly attempts: number;
}

interface Flight extends Pending {
  readonly controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  timedOut: boolean;
  /** `performance.now()` when it was sent (for speculation). */
  readonly startedAt: number;
  /** The other run of the same elements, while both run (see `speculate.ts`). */
  twin: Flight | undefined;
  /** Whether this run is the speculative copy. */
  readonly copy: boolean;
  /** Its twin finished first: whatever this run ends with is ignored. */
  lost: boolean;
}

/**
 * Runs a call to the end. Resolves when every element has an outcome (all fulfilled, or settled
 * with `settle: true`); rejects with the first element's error (fail fast), an
 * {@link AbortError}, or a backend failure.
 */
export function runCall(input: CallInput): Promise<void> {
  return new CallRun(input).start();
}

class CallRun {
  readonly #in: CallInput;
  readonly #sizer: BatchSizer;
  readonly #capacity: number;
  readonly #flights = new Set<Flight>();
  readonly #singles: Pending[] = [];
  readonly #feed: Feed;
  readonly #workers: number;
  /** Present with `speculate: true`. */
  readonly #stragglers: StragglerPolicy | undefined;
  #speculationTimer: NodeJS.Timeout | undefined;
  #session: CallSession | undefined;
  #done = 0;
  #finished = false;
  #opening = false;
  #settled = false;
  #failure: { readonly error: unknown } | undefined;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;
  readonly #onAbort = (): void => {
    const reason: unknown = this.#in.options.signal?.reason;
    this.#fail(new AbortError('The ppeval call was aborted.', { cause: reason }));
  };
  readonly #onStop = (): void => {
    this.#fail(new AbortError('The ppeval call was stopped by its consumer.'));
  };

  constructor(input: CallInput) {
    this.#in = input;
    input.flow?.onResume(() => this.#pump());
    const { backend, options } = input;
    this.#feed = new Feed(input.args, {
      fnName: input.fn.name,
      sharedMemory: backend.sharedMemory,
      instances: options.instances,
      onReady: () => this.#pump(),
      onError: (error) => this.#fail(error),
    });
    const workers = Math.min(options.concurrency ?? backend.workers, backend.workers);
    this.#workers = workers;
    this.#stragglers = options.speculate ? new StragglerPolicy() : undefined;
    this.#sizer = new BatchSizer(workers, options.timeout !== undefined ? 1 : options.chunkSize);
    // With a timeout, a batch must start when sent (its clock runs from there): no queueing.
    // With a call-level concurrency below the pool's, a queued batch could start on another
    // free worker: no queueing either, so that at most `concurrency` batches ever run.
    const limited = options.concurrency !== undefined && options.concurrency < backend.workers;
    this.#capacity = Math.max(
      1,
      options.timeout !== undefined || limited ? workers : backend.capacity,
    );
  }

  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const { signal } = this.#in.options;
      if (signal?.aborted) return this.#onAbort();
      signal?.addEventListener('abort', this.#onAbort, { once: true });
      this.#in.stop?.addEventListener('abort', this.#onStop, { once: true });
      const { callId, fn, args, backend } = this.#in;
      this.#opening = true;
      backend.openCall({ callId, fn, broadcast: args.broadcast, total: args.total }).then(
        (session) => {
          this.#opening = false;
          this.#session = session;
          if (this.#finished) this.#settleWhenDrained();
          else this.#pump();
        },
        (error: unknown) => {
          this.#opening = false;
          this.#fail(error);
        },
      );
    });
  }

  #pump(): void {
    while (
      !this.#finished &&
      this.#flights.size < this.#capacity &&
      !(this.#in.flow?.paused() ?? false)
    ) {
      const pending = this.#takeNext();
      if (pending === undefined) break;
      this.#dispatch(pending);
    }
    if (
      !this.#finished &&
      this.#flights.size === 0 &&
      this.#singles.length === 0 &&
      this.#feed.drained &&
      this.#done === this.#feed.total
    ) {
      this.#succeed();
    }
    if (this.#stragglers && !this.#finished) this.#speculate(this.#stragglers);
  }

  /**
   * Starts a copy of a straggling batch on an idle worker, once nothing else waits to be sent;
   * or sets a timer for when the first running batch would become a straggler.
   */
  #speculate(policy: StragglerPolicy): void {
    clearTimeout(this.#speculationTimer);
    const waiting = this.#singles.length > 0 || !this.#feed.drained;
    if (waiting || this.#flights.size >= this.#workers || this.#session === undefined) return;
    const candidates = [...this.#flights].filter((f) => !f.copy && !f.lost && !f.twin);
    const choice = policy.choose(candidates, performance.now());
    if (choice === undefined) return;
    if (choice.copy === undefined) {
      this.#speculationTimer = setTimeout(() => this.#pump(), choice.waitMs);
      this.#speculationTimer.unref();
      return;
    }
    this.#in.stats.speculated += choice.copy.indices.length;
    const { indices, elements, fixups, attempts } = choice.copy;
    this.#dispatch({ indices, elements, ...(fixups ? { fixups } : {}), attempts }, choice.copy);
    // Another worker may be idle for another straggler.
    this.#speculate(policy);
  }

  /**
   * A run of elements that another run also holds ended. Returns whether its outcome counts:
   * not when its twin finished first; for a result, the twin is stopped; for a failure, the
   * twin (still running) decides instead.
   */
  #settleTwins(flight: Flight, succeeded: boolean): boolean {
    if (flight.lost) return false;
    const twin = flight.twin;
    if (twin === undefined) return true;
    flight.twin = undefined;
    twin.twin = undefined;
    if (!succeeded) return false;
    twin.lost = true;
    twin.controller.abort();
    if (flight.copy) this.#in.stats.speculationWins += flight.indices.length;
    return true;
  }

  #takeNext(): Pending | undefined {
    const single = this.#singles.shift();
    if (single) return single;
    const feed = this.#feed;
    // Before a lazy input's end "what remains" is unknown (Infinity): batches then follow the
    // measured time per element alone, and guided self-scheduling takes over at the end. A
    // worker's element quota caps every batch.
    const size = Math.min(
      this.#sizer.next(feed.remaining),
      this.#in.backend.maxBatch ?? Number.POSITIVE_INFINITY,
    );
    const batch = feed.take(size, this.#flights.size === 0);
    return batch && { ...batch, attempts: 0 };
  }

  #dispatch(pending: Pending, original?: Flight): void {
    const session = this.#session!;
    const { args, options, callId, fn } = this.#in;
    const flight: Flight = {
      ...pending,
      controller: new AbortController(),
      timer: undefined,
      timedOut: false,
      startedAt: performance.now(),
      twin: original,
      copy: original !== undefined,
      lost: false,
    };
    if (original) original.twin = flight;
    const request: BatchRequest = {
      callId,
      fn,
      broadcast: session.broadcast,
      slots: args.slots,
      indices: pending.indices,
      elements: pending.elements,
      ...batchFixups(pending.fixups),
      ...(options.instances === 'plain' ? { instances: 'plain' as const } : {}),
      ...(options.transferResults ? { transferResults: true as const } : {}),
    };
    this.#flights.add(flight);
    if (options.timeout !== undefined) {
      flight.timer = setTimeout(() => {
        flight.timedOut = true;
        flight.controller.abort();
      }, options.timeout);
    }
    let promise: Promise<BatchResult>;
    try {
      promise = session.run(request, flight.controller.signal);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => this.#onResult(flight, result),
      (error: unknown) => this.#onError(flight, error),
    );
  }

  #land(flight: Flight): boolean {
    clearTimeout(flight.timer);
    this.#flights.delete(flight);
    if (this.#finished) {
      this.#settleWhenDrained();
      return false;
    }
    return true;
  }

  #onResult(flight: Flight, result: BatchResult): void {
    if (!this.#land(flight)) return;
    if (!this.#settleTwins(flight, true)) return this.#pump();
    const { stats, onOutcome, options, fn } = this.#in;
    stats.record(result, flight.indices.length);
    this.#sizer.record(flight.indices.length, result.fnMs);
    // Measured like the stragglers' running time: from sending to landing, transport included.
    this.#stragglers?.record(flight.indices.length, performance.now() - flight.startedAt);
    for (let i = 0; i < flight.indices.length; i++) {
      const index = flight.indices[i]!;
      const outcome = result.results[i];
      if (outcome?.ok) {
        applyFixups(outcome.fixups);
        onOutcome(index, { ok: true, value: outcome.value });
        this.#done += 1;
        continue;
      }
      const cause = outcome ? deserializeError(outcome.error) : new Error('missing result');
      if (result.functionUnavailable === true) {
        // The worker could not load the function: no element can run, whatever `settle` says.
        // (A flag from the worker, not the error's name: a user's own error class may be called
        // LocateError too.)
        const message = cause instanceof Error ? cause.message : String(cause);
        return this.#fail(new LocateError(fn.name, message, { cause }));
      }
      const error = new TaskError(index, describeThrow(fn.name, index, cause), { cause });
      if (!options.settle) return this.#fail(error);
      onOutcome(index, { ok: false, error });
      this.#done += 1;
    }
    this.#progress();
    this.#pump();
  }

  #onError(flight: Flight, error: unknown): void {
    if (!this.#land(flight)) return;
    if (!this.#settleTwins(flight, false)) return this.#pump();
    const { options, fn } = this.#in;
    const [index] = flight.indices;
    if (flight.timedOut && index !== undefined) {
      this.#elementFailed(
        index,
        new ElementTimeoutError(index, options.timeout!, { cause: error }),
      );
    } else if (error instanceof BatchLostError && index !== undefined) {
      if (flight.indices.length > 1) {
        // Any element of the batch may have killed the worker: run each alone to find which.
        flight.indices.forEach((k, i) => this.#singles.push(single(flight, k, i, 0)));
        this.#in.stats.reruns += flight.indices.length;
      } else if (flight.attempts < options.retries) {
        this.#singles.push(single(flight, index, 0, flight.attempts + 1));
        this.#in.stats.reruns += 1;
      } else {
        const runs = flight.attempts + 1;
        this.#elementFailed(
          index,
          new WorkerExitError(
            index,
            `The worker running ${fn.name}(element ${index}) died: ${error.message}. ` +
              (runs > 1 ? `It died on all ${runs} attempts. ` : '') +
              advice(options.retries === 0, this.#in.backend.crashAdvice),
            error.exitCode,
            { cause: error },
          ),
        );
      }
    } else {
      this.#fail(error);
    }
    if (!this.#finished) {
      this.#progress();
      this.#pump();
    }
  }

  #elementFailed(index: number, error: ElementError): void {
    if (!this.#in.options.settle) return this.#fail(error);
    this.#in.onOutcome(index, { ok: false, error });
    this.#done += 1;
  }

  #progress(): void {
    const { onProgress } = this.#in.options;
    if (onProgress === undefined || this.#finished) return;
    const feed = this.#feed;
    const known = feed.total;
    const total = known ?? feed.taken;
    try {
      onProgress(
        this.#done,
        total,
        this.#in.stats.progress.report(this.#done, total, known !== undefined),
      );
    } catch (error) {
      this.#fail(error);
    }
  }

  #succeed(): void {
    this.#finished = true;
    this.#detach();
    this.#settleWhenDrained();
  }

  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#failure = { error };
    this.#detach();
    // Terminates the busy workers of this call and drops its queued batches; each aborted run
    // rejects promptly (the backend contract), so the call settles right after.
    for (const flight of this.#flights) flight.controller.abort();
    this.#settleWhenDrained();
  }

  #detach(): void {
    // A lazy input stops here: its iterator closes, and no element is read after the call.
    this.#feed.close();
    this.#in.stats.total = this.#feed.total ?? this.#feed.taken;
    clearTimeout(this.#speculationTimer);
    this.#in.options.signal?.removeEventListener('abort', this.#onAbort);
    this.#in.stop?.removeEventListener('abort', this.#onStop);
  }

  /**
   * Settles the call once it is finished, its last batch has landed and its session is closed,
   * so that a settled call holds no worker, file or key.
   */
  #settleWhenDrained(): void {
    if (!this.#finished || this.#settled || this.#opening || this.#flights.size > 0) return;
    this.#settled = true;
    const failure = this.#failure;
    const closing = this.#session ? this.#session.close() : Promise.resolve();
    closing.then(
      () => (failure ? this.#reject(failure.error) : this.#resolve()),
      // A close error only matters when nothing else went wrong.
      (error: unknown) => this.#reject(failure ? failure.error : error),
    );
  }
}

/** The way out of a worker death, as one sentence. */
function advice(noRetries: boolean, crashAdvice: string | undefined): string {
  const fix = crashAdvice ?? 'fix the crash.';
  if (noRetries)
    return `Set the \`retries\` option to run such elements again on another worker, or ${fix}`;
  return fix.charAt(0).toUpperCase() + fix.slice(1);
}

function describeThrow(fnName: string, index: number, cause: unknown): string {
  const what =
    cause instanceof Error
      ? `${cause.name}: ${cause.message}`
      : `a non-error value: ${describeValue(cause)}`;
  return `${fnName}(element ${index}) threw ${what}`;
}

/** Element `i` of a batch (index `k`) as a batch of its own. */
function single(batch: FeedBatch, k: number, i: number, attempts: number): Pending {
  const fixups = batch.fixups?.[i];
  return {
    indices: [k],
    elements: [batch.elements[i]!],
    ...(fixups === undefined ? {} : { fixups: [fixups] }),
    attempts,
  };
}

/** The fixups of a batch's elements, absent when none has any (the common case). */
function batchFixups(perElement: FeedBatch['fixups']): { fixups?: Fixup[] } {
  if (perElement === undefined) return {};
  const fixups = perElement.flatMap((list) => list ?? []);
  return fixups.length === 0 ? {} : { fixups };
}
