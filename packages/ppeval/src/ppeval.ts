/**
 * The call as the user writes it: `ppeval(fn, ...args)`, its options form `ppeval.with(...)`,
 * and its streaming form `ppeval.stream(...)`. Validates, locates, partitions, then hands over
 * to the engine (`run-call.ts`).
 *
 * @module
 */
import { randomUUID } from 'node:crypto';

import { prepareArguments } from './arguments.js';
import type { Backend } from './backend.js';
import { describeValue } from './describe-value.js';
import type { Broadcast, DistArray } from './dist-array.js';
import type { ElementError } from './errors.js';
import { LocateError, PpevalArgumentError } from './errors.js';
import { isLoadingFunctionModule } from './locate/load.js';
import { locateFunction } from './locate/locate.js';
import { runtimeLabel } from './locate/messages.js';
import type { ExplicitFunction } from './locate/locate.js';
import type { PpevalOptions, ResolvedCallOptions } from './options.js';
import { resolveCallOptions } from './options.js';
import type { FlowControl, Outcome } from './run-call.js';
import { runCall } from './run-call.js';
import { closeInputs } from './feed.js';
import { StatsRecorder } from './stats.js';

/** Any function: what ppeval accepts as `fn`. */
// `never[]` parameters accept every function type under strictFunctionTypes.
export type AnyFunction = (...args: never[]) => unknown;

/**
 * What may stand in parameter position `P` of the function: a {@link DistArray} of `P` (one
 * element per task), a {@link Broadcast} of `P`, or a `P` itself (broadcast).
 */
export type PpevalArg<P> = P | DistArray<P> | Broadcast<P>;

/** The arguments of `ppeval(fn, ...)` for a function with parameters `P`. */
export type PpevalArgs<P extends readonly unknown[]> = { [K in keyof P]: PpevalArg<P[K]> };

/** What one element of `fn` resolves to. */
export type ResultOf<F extends AnyFunction> = Awaited<ReturnType<F>>;

/** What ppeval accepts as `fn`: a function, or the explicit form `{ module, export }`. */
export type PpevalTarget = AnyFunction | ExplicitFunction;

/**
 * The arguments after `fn`: typed by a function's parameters, untyped for the explicit form.
 *
 * One generic signature with this conditional rest type, rather than one overload per form, so
 * that tsc reports a wrong or missing argument at that argument: with overloads it reported
 * "No overload matches this call" at the callee, or blamed the explicit form's overload.
 */
export type ArgsFor<F> = [F] extends [never]
  ? unknown[]
  : F extends AnyFunction
    ? PpevalArgs<Parameters<F>>
    : unknown[];

/** What one element resolves to: a function's awaited return type, else the `R` given. */
export type ResultFor<F, R> = F extends AnyFunction ? ResultOf<F> : R;

/**
 * One element's outcome with `settle: true`.
 *
 * @example
 * ```ts
 * const outcomes = await ppeval.with({ settle: true })(compress, i, 50);
 * const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => o.reason.index);
 * ```
 */
export type Settled<R> =
  | { readonly status: 'fulfilled'; readonly value: R }
  | { readonly status: 'rejected'; readonly reason: ElementError };

/**
 * What `ppeval.stream` yields, in completion order.
 *
 * @example
 * ```ts
 * for await (const { index, value } of ppeval.stream(compress, i, 50)) save(index, value);
 * ```
 */
export interface StreamItem<R> {
  /** The element's position in the distributed arguments. */
  readonly index: number;
  readonly value: R;
}

/** The streaming form: `ppeval.stream(fn, ...args)`. */
export interface PpevalStream {
  <R = unknown, F extends PpevalTarget = ExplicitFunction>(
    fn: F,
    ...args: ArgsFor<F>
  ): AsyncIterableIterator<StreamItem<ResultFor<F, R>>>;
}

/**
 * `ppeval(fn, ...args)`: runs `fn` once per element of the distributed arguments, on every core,
 * and resolves with the results in element order.
 */
export interface Ppeval {
  // `R` first: `ppeval<string>({ module, export }, ...)` types the explicit form's results.
  <R = unknown, F extends PpevalTarget = ExplicitFunction>(
    fn: F,
    ...args: ArgsFor<F>
  ): Promise<ResultFor<F, R>[]>;
  /**
   * Yields `{ index, value }` as elements finish. Leaving the loop early cancels the rest.
   * While 64 results wait for the loop, no new batch is sent (backpressure).
   */
  readonly stream: PpevalStream;
  /** The same call with options (merged over those of this form). */
  with(options: PpevalOptions & { readonly settle: true }): SettlingPpeval;
  with(options: PpevalOptions): Ppeval;
}

/** `ppeval.with({ settle: true })`: resolves with every element's outcome instead of failing. */
export interface SettlingPpeval {
  <R = unknown, F extends PpevalTarget = ExplicitFunction>(
    fn: F,
    ...args: ArgsFor<F>
  ): Promise<Settled<ResultFor<F, R>>[]>;
  with(options: PpevalOptions): SettlingPpeval;
}

type BackendSource = () => Backend;

/**
 * A stream stops sending batches while this many results wait for its consumer, and starts
 * again once it is down to {@link STREAM_LOW_WATER}: a slow consumer holds back the workers
 * instead of letting results pile up in memory.
 */
const STREAM_HIGH_WATER = 64;
const STREAM_LOW_WATER = 16;

/** Builds the `ppeval` of a pool. */
export function makePpeval(backend: BackendSource, options: PpevalOptions = {}): Ppeval {
  const call = (fn: unknown, ...args: unknown[]): Promise<unknown[]> =>
    evaluate(backend, options, fn, args);
  const stream = (fn: unknown, ...args: unknown[]): AsyncIterableIterator<StreamItem<unknown>> =>
    streamCall(backend, options, fn, args);
  Object.defineProperties(call, {
    stream: { value: stream, enumerable: true },
    with: {
      value: (more: PpevalOptions) => makePpeval(backend, mergeOptions(options, more)),
      enumerable: true,
    },
  });
  return call as unknown as Ppeval;
}

function mergeOptions(base: PpevalOptions, more: unknown): PpevalOptions {
  // Validate now so that a bad option fails where it is written, not at the first call: the
  // new options alone (unknown keys, values), then together with the earlier ones (`timeout`
  // with a `chunkSize` above 1 set by another `with`).
  resolveCallOptions(more);
  const merged = { ...base, ...(more as PpevalOptions) };
  resolveCallOptions(merged);
  return merged;
}

/** A call that settles into an array (in element order). */
async function evaluate(
  backend: BackendSource,
  rawOptions: PpevalOptions,
  fn: unknown,
  args: unknown[],
): Promise<unknown[]> {
  const options = resolveCallOptions(rawOptions);
  const results = new Array<unknown>();
  await execute(backend, options, fn, args, (index, outcome) => {
    if (options.settle) {
      results[index] = outcome.ok
        ? { status: 'fulfilled', value: outcome.value }
        : { status: 'rejected', reason: outcome.error };
    } else if (outcome.ok) {
      results[index] = outcome.value;
    }
  });
  return results;
}

/** Validates, locates and partitions, then runs the call through the engine. */
async function execute(
  source: BackendSource,
  options: ResolvedCallOptions,
  fn: unknown,
  args: readonly unknown[],
  onOutcome: (index: number, outcome: Outcome) => void,
  stop?: AbortSignal,
  flow?: FlowControl,
): Promise<void> {
  const stats = new StatsRecorder();
  let failed = false;
  let prepared: ReturnType<typeof prepareArguments> | undefined;
  let started = false;
  try {
    if (isLoadingFunctionModule()) {
      throw new LocateError(
        nameOf(fn),
        `ppeval was called while a worker was importing the module of a function it runs: ` +
          'that module calls ppeval at its top level, so every worker would start workers of ' +
          'its own. Move the ppeval call into a function, or into a separate entry script.',
      );
    }
    if (typeof fn !== 'function' && (typeof fn !== 'object' || fn === null)) {
      throw new PpevalArgumentError(
        `Expected the first argument of ppeval to be an exported function or ` +
          `{ module, export }, got ${describeValue(fn)}.`,
      );
    }
    const backend = source();
    prepared = prepareArguments(args, nameOf(fn), backend.sharedMemory, options.instances);
    stats.total = prepared.total;
    const ref = await locateFunction(
      fn as Parameters<typeof locateFunction>[0],
      runtimeLabel(backend.kind),
    );
    if (prepared.total === 0) return;
    started = true;
    await runCall({
      // The engine owns call ids: every backend keys its files, keys and jobs by this one.
      callId: randomUUID(),
      backend,
      fn: ref,
      args: prepared,
      options,
      stats,
      onOutcome,
      ...(stop ? { stop } : {}),
      ...(flow ? { flow } : {}),
    });
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // The engine closes the lazy inputs it ran; one that never started closes here.
    if (!started && prepared !== undefined) closeInputs(prepared);
    if (options.onStats) {
      try {
        options.onStats(stats.finish());
      } catch (error) {
        // A throwing callback fails a call that would have succeeded; it never hides a failure.
        // eslint-disable-next-line no-unsafe-finally
        if (!failed) throw error;
      }
    }
  }
}

/** The streaming form: starts when first iterated; leaving the loop early stops the call. */
async function* streamCall(
  backend: BackendSource,
  rawOptions: PpevalOptions,
  fn: unknown,
  args: unknown[],
): AsyncIterableIterator<StreamItem<unknown>> {
  const options = resolveCallOptions(rawOptions);
  if (options.settle) {
    throw new PpevalArgumentError(
      '`settle` does not apply to ppeval.stream, which yields results as they come: use ' +
        "ppeval.with({ settle: true })(...) for every outcome, or catch the stream's error.",
    );
  }
  const queue: StreamItem<unknown>[] = [];
  const stop = new AbortController();
  let resume: (() => void) | undefined;
  let paused = false;
  const flow: FlowControl = {
    paused: () => (paused = queue.length >= STREAM_HIGH_WATER),
    onResume: (fn) => (resume = fn),
  };
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  execute(
    backend,
    options,
    fn,
    args,
    (index, outcome) => {
      if (outcome.ok) queue.push({ index, value: outcome.value });
      wake?.();
    },
    stop.signal,
    flow,
  ).then(
    () => {
      finished = true;
      wake?.();
    },
    (error: unknown) => {
      finished = true;
      failure = { error };
      wake?.();
    },
  );
  try {
    for (;;) {
      const item = queue.shift();
      if (item) {
        if (paused && queue.length <= STREAM_LOW_WATER) {
          paused = false;
          resume?.();
        }
        yield item;
        continue;
      }
      if (finished) {
        if (failure) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    if (!finished) stop.abort();
  }
}

function nameOf(fn: unknown): string {
  if (typeof fn === 'function') return fn.name || '<anonymous>';
  const explicit = fn as Partial<ExplicitFunction> | null;
  return typeof explicit?.export === 'string' ? explicit.export : '<function>';
}
