/**
 * Batch sizes. Each message to a worker costs tens of microseconds, so cheap elements must
 * travel many to a batch; expensive or uneven ones must travel one by one, or a worker stuck
 * with a big batch at the end keeps the others idle. The sizer starts with single elements,
 * learns the time per element from what workers measure, and then aims every batch at about
 * {@link TARGET_BATCH_MS} of work, capped by guided self-scheduling: never more than a
 * `1 / (2 * workers)` share of what remains, so batches shrink towards the end and all workers
 * finish together.
 *
 * @module
 */

/** The work a batch should hold once the time per element is known. */
export const TARGET_BATCH_MS = 10;

/** The most elements one batch may hold (bounds message size and memory). */
export const MAX_BATCH = 16_384;

/** Chooses the size of each next batch of one call. */
export class BatchSizer {
  readonly #workers: number;
  readonly #fixed: number | undefined;
  #elements = 0;
  #fnMs = 0;

  /**
   * @param workers - Workers sharing the call.
   * @param fixed - A fixed batch size (the `chunkSize` option), or undefined for adaptive.
   */
  constructor(workers: number, fixed?: number) {
    this.#workers = Math.max(1, workers);
    this.#fixed = fixed;
  }

  /** Records a finished batch: its element count and the time spent in the function. */
  record(elements: number, fnMs: number): void {
    this.#elements += elements;
    this.#fnMs += fnMs;
  }

  /** Mean measured milliseconds per element, or undefined before the first batch returns. */
  get msPerElement(): number | undefined {
    return this.#elements === 0 ? undefined : this.#fnMs / this.#elements;
  }

  /** The size of the next batch, from 1 to `remaining`. */
  next(remaining: number): number {
    if (remaining <= 0) return 0;
    if (this.#fixed !== undefined) return Math.min(this.#fixed, remaining);
    const per = this.msPerElement;
    if (per === undefined) return 1;
    // Timer resolution makes very cheap elements measure as 0: treat them as 0.1 us each.
    const wanted = Math.floor(TARGET_BATCH_MS / Math.max(per, 1e-4));
    const guided = Math.ceil(remaining / (2 * this.#workers));
    return Math.max(1, Math.min(wanted, guided, MAX_BATCH, remaining));
  }
}
