/**
 * Speculation against stragglers (the `speculate` option), the policy half: which running batch
 * to start again, and when. The engine (`run-call.ts`) does the rest: it sends the copy like any
 * batch, keeps the first outcome of the two, and aborts the other run through its signal, which
 * every backend honours (a local worker is terminated and replaced, a Redis job is dropped).
 *
 * A copy is started only at the tail of a call, once no element waits to be sent and a worker is
 * idle, for a batch that has run {@link STRAGGLER_FACTOR} times longer than the finished batches'
 * median time per element predicts (and at least {@link MIN_STRAGGLER_MS}). A batch is copied as a whole: a worker
 * reports a batch's results together at its end, so the engine never knows which of its
 * elements are done. Batches at the tail are small anyway (guided self-scheduling: `schedule.ts`),
 * and slow elements travel one per batch.
 *
 * @module
 */

/** How many times its expected time a batch must run before it counts as a straggler. */
export const STRAGGLER_FACTOR = 4;

/** No batch counts as a straggler before it ran this many milliseconds (timer jitter, start-up). */
export const MIN_STRAGGLER_MS = 100;

/** How many finished batches' times the median is taken over (the latest ones). */
const SAMPLES = 256;

/** What the policy needs to know of a batch in flight. */
export interface RunningBatch {
  readonly indices: readonly number[];
  /** `performance.now()` when the engine sent it. */
  readonly startedAt: number;
}

/** The policy's answer: copy this batch now, or ask again in `waitMs`. */
export type SpeculationChoice<B> =
  | { readonly copy: B; readonly waitMs?: undefined }
  | { readonly copy?: undefined; readonly waitMs: number };

/** Tracks the time per element of one call and picks the straggler to run again. */
export class StragglerPolicy {
  readonly #perElement: number[] = [];

  /**
   * Records a finished batch: its element count and its milliseconds from sending to landing
   * (the clock a running batch is judged by, so transport and queueing count on both sides).
   */
  record(elements: number, ms: number): void {
    if (elements <= 0) return;
    this.#perElement.push(ms / elements);
    if (this.#perElement.length > SAMPLES) this.#perElement.shift();
  }

  /** The median milliseconds per element of the finished batches, or undefined before any. */
  get median(): number | undefined {
    const n = this.#perElement.length;
    if (n === 0) return undefined;
    const sorted = [...this.#perElement].sort((a, b) => a - b);
    return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  }

  /** When (`performance.now()` time) `batch` becomes a straggler, or undefined without data. */
  deadline(batch: RunningBatch): number | undefined {
    const median = this.median;
    if (median === undefined) return undefined;
    return (
      batch.startedAt + Math.max(MIN_STRAGGLER_MS, STRAGGLER_FACTOR * median * batch.indices.length)
    );
  }

  /**
   * Among `candidates` (batches in flight that have no copy yet), the one to copy now: the most
   * overdue straggler; else how long until the first one would be; undefined when there is
   * nothing to wait for.
   */
  choose<B extends RunningBatch>(
    candidates: Iterable<B>,
    now: number,
  ): SpeculationChoice<B> | undefined {
    let best: B | undefined;
    let bestDeadline = Number.POSITIVE_INFINITY;
    for (const batch of candidates) {
      const deadline = this.deadline(batch);
      if (deadline !== undefined && deadline < bestDeadline) {
        best = batch;
        bestDeadline = deadline;
      }
    }
    if (best === undefined) return undefined;
    if (bestDeadline <= now) return { copy: best };
    return { waitMs: Math.ceil(bestDeadline - now) };
  }
}
