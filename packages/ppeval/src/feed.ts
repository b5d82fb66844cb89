/**
 * The feed: hands the engine a call's elements, batch by batch, zipping its distributed
 * arguments. Arrays are read by index; lazy inputs (array() over a generator or an async
 * iterable) are read in order and only as far as the engine asks, so a call over millions of
 * lines holds the batches in flight, not the input. Each element read from a lazy input passes
 * the same value checks as an array's (`encodeValue`), and a lazy input that ends before or
 * after the others fails the call, naming the lengths seen.
 *
 * @module
 */
import {
  checkElement,
  type ElementCheck,
  type ElementSource,
  type PreparedArguments,
} from './arguments.js';
import { PpevalArgumentError } from './errors.js';
import type { Fixup } from './wire/values.js';

/** Elements taken together: their indices, their argument rows and their fixups. */
export interface FeedBatch {
  readonly indices: readonly number[];
  /** One row per element: its value for each distributed argument. */
  readonly elements: readonly (readonly unknown[])[];
  /** Per element, what the receiver must patch (absent when no element has anything). */
  readonly fixups?: readonly (readonly Fixup[] | undefined)[];
}

/** What the feed needs from its call: what it checks elements with, and whom it tells. */
export interface FeedContext extends ElementCheck {
  /** Elements were read after a {@link Feed.take} found too few: call take again. */
  readonly onReady: () => void;
  /** Reading failed (an input threw, ended early, or gave an unsendable value). */
  readonly onError: (error: unknown) => void;
}

/** A row read ahead of the engine, with its fixups. */
interface Row {
  readonly values: unknown[];
  readonly fixups: Fixup[] | undefined;
}

const END = Symbol('end');

/** Reads one call's elements in order. */
export class Feed {
  readonly #args: PreparedArguments;
  readonly #ctx: FeedContext;
  readonly #lazy: boolean;
  readonly #async: boolean;
  /** Rows read from the inputs and not yet taken (lazy inputs only). */
  readonly #buffer: Row[] = [];
  /** Which lazy inputs still need `return()` when the call stops early. */
  readonly #open = new Set<number>();
  #taken = 0;
  #read = 0;
  #ended = false;
  #filling = false;
  #closed = false;

  constructor(args: PreparedArguments, context: FeedContext) {
    this.#args = args;
    this.#ctx = context;
    args.distributed.forEach((source, d) => {
      if (source.kind === 'lazy') this.#open.add(d);
    });
    this.#lazy = this.#open.size > 0;
    this.#async = args.distributed.some((s) => s.kind === 'lazy' && s.input.async);
    if (!this.#lazy) this.#ended = true;
  }

  /** Elements handed to the engine so far. */
  get taken(): number {
    return this.#taken;
  }

  /**
   * The number of elements, when known: from the start for arrays and for a lazy input zipped
   * with an array (their common length), at the end of the inputs otherwise.
   */
  get total(): number | undefined {
    if (this.#lazy && this.#ended) return this.#read;
    return this.#args.total;
  }

  /** Elements still to take: exact once the total is known, Infinity before. */
  get remaining(): number {
    const total = this.total;
    return total === undefined ? Infinity : total - this.#taken;
  }

  /** Whether every element has been taken (and every lazy input was seen to end). */
  get drained(): boolean {
    return (!this.#lazy || this.#ended) && this.remaining === 0;
  }

  /**
   * Takes the next `size` elements (fewer at the end). Undefined when none is left, or when a
   * lazy async input has not read them yet: the feed then reads on and calls `onReady`. With
   * `partial`, a lazy input's rows already read go out even if fewer than `size`, so that idle
   * workers never wait for a slow input to fill a whole batch.
   */
  take(size: number, partial: boolean): FeedBatch | undefined {
    if (this.#closed) return undefined;
    if (!this.#lazy) return this.#takeEager(Math.min(size, this.remaining));
    if (size <= 0) {
      // Zipped with an array, a lazy input has given the array's length: one more read tells
      // whether it ends there too, or is longer.
      if (!this.#ended) this.#readAhead(1);
      return undefined;
    }
    if (this.#buffer.length < size && !this.#ended) this.#readAhead(size);
    const enough = this.#buffer.length >= size || this.#ended;
    if (this.#buffer.length === 0 || (!enough && !partial)) return undefined;
    return this.#takeRows(this.#buffer.splice(0, size));
  }

  /**
   * Stops reading: calls `return()` on every lazy input not yet at its end (a generator's
   * `finally` runs, a stream closes). Does not wait for an async input's answer, which may
   * never come while its `next()` is pending.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer.length = 0;
    for (const d of this.#open) {
      const source = this.#args.distributed[d] as Extract<ElementSource, { kind: 'lazy' }>;
      try {
        const answer = source.input.iterator.return?.();
        if (answer instanceof Promise) answer.catch(() => undefined);
      } catch {
        // An input that fails to close has nothing left to release that we could reach.
      }
    }
    this.#open.clear();
  }

  #readAhead(target: number): void {
    if (this.#async) this.#fill(target);
    else this.#readSync(target);
  }

  #takeEager(size: number): FeedBatch | undefined {
    if (size <= 0) return undefined;
    const { distributed, fixups } = this.#args;
    const start = this.#taken;
    this.#taken += size;
    const indices = Array.from({ length: size }, (_, i) => start + i);
    const elements = indices.map((k) =>
      distributed.map((s) => (s as Extract<ElementSource, { kind: 'eager' }>).at(k)),
    );
    if (fixups.size === 0) return { indices, elements };
    return { indices, elements, fixups: indices.map((k) => fixups.get(k)) };
  }

  #takeRows(rows: Row[]): FeedBatch {
    const start = this.#taken;
    this.#taken += rows.length;
    const indices = rows.map((_, i) => start + i);
    const elements = rows.map((r) => r.values);
    if (rows.every((r) => r.fixups === undefined)) return { indices, elements };
    return { indices, elements, fixups: rows.map((r) => r.fixups) };
  }

  #readSync(target: number): void {
    try {
      while (!this.#ended && this.#buffer.length < target) {
        const values = this.#args.distributed.map((source, d) =>
          source.kind === 'eager'
            ? this.#eagerAt(source)
            : step(this.#syncNext(source, d), this.#open, d),
        );
        this.#accept(values);
      }
    } catch (error) {
      this.#failed(error);
    }
  }

  #fill(target: number): void {
    if (this.#filling) return;
    this.#filling = true;
    void (async () => {
      try {
        while (!this.#closed && !this.#ended && this.#buffer.length < target) {
          const values = await Promise.all(
            this.#args.distributed.map(async (source, d) => {
              if (source.kind === 'eager') return this.#eagerAt(source);
              const result = source.input.async
                ? await this.#asyncNext(source, d)
                : this.#syncNext(source, d);
              return step(result, this.#open, d);
            }),
          );
          if (this.#closed) return;
          this.#accept(values);
        }
      } catch (error) {
        if (!this.#closed) this.#failed(error);
        return;
      } finally {
        this.#filling = false;
      }
      if (!this.#closed) this.#ctx.onReady();
    })();
  }

  #eagerAt(source: Extract<ElementSource, { kind: 'eager' }>): unknown {
    return this.#read < source.length ? source.at(this.#read) : END;
  }

  #syncNext(source: Extract<ElementSource, { kind: 'lazy' }>, d: number): IteratorResult<unknown> {
    try {
      return (source.input.iterator as Iterator<unknown>).next();
    } catch (error) {
      throw this.#threw(source, d, error);
    }
  }

  async #asyncNext(
    source: Extract<ElementSource, { kind: 'lazy' }>,
    d: number,
  ): Promise<IteratorResult<unknown>> {
    try {
      return await (source.input.iterator as AsyncIterator<unknown>).next();
    } catch (error) {
      throw this.#threw(source, d, error);
    }
  }

  #threw(source: Extract<ElementSource, { kind: 'lazy' }>, d: number, cause: unknown) {
    // An iterator that threw is finished: return() would not run its cleanup again.
    this.#open.delete(d);
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new PpevalArgumentError(
      `Argument ${source.position + 1} of ${this.#ctx.fnName} (${source.description}) threw ` +
        `while reading element ${this.#read}: ${what}. The elements before it ran; the call ` +
        'stopped there.',
      { cause },
    );
  }

  /** Checks one zipped row: all inputs ended (the end), none ended (a row), or a mismatch. */
  #accept(values: unknown[]): void {
    const ended = values.map((v) => v === END);
    if (ended.every(Boolean)) {
      this.#ended = true;
      return;
    }
    if (ended.some(Boolean)) throw this.#mismatch(ended);
    const k = this.#read;
    // The arrays' fixups were found up front, by index; the lazy inputs' are found here.
    const known = this.#args.fixups.get(k);
    let fixups: Fixup[] | undefined = known === undefined ? undefined : [...known];
    this.#args.distributed.forEach((source, d) => {
      if (source.kind === 'eager') return;
      const found = checkElement(values[d], k, source.position, source.description, this.#ctx);
      if (found !== undefined) (fixups ??= []).push(...found);
    });
    this.#read += 1;
    this.#buffer.push({ values, fixups });
  }

  #mismatch(ended: boolean[]): PpevalArgumentError {
    const k = this.#read;
    const parts = this.#args.distributed.map((source, d) => {
      const name = `argument ${source.position + 1} (${source.description})`;
      if (source.kind === 'eager') return `${name} has ${source.length} elements`;
      return ended[d] ? `${name} ended after ${k} elements` : `${name} has more than ${k}`;
    });
    return new PpevalArgumentError(
      `Distributed arguments of ${this.#ctx.fnName} differ in length: ${parts.join(', ')}. ` +
        `Distributed arguments are zipped element by element, so they must have ` +
        `equal lengths; the first ${k} elements were sent before the difference showed.`,
    );
  }

  #failed(error: unknown): void {
    this.close();
    this.#ctx.onError(error);
  }
}

/** The value of one step of a lazy input, or END (and the input needs no return() then). */
function step(result: IteratorResult<unknown>, open: Set<number>, d: number): unknown {
  if (result.done === true) {
    open.delete(d);
    return END;
  }
  return result.value;
}

/** Closes the lazy inputs of a call that never started (it failed before its first batch). */
export function closeInputs(args: PreparedArguments): void {
  const noop = (): void => undefined;
  new Feed(args, {
    fnName: '',
    sharedMemory: false,
    instances: 'refuse',
    onReady: noop,
    onError: noop,
  }).close();
}
