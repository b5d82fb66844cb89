/**
 * Sorting a call's arguments into distributed and broadcast ones, before any work starts.
 *
 * @module
 */
import { Broadcast, DistArray, elementAccessor, holdsTypedData, openLazy } from './dist-array.js';
import type { LazyInput } from './dist-array.js';
import { PpevalArgumentError } from './errors.js';
import type { ArgSlot } from './wire/protocol.js';
import { encodeValue, type Fixup, type InstancesPolicy } from './wire/values.js';

/**
 * Where one distributed argument's elements come from: an accessor by index (arrays, split
 * data), or a lazy input read in order (array() over a generator or an async iterable).
 */
export type ElementSource = (
  | { readonly kind: 'eager'; readonly length: number; readonly at: (index: number) => unknown }
  | { readonly kind: 'lazy'; readonly input: LazyInput }
) & {
  /** The argument's position in the call (0-based) and its description, for messages. */
  readonly position: number;
  readonly description: string;
};

/** A call's arguments, checked and ready to be cut into batches. */
export interface PreparedArguments {
  /**
   * Number of elements (the common length of the distributed arguments); undefined when every
   * distributed argument is lazy, until the inputs are read to their end.
   */
  readonly total: number | undefined;
  /** Where each parameter comes from. */
  readonly slots: readonly ArgSlot[];
  /** For each distributed argument, where its elements come from. */
  readonly distributed: readonly ElementSource[];
  /** The broadcast values, in broadcast order. */
  readonly broadcast: readonly unknown[];
  /** The fixups of the element at an index (all distributed values), when it has any. */
  readonly fixups: ReadonlyMap<number, Fixup[]>;
}

/**
 * Checks and sorts the arguments. Throws {@link PpevalArgumentError} for an argument that cannot
 * be sent to a worker or when no argument is distributed, and a `RangeError` (code
 * `ERR_PPEVAL_ARGUMENT`) naming both arguments when distributed lengths differ.
 *
 * @param fnName - The function's name, for messages.
 * @param sharedMemory - Whether the backend shares memory with its workers (threads).
 */
export function prepareArguments(
  args: readonly unknown[],
  fnName: string,
  sharedMemory: boolean,
  instances: InstancesPolicy = 'refuse',
): PreparedArguments {
  const slots: ArgSlot[] = [];
  const dists: { position: number; dist: DistArray<unknown> }[] = [];
  const broadcast: unknown[] = [];
  args.forEach((arg, position) => {
    if (arg instanceof DistArray) {
      slots.push({ from: 'd', index: dists.length });
      dists.push({ position, dist: arg as DistArray<unknown> });
      return;
    }
    const value = arg instanceof Broadcast ? (arg.value as unknown) : arg;
    const { problem } = encodeValue(value, { role: 'argument', instances });
    if (problem !== undefined) {
      throw new PpevalArgumentError(
        `Argument ${position + 1} of ${fnName} cannot be sent to a worker: ${problem}.` +
          (typeof value === 'function'
            ? ' Workers receive data, not functions: export the function from a module and ' +
              'call it from inside the function that ppeval runs.'
            : ''),
      );
    }
    slots.push({ from: 'b', index: broadcast.length });
    broadcast.push(value);
  });

  if (dists.length === 0) {
    throw new PpevalArgumentError(
      `ppeval(${fnName}, ...) got no distributed argument, so there is nothing to run in ` +
        'parallel. Wrap the argument to split in array(items) or split(x, axis); every other ' +
        'argument goes whole to every element.',
    );
  }
  // Lazy inputs have no length yet: the feed compares them with the others at their end.
  const eager = dists.filter(({ dist }) => dist.length !== undefined);
  const first = eager[0];
  for (const { position, dist } of eager.slice(1)) {
    if (dist.length !== first!.dist.length) {
      const error = new RangeError(
        `Distributed arguments of ${fnName} differ in length: argument ${first!.position + 1} ` +
          `(${first!.dist.description}) has ${first!.dist.length} elements, argument ` +
          `${position + 1} (${dist.description}) has ${dist.length}. Distributed arguments are ` +
          'zipped element by element, so they must have equal lengths.',
      );
      throw Object.assign(error, { code: 'ERR_PPEVAL_ARGUMENT' });
    }
  }

  const accessors = dists.map(({ dist }) =>
    dist.length === undefined ? undefined : elementAccessor(dist, sharedMemory),
  );
  const fixups = new Map<number, Fixup[]>();
  // Items of array() may be anything: check each one now rather than fail half-way.
  dists.forEach(({ position, dist }, d) => {
    // Typed data (split of a typed array or { data, shape }) is always sendable.
    if (holdsTypedData(dist)) return;
    const at = accessors[d];
    // A lazy input's items are checked as the feed reads them.
    if (at === undefined) return;
    for (let k = 0; k < dist.length!; k++) {
      const found = checkElement(at(k), k, position, dist.description, {
        fnName,
        sharedMemory,
        instances,
      });
      if (found === undefined) continue;
      const list = fixups.get(k);
      if (list === undefined) fixups.set(k, found);
      else list.push(...found);
    }
  });
  // Lazy inputs start last, once nothing else can fail here (the engine closes them).
  const distributed = dists.map(({ position, dist }, d): ElementSource => {
    const at = accessors[d];
    const { description } = dist;
    if (at !== undefined) return { kind: 'eager', length: dist.length!, at, position, description };
    return { kind: 'lazy', input: openLazy(dist)!, position, description };
  });
  return { total: first?.dist.length, slots, distributed, broadcast, fixups };
}

/** What {@link checkElement} needs to know of the call. */
export interface ElementCheck {
  readonly fnName: string;
  readonly sharedMemory: boolean;
  readonly instances: InstancesPolicy;
}

/**
 * Checks that element `k` of the distributed argument at `position` can be sent to a worker
 * (the value codec), up front for an array's items and as the feed reads a lazy input's.
 * Returns its fixups; throws {@link PpevalArgumentError} naming the element otherwise.
 */
export function checkElement(
  value: unknown,
  k: number,
  position: number,
  description: string,
  call: ElementCheck,
): Fixup[] | undefined {
  const encoded = encodeValue(value, {
    role: 'argument',
    allowSharedBuffer: call.sharedMemory,
    instances: call.instances,
  });
  if (encoded.problem !== undefined) {
    throw new PpevalArgumentError(
      `Element ${k} of argument ${position + 1} of ${call.fnName} (${description}) cannot ` +
        `be sent to a worker: ${encoded.problem}.`,
    );
  }
  return encoded.fixups;
}
