/**
 * Distributed arguments: {@link array} and {@link split} make one task per element; {@link bcast}
 * (and every undecorated argument) goes whole to every task.
 *
 * @module
 */
import { toShared } from './wire/broadcast.js';
import { describeValue } from './describe-value.js';
import { PpevalArgumentError } from './errors.js';

/** Every typed array class: what `split` shares with threads without copying. */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * n-dimensional numeric data: a typed array in row-major (C) order and its shape. `data.length`
 * must equal the product of `shape`. This is what {@link split} cuts along an axis, and what each
 * element receives (with that axis removed from `shape`).
 *
 * @example
 * ```ts
 * // a 1064x1064 RGB image, pixel-interleaved: split along axis 2 gives the 3 colour bands
 * const image: NdArray<Uint8Array> = { data: pixels, shape: [1064, 1064, 3] };
 * ```
 */
export interface NdArray<A extends TypedArray = TypedArray> {
  readonly data: A;
  readonly shape: readonly number[];
}

const kAccessor = Symbol('ppeval.accessor');
const kTyped = Symbol('ppeval.typed');
const kOpen = Symbol('ppeval.open');

/**
 * @internal An input that {@link array} reads lazily: a generator, an iterator or an async
 * iterable. `async` says whether `next()` returns promises.
 */
export interface LazyInput {
  readonly iterator: Iterator<unknown> | AsyncIterator<unknown>;
  readonly async: boolean;
}

/**
 * A distributed argument: element `k` of the call receives item `k` in this argument's position.
 * Made by {@link array} or {@link split}; its type parameter is what the function receives.
 *
 * @example
 * ```ts
 * const i: DistArray<number> = array(range(0, 16));
 * ```
 */
export class DistArray<T> {
  /**
   * Number of elements (tasks) it contributes; `undefined` for a lazy input (a generator, an
   * iterator, an async iterable), whose length is known only once it is read to its end.
   */
  readonly length: number | undefined;
  /** How it was made, for messages: `array(...)`, `array(generator)`, `split(..., 2)`. */
  readonly description: string;
  readonly #prepare: (sharedMemory: boolean) => (index: number) => unknown;
  /** Whether every element is typed data (a typed array or `{ data, shape }`): always sendable. */
  readonly #typed: boolean;
  readonly #open: (() => LazyInput) | undefined;
  /** Only for the type checker: the element type. */
  declare readonly __element?: T;

  /** @internal Use {@link array} or {@link split}. */
  constructor(
    length: number | undefined,
    description: string,
    prepare: (sharedMemory: boolean) => (index: number) => unknown,
    typed = false,
    open?: () => LazyInput,
  ) {
    this.length = length;
    this.description = description;
    this.#prepare = prepare;
    this.#typed = typed;
    this.#open = open;
  }

  /** @internal See {@link holdsTypedData}. */
  get [kTyped](): boolean {
    return this.#typed;
  }

  /**
   * @internal Returns the element accessor, moving typed data into shared memory first when the
   * backend shares memory with its workers.
   */
  [kAccessor](sharedMemory: boolean): (index: number) => unknown {
    return this.#prepare(sharedMemory);
  }

  /** @internal Starts reading a lazy input; undefined for an eager one. */
  [kOpen](): LazyInput | undefined {
    return this.#open?.();
  }
}

/**
 * @internal Whether the elements are typed data, which always reach a worker, so that they need
 * no check one by one before the call.
 */
export function holdsTypedData(dist: DistArray<unknown>): boolean {
  return dist[kTyped];
}

/** @internal */
export function elementAccessor(dist: DistArray<unknown>, sharedMemory: boolean) {
  return dist[kAccessor](sharedMemory);
}

/**
 * @internal Starts reading a lazy {@link DistArray} (one call's worth); undefined for an eager
 * one. Throws {@link PpevalArgumentError} for a one-shot iterator that an earlier call read.
 */
export function openLazy(dist: DistArray<unknown>): LazyInput | undefined {
  return dist[kOpen]();
}

/**
 * A value sent whole to every element, even if it is an array (or a {@link DistArray}). Made by
 * {@link bcast}.
 *
 * @example
 * ```ts
 * const weights: Broadcast<number[]> = bcast([0.2, 0.7, 0.1]);
 * ```
 */
export class Broadcast<T> {
  /** The value every element receives. */
  readonly value: T;

  /** @internal Use {@link bcast}. */
  constructor(value: T) {
    this.value = value;
  }
}

/**
 * Makes a distributed array from any iterable: the call runs one task per item, and the function
 * receives the item in this argument's place.
 *
 * - An array, a typed array, a Set or a Map is read when `array()` is called.
 * - Any other iterable (a generator, an iterator such as `map.keys()`) and any async iterable
 *   (an async generator, a `readline` interface, a Node stream) is read lazily, as workers need
 *   elements: the call holds only the batches in flight (and, for `ppeval.stream`, the results
 *   waiting for the loop), not the whole input. Its length is known only at its end, so a
 *   progress report's total grows while it is read. A generator can be read by one call only;
 *   an iterable whose `[Symbol.iterator]()` returns a fresh iterator can be passed again.
 *
 * @example
 * ```ts
 * const sizes = await ppeval(fileSize, array(['a.tif', 'b.tif']));
 * const lines = readline.createInterface({ input: fs.createReadStream('files.txt') });
 * for await (const { index, value } of ppeval.stream(fileSize, array(lines))) save(index, value);
 * ```
 */
export function array<T>(items: Iterable<T> | AsyncIterable<T>): DistArray<T> {
  if (typeof items === 'string') {
    throw new PpevalArgumentError(
      `array() got ${describeValue(items)}: strings are never split. Pass the string as ` +
        'an argument of its own to broadcast it, or [...text] to make one element per character.',
    );
  }
  const object = items as {
    [Symbol.iterator]?: unknown;
    [Symbol.asyncIterator]?: unknown;
  } | null;
  const isAsync = typeof object?.[Symbol.asyncIterator] === 'function';
  if (object === null || (!isAsync && typeof object?.[Symbol.iterator] !== 'function')) {
    throw new PpevalArgumentError(
      `Expected array() to get an iterable (an array, a Set, a generator) or an async ` +
        `iterable, got ${describeValue(items)}.`,
    );
  }
  if (isAsync || !isCollection(items)) return lazyArray<T>(items, isAsync);
  const values = Array.from(items as Iterable<T>);
  return new DistArray<T>(values.length, 'array(...)', () => (k) => values[k]);
}

/** Containers whose items are all in memory already: reading them eagerly costs nothing new. */
function isCollection(items: unknown): boolean {
  return (
    Array.isArray(items) || isTypedArray(items) || items instanceof Set || items instanceof Map
  );
}

function lazyArray<T>(items: Iterable<T> | AsyncIterable<T>, isAsync: boolean): DistArray<T> {
  const description = `array(${isAsync ? 'async iterable' : 'iterator'})`;
  let readBy: 'one-shot' | undefined;
  const open = (): LazyInput => {
    if (readBy !== undefined) {
      throw new PpevalArgumentError(
        `${description} was already read by an earlier call: a generator or iterator can be ` +
          'read once. Make a new array(...) for each call (call the generator again), or ' +
          'collect the items first with Array.from(...) to reuse them.',
      );
    }
    const iterator = isAsync
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
    // An iterable that returns itself (a generator) cannot be read again.
    if ((iterator as unknown) === items) readBy = 'one-shot';
    return { iterator, async: isAsync };
  };
  const eagerOnly = (): never => {
    throw new PpevalArgumentError(`${description} has no random access: it is read in order.`);
  };
  return new DistArray<T>(undefined, description, eagerOnly, false, open);
}

/**
 * Makes `[start, start + step, ...]` up to but excluding `stop`, like Python's range;
 * `range(n)` counts from 0.
 *
 * @defaultValue step = 1
 * @example
 * ```ts
 * range(0, 16); // [0, 1, ..., 15]
 * range(10, 0, -3); // [10, 7, 4, 1]
 * ```
 */
export function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  for (const [name, value] of [
    ['start', start],
    ['stop', stop],
    ['step', step],
  ] as const) {
    if (!Number.isFinite(value)) {
      throw new PpevalArgumentError(
        `Expected range()'s \`${name}\` to be a finite number, got ${describeValue(value)}.`,
      );
    }
  }
  if (step === 0) throw new PpevalArgumentError("Expected range()'s `step` not to be 0.");
  const out: number[] = [];
  for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(v);
  return out;
}

/**
 * Sends `value` whole to every element, never split. Undecorated arguments are already
 * broadcast; `bcast` makes the intent explicit, and is the way to pass a {@link DistArray} itself
 * (all of its items, as one array) to every element.
 *
 * @example
 * ```ts
 * await ppeval(scale, split(image, 2), bcast(weights)); // every band gets all the weights
 * ```
 */
export function bcast<T>(value: T): Broadcast<T extends DistArray<infer E> ? E[] : T> {
  if (value instanceof DistArray) {
    if (value.length === undefined) {
      throw new PpevalArgumentError(
        `bcast() got ${value.description}, which is read lazily, element by element: a ` +
          'broadcast needs all of it at once. Collect the items into an array first and pass ' +
          'bcast(items).',
      );
    }
    const at = elementAccessor(value, false);
    const items = Array.from({ length: value.length }, (_, k) => at(k));
    return new Broadcast(items) as Broadcast<T extends DistArray<infer E> ? E[] : T>;
  }
  return new Broadcast(value) as Broadcast<T extends DistArray<infer E> ? E[] : T>;
}

/**
 * Splits `x` along `axis` (negative counts from the last axis): one element per index of that
 * axis, each receiving the slice with that axis removed.
 *
 * - An array: `axis` 0 gives its items; a higher axis cuts nested (rectangular) arrays, so
 *   `split(matrix, 1)` gives the columns of a `number[][]`.
 * - A typed array: its numbers, one per element.
 * - An {@link NdArray} `{ data, shape }`: each element gets `{ data, shape }` of the slice. With
 *   worker threads the slices are views of one SharedArrayBuffer: no copy reaches a worker.
 *   Along axis 0 of data already in a SharedArrayBuffer, no copy is made at all; otherwise the
 *   data is copied once (transposed so the axis comes first) into shared memory.
 *
 * @defaultValue axis = 0
 * @example
 * ```ts
 * const image = { data: rgb, shape: [1064, 1064, 3] };
 * const bands = await ppeval(compressBand, split(image, 2), 50); // 3 tasks
 * ```
 */
export function split<A extends TypedArray>(x: NdArray<A>, axis?: number): DistArray<NdArray<A>>;
export function split(x: BigInt64Array | BigUint64Array, axis?: 0 | -1): DistArray<bigint>;
export function split(
  x: Exclude<TypedArray, BigInt64Array | BigUint64Array>,
  axis?: 0 | -1,
): DistArray<number>;
export function split<T>(x: readonly T[], axis?: 0): DistArray<T>;
export function split<T>(x: readonly (readonly T[])[], axis: number): DistArray<T[]>;
export function split(x: unknown, axis: number = 0): DistArray<unknown> {
  if (!Number.isInteger(axis)) {
    throw new PpevalArgumentError(
      `Expected split()'s \`axis\` to be an integer, got ${describeValue(axis)}.`,
    );
  }
  if (typeof x === 'string' || typeof x === 'number') {
    throw new PpevalArgumentError(
      `split() got ${describeValue(x)}: strings and numbers are never split. Pass it ` +
        'as an argument of its own to broadcast it.',
    );
  }
  if (isTypedArray(x)) {
    normalizeAxis(axis, 1, 'a typed array');
    const data = x;
    return new DistArray(
      data.length,
      `split(${data.constructor.name}, ${axis})`,
      () => (k) => data[k],
      true,
    );
  }
  if (Array.isArray(x)) return splitNested(x, axis);
  if (isNdArray(x)) return splitNd(x, axis);
  throw new PpevalArgumentError(
    `Expected split() to get an array, a typed array or { data: TypedArray, shape: number[] }, ` +
      `got ${describeValue(x)}.`,
  );
}

function splitNested(x: unknown[], axis: number): DistArray<unknown> {
  const shape = nestedShape(x);
  const ax = normalizeAxis(axis, shape.length, `an array nested ${shape.length} deep`);
  const length = shape[ax] ?? 0;
  const take = (v: unknown, depth: number, k: number): unknown =>
    depth === ax ? (v as unknown[])[k] : (v as unknown[]).map((sub) => take(sub, depth + 1, k));
  return new DistArray(length, `split(array, ${axis})`, () => (k) => take(x, 0, k));
}

/** The shape of a rectangular nested array, down to the first non-array level. */
function nestedShape(x: unknown[]): number[] {
  const shape: number[] = [];
  let level: unknown[][] = [x];
  while (level.length > 0 && level.every(Array.isArray)) {
    const len = level[0]!.length;
    const ragged = level.find((a) => a.length !== len);
    if (ragged) {
      // Only the depths up to a ragged level can be split along.
      break;
    }
    shape.push(len);
    const next = level.flat(1);
    if (next.length === 0 || !next.every(Array.isArray)) break;
    level = next as unknown[][];
  }
  return shape.length === 0 ? [x.length] : shape;
}

function splitNd(x: NdArray, axis: number): DistArray<unknown> {
  const { data, shape } = x;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new PpevalArgumentError(
      `split() got { data, shape } whose shape [${shape.join(', ')}] holds ${size} values, but ` +
        `data has ${data.length}. Fix the shape (row-major order).`,
    );
  }
  const ax = normalizeAxis(axis, shape.length, `data of shape [${shape.join(', ')}]`);
  const length = shape[ax]!;
  const sliceShape = shape.filter((_, i) => i !== ax);
  const sliceSize = length === 0 ? 0 : size / length;
  const description = `split({ data: ${data.constructor.name}, shape: [${shape.join(', ')}] }, ${axis})`;
  const prepare = (sharedMemory: boolean) => {
    let source: TypedArray;
    if (ax === 0) source = sharedMemory ? toShared(data) : data;
    else source = moveAxisFirst(data, shape, ax, sharedMemory);
    return (k: number): NdArray => ({
      data: source.subarray(k * sliceSize, (k + 1) * sliceSize),
      shape: sliceShape,
    });
  };
  return new DistArray(length, description, prepare, true);
}

/** Copies `data` so that axis `ax` becomes the outermost one (row-major). */
function moveAxisFirst(
  data: TypedArray,
  shape: readonly number[],
  ax: number,
  sharedMemory: boolean,
): TypedArray {
  const len = shape[ax]!;
  const outer = shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const Ctor = data.constructor as new (buffer: ArrayBufferLike) => TypedArray;
  const buffer = sharedMemory
    ? new SharedArrayBuffer(data.byteLength)
    : new ArrayBuffer(data.byteLength);
  const out = new Ctor(buffer);
  for (let k = 0; k < len; k++) {
    for (let o = 0; o < outer; o++) {
      const src = (o * len + k) * inner;
      const dst = (k * outer + o) * inner;
      if (inner === 1) out[dst] = data[src]!;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      else (out as any).set(data.subarray(src, src + inner), dst);
    }
  }
  return out;
}

function normalizeAxis(axis: number, ndim: number, what: string): number {
  const ax = axis < 0 ? axis + ndim : axis;
  if (ax < 0 || ax >= ndim) {
    throw new PpevalArgumentError(
      `split() got axis ${axis} for ${what}, which has ${ndim} ax${ndim === 1 ? 'is' : 'es'}: ` +
        `use an axis from ${-ndim} to ${ndim - 1}.`,
    );
  }
  return ax;
}

/** Whether `x` is a typed array (not a DataView). */
export function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function isNdArray(x: unknown): x is NdArray {
  if (typeof x !== 'object' || x === null) return false;
  const { data, shape } = x as { data?: unknown; shape?: unknown };
  return (
    isTypedArray(data) &&
    Array.isArray(shape) &&
    shape.every((n) => Number.isInteger(n) && (n as number) >= 0)
  );
}
