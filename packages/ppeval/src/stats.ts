/**
 * Per-call timing, for the `onStats` option.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

import type { BatchResult } from './wire/protocol.js';

/** What one worker did for one call. */
export interface WorkerStats {
  /** The worker: `thread:<pid>.<threadId>`, `process:<pid>`, or a remote backend's name. */
  readonly id: string;
  /** Milliseconds it spent running this call's batches (loading the broadcast arguments included). */
  readonly busyMs: number;
  /** Elements it finished. */
  readonly elements: number;
  /** Batches it finished. */
  readonly batches: number;
  /** How many times it loaded the call's broadcast arguments: 1, or 0 if another call's load was reused. */
  readonly broadcastLoads: number;
}

/**
 * Timing of one call. `busyMs / (wallMs * workers.length)` is how well the workers were used;
 * a low figure for many elements means the elements are too cheap for parallelism to pay.
 *
 * @example
 * ```ts
 * let stats: CallStats | undefined;
 * await ppeval.with({ onStats: (s) => (stats = s) })(fn, array(items));
 * console.log(`${stats!.elements} elements in ${stats!.wallMs.toFixed(0)} ms`);
 * ```
 */
export interface CallStats {
  /** Milliseconds from the call to its settling. */
  readonly wallMs: number;
  /** Elements in the call (of a lazy input that stopped early: the elements read). */
  readonly total: number;
  /** Elements that finished (all of them unless the call failed or was aborted). */
  readonly elements: number;
  /** Batches that returned. */
  readonly batches: number;
  /** Elements run again because their worker died (the `retries` option and re-runs of lost batches). */
  readonly reruns: number;
  /**
   * Elements started again on an idle worker because their run straggled (the `speculate`
   * option); each counts once per copy.
   */
  readonly speculated: number;
  /** Of the {@link CallStats.speculated} elements, those whose copy finished first. */
  readonly speculationWins: number;
  /** Milliseconds of work summed over the workers. */
  readonly busyMs: number;
  /** One entry per worker that returned at least one batch. */
  readonly workers: readonly WorkerStats[];
}

/**
 * What `onProgress` receives after `done` and `total`: the time so far and an estimate of the
 * time left.
 *
 * @example
 * ```ts
 * const onProgress = (done: number, total: number, { elapsedMs, etaMs }: ProgressInfo) =>
 *   console.log(`${done}/${total}, ${(elapsedMs / 1000).toFixed(0)} s, ` +
 *     (etaMs === undefined ? 'estimating' : `${(etaMs / 1000).toFixed(0)} s left`));
 * ```
 */
export interface ProgressInfo {
  /** Milliseconds since the call started. */
  readonly elapsedMs: number;
  /**
   * Estimated milliseconds left: the elements left at the rate measured since the first batch
   * returned (worker start-up excluded), or since the call started at the first report. 0 once
   * every element is done; undefined while the total is not known yet.
   */
  readonly etaMs: number | undefined;
  /**
   * Whether `total` is final. False while a lazy input (array() over a generator or an async
   * iterable) is still being read: `total` then counts the elements read so far.
   */
  readonly totalKnown: boolean;
}

/** Measures a call's rate of progress and estimates the time left. */
export class ProgressClock {
  readonly #now: () => number;
  readonly #started: number;
  #base: { readonly at: number; readonly done: number } | undefined;

  /** @param now - The clock, in milliseconds (replaceable in tests). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#started = now();
  }

  /** The report for `done` of `total` elements. */
  report(done: number, total: number, totalKnown: boolean): ProgressInfo {
    const at = this.#now();
    const elapsedMs = at - this.#started;
    // The first report comes after the first batch, whose time includes starting the workers:
    // later estimates measure from there, so that start-up does not count as per-element time.
    const base = this.#base ?? { at: this.#started, done: 0 };
    this.#base ??= { at, done };
    let etaMs: number | undefined;
    if (totalKnown && done >= total) etaMs = 0;
    else if (totalKnown && done > base.done && at > base.at) {
      etaMs = ((total - done) * (at - base.at)) / (done - base.done);
    }
    return { elapsedMs, etaMs, totalKnown };
  }
}

/** Accumulates a call's {@link CallStats}. */
export class StatsRecorder {
  readonly #started = performance.now();
  readonly #workers = new Map<string, { -readonly [K in keyof WorkerStats]: WorkerStats[K] }>();
  #batches = 0;
  #elements = 0;
  reruns = 0;
  /**
   * The number of elements: set up front for arrays, by the engine for a lazy input (its length
   * at its end, or the elements read when the call stopped before).
   */
  total: number | undefined;
  /** The call's progress clock, started with the call. */
  readonly progress = new ProgressClock();
  speculated = 0;
  speculationWins = 0;

  record(result: BatchResult, elements: number): void {
    this.#batches += 1;
    this.#elements += elements;
    let w = this.#workers.get(result.workerId);
    if (!w) {
      w = { id: result.workerId, busyMs: 0, elements: 0, batches: 0, broadcastLoads: 0 };
      this.#workers.set(result.workerId, w);
    }
    w.busyMs += result.busyMs;
    w.elements += elements;
    w.batches += 1;
    if (result.broadcastLoaded) w.broadcastLoads += 1;
  }

  finish(): CallStats {
    const total = this.total ?? this.#elements;
    const workers = [...this.#workers.values()].map((w) => ({ ...w }));
    return {
      wallMs: performance.now() - this.#started,
      total,
      elements: this.#elements,
      batches: this.#batches,
      reruns: this.reruns,
      speculated: this.speculated,
      speculationWins: this.speculationWins,
      busyMs: workers.reduce((sum, w) => sum + w.busyMs, 0),
      workers,
    };
  }
}
