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
  /** Elements in the call. */
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

/** Accumulates a call's {@link CallStats}. */
export class StatsRecorder {
  readonly #started = performance.now();
  readonly #workers = new Map<string, { -readonly [K in keyof WorkerStats]: WorkerStats[K] }>();
  #batches = 0;
  #elements = 0;
  reruns = 0;
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

  finish(total: number): CallStats {
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
