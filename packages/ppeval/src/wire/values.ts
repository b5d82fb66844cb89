/**
 * The value codec of every backend. Structured clone (threads), Node's advanced IPC
 * serialization (child processes) and `v8.serialize` (broadcasts, Redis) carry the same set of
 * values, and all three keep object identity within one message. What they change (a `Buffer`
 * arrives as a `Uint8Array`, a null-prototype object gets `Object.prototype`, an Error subclass
 * becomes `Error` without its own properties) is recorded by the sender as *fixups*: a side list
 * of `[object, kind, extra]` that travels in the same message and points into the value, which
 * the receiver patches in place ({@link applyFixups}: O(1) per object, no copy). What cannot
 * travel at all is refused with a path and a reason by the same walk ({@link encodeValue}).
 *
 * @module
 */
import { types } from 'node:util';

import { describeValue } from '../describe-value.js';
import { BUILTIN_ERRORS } from './serialize-error.js';

/**
 * The deepest nesting a value may have. The receivers read about 1,900 levels of nested objects
 * (Node 20: `v8.deserialize`, a thread's `message` and child-process IPC alike, measured) and
 * fail beyond that (thread: `messageerror`; process: RangeError in the IPC parser): the limit
 * keeps a margin of about 2x for receivers with less stack.
 */
export const MAX_VALUE_DEPTH = 1000;

/** What class instances do: refused (default) or sent as plain data of their own properties. */
export type InstancesPolicy = 'refuse' | 'plain';

/** One patch for the receiver: `b` Buffer, `n` null prototype, `e` Error class and props. */
export type Fixup =
  | readonly [object, 'b']
  | readonly [object, 'n']
  | readonly [object, 'e', { readonly name: string; readonly props: Record<string, unknown> }];

/** Options of {@link encodeValue}. */
export interface EncodeOptions {
  /** Whether the value is an argument (to the worker) or a result (back to the caller). */
  readonly role: 'argument' | 'result';
  /** Whether a bare SharedArrayBuffer may travel (threads only). @defaultValue false */
  readonly allowSharedBuffer?: boolean;
  /** @defaultValue 'refuse' */
  readonly instances?: InstancesPolicy;
  /**
   * Collects, into `into`, the ArrayBuffers of the value that may be transferred rather than
   * copied (see {@link isTransferable}), except those in `keep` (the worker's own copies of the
   * broadcast arguments, which later elements read). Absent: nothing is collected.
   */
  readonly transfer?: {
    readonly into: Set<ArrayBuffer>;
    readonly keep: ReadonlySet<ArrayBufferLike>;
  };
}

/** {@link encodeValue}'s answer: a problem (path and reason), or the fixups (often none). */
export type Encoded =
  | { readonly problem: string; readonly fixups?: undefined }
  | { readonly problem?: undefined; readonly fixups: Fixup[] | undefined };

const NO_FIXUPS: Encoded = { fixups: undefined };

const CLONEABLE_CLASSES: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  ArrayBuffer,
  Boolean,
  Number,
  String,
];

const BUILTIN_ERROR_PROTOTYPES = new Set<unknown>(
  [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map(
    (C) => C.prototype,
  ),
);

/**
 * Checks that `value` can travel and records what the receiver must patch. Never throws: a
 * Proxy, a getter that throws, a value nested deeper than {@link MAX_VALUE_DEPTH} or anything
 * outside the cloneable set becomes a `problem` (``\`.options.log\` is a function``). The walk
 * is iterative, so it cannot overflow the stack itself.
 */
export function encodeValue(value: unknown, options: EncodeOptions): Encoded {
  // Most elements and results are numbers or strings: no bookkeeping for them.
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') {
    return NO_FIXUPS;
  }
  if (value === null) return NO_FIXUPS;
  try {
    return walk(value, options);
  } catch (failure) {
    if (failure instanceof UnreadableError) return { problem: failure.message };
    return { problem: `it cannot be read (${describeFailure(failure)})` };
  }
}

type Frame = { readonly value: unknown; readonly path: string; readonly depth: number };

function walk(root: unknown, options: EncodeOptions): Encoded {
  const seen = new Set<object>();
  let fixups: Fixup[] | undefined;
  const stack: Frame[] = [{ value: root, path: '', depth: 0 }];
  const instances = options.instances ?? 'refuse';
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, path, depth } = frame;
    const at = path === '' ? 'it' : `\`${shorten(path)}\``;
    if (typeof value === 'function') {
      return { problem: `${at} is a function (${describeFunction(value)})` };
    }
    if (typeof value === 'symbol') return { problem: `${at} is a symbol (${value.toString()})` };
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    if (depth > MAX_VALUE_DEPTH) {
      return {
        problem:
          `${at} is nested more than ${MAX_VALUE_DEPTH} levels deep, more than the receiving ` +
          'side can read back; flatten the data (an array of rows rather than a chain of nested ' +
          'objects)',
      };
    }
    if (types.isProxy(value)) {
      return { problem: `${at} is a Proxy, which cannot be copied; pass the object it wraps` };
    }
    seen.add(value);
    const push = (child: unknown, childPath: string): void => {
      const t = typeof child;
      if ((t === 'object' && child !== null) || t === 'function' || t === 'symbol') {
        stack.push({ value: child, path: childPath, depth: depth + 1 });
      }
    };
    if (ArrayBuffer.isView(value)) {
      if (Buffer.isBuffer(value)) (fixups ??= []).push([value, 'b']);
      const { transfer } = options;
      if (transfer && isTransferable(value) && !transfer.keep.has(value.buffer)) {
        transfer.into.add(value.buffer as ArrayBuffer);
      }
      continue;
    }
    if (value instanceof ArrayBuffer) {
      const { transfer } = options;
      if (transfer && isTransferable(value) && !transfer.keep.has(value)) transfer.into.add(value);
      continue;
    }
    if (value instanceof SharedArrayBuffer) {
      if (options.allowSharedBuffer) continue;
      return {
        problem:
          `${at} is a bare SharedArrayBuffer: wrap it in a typed array (new Int32Array(sab)), ` +
          'which ppeval shares with threads and copies to processes',
      };
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) push(readIndex(value, i, path), `${path}[${i}]`);
      continue;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        push(k, `${path}<map key>`);
        push(v, `${path}.get(${String(k)})`);
      }
      continue;
    }
    if (value instanceof Set) {
      for (const v of value) push(v, `${path}<set member>`);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (value instanceof Error || types.isNativeError(value)) {
      const err = value as Error;
      const props: Record<string, unknown> = {};
      for (const key of Object.keys(err)) {
        if (key === 'message' || key === 'stack' || key === 'cause') continue;
        const v = readKey(err, key, path);
        props[key] = v;
        push(v, `${path}.${key}`);
      }
      if ('cause' in err) push(readKey(err, 'cause', path), `${path}.cause`);
      const name = errorName(err);
      if (!BUILTIN_ERROR_PROTOTYPES.has(proto) || Object.keys(props).length > 0) {
        (fixups ??= []).push([err, 'e', { name, props }]);
      }
      continue;
    }
    if (proto === null) {
      (fixups ??= []).push([value, 'n']);
    } else if (proto !== Object.prototype && !CLONEABLE_CLASSES.some((C) => value instanceof C)) {
      const refusal = describeInstance(value, proto, at, options.role);
      if (refusal !== undefined && (instances === 'refuse' || refusal.always)) {
        return { problem: refusal.text };
      }
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      push(readKey(value, key, path), `${path}.${key}`);
    }
    for (const sym of Object.getOwnPropertySymbols(value)) {
      if (Object.prototype.propertyIsEnumerable.call(value, sym)) {
        return {
          problem: `\`${path}[${sym.toString()}]\` is a symbol-keyed property, which cannot be sent`,
        };
      }
    }
  }
  return fixups === undefined ? NO_FIXUPS : { fixups };
}

/**
 * The smallest ArrayBuffer worth transferring: below it a copy costs about what the transfer's
 * own bookkeeping does, and small Buffers live in Node's shared 8 KiB pool anyway.
 */
export const MIN_TRANSFER_BYTES = 4096;

/**
 * Whether the memory behind a view (or a bare ArrayBuffer) may be transferred out of a worker:
 * an ordinary, fixed-size ArrayBuffer of at least {@link MIN_TRANSFER_BYTES} that the view
 * covers wholly. A view of part of a buffer is copied: the rest may belong to other values
 * still in use in the worker (`Buffer.allocUnsafe` and `Buffer.from` carve small Buffers out of
 * one shared 8 KiB slab; transferring it would empty all of them). A SharedArrayBuffer is
 * never transferred (threads share it anyway).
 */
export function isTransferable(value: ArrayBufferView | ArrayBuffer): boolean {
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
  if (!(buffer instanceof ArrayBuffer)) return false;
  if ((buffer as { resizable?: boolean }).resizable === true) return false;
  if (buffer.byteLength < MIN_TRANSFER_BYTES) return false;
  return !ArrayBuffer.isView(value) || value.byteLength === buffer.byteLength;
}

/**
 * Every ArrayBuffer and SharedArrayBuffer reachable from `values` through arrays, plain
 * objects, Maps, Sets and views: what a worker keeps of a call's broadcast arguments.
 */
export function reachableBuffers(values: readonly unknown[]): Set<ArrayBufferLike> {
  const found = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  const stack: unknown[] = [...values];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) found.add(value.buffer);
    else if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) found.add(value);
    else if (Array.isArray(value)) stack.push(...(value as unknown[]));
    else if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    else if (value instanceof Set) stack.push(...value);
    else stack.push(...Object.values(value));
  }
  return found;
}

/** A getter that throws during the check: report the path, not the user's raw error. */
class UnreadableError extends Error {}

function readKey(object: object, key: string, path: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch (failure) {
    throw new UnreadableError(
      `\`${path}.${key}\` threw ${describeFailure(failure)} when read (a getter)`,
    );
  }
}

function readIndex(array: unknown[], i: number, path: string): unknown {
  try {
    return array[i];
  } catch (failure) {
    throw new UnreadableError(`\`${path}[${i}]\` threw ${describeFailure(failure)} when read`);
  }
}

function describeInstance(
  value: object,
  proto: unknown,
  at: string,
  role: EncodeOptions['role'],
): { text: string; always: boolean } | undefined {
  const tag = Object.prototype.toString.call(value);
  if (tag === '[object Generator]' || tag === '[object AsyncGenerator]') {
    return {
      always: true,
      text:
        `${at} is a generator object, which cannot be copied; ` +
        (role === 'result' ? 'return [...generator] (an array) instead' : 'pass [...generator]'),
    };
  }
  if (typeof (value as { next?: unknown }).next === 'function' || tag.endsWith('Iterator]')) {
    return {
      always: true,
      text: `${at} is an iterator (${tag.slice(8, -1)}), which cannot be copied; collect it into an array first`,
    };
  }
  if (types.isPromise(value) || types.isWeakMap(value) || types.isWeakSet(value)) {
    return { always: true, text: `${at} is a ${tag.slice(8, -1)}, which cannot be copied` };
  }
  const ctor = (proto as { constructor?: unknown } | null)?.constructor;
  const name =
    typeof ctor === 'function' && ctor.name !== '' ? ctor.name : tag.slice(8, -1) || 'unknown';
  const methods = Object.getOwnPropertyNames(proto).filter((key) => {
    if (key === 'constructor') return false;
    const d = Object.getOwnPropertyDescriptor(proto, key);
    return d !== undefined && (typeof d.value === 'function' || d.get !== undefined);
  });
  const lost =
    methods.length > 0
      ? `without its class, and its methods (${methods.slice(0, 3).join(', ')}${methods.length > 3 ? ', ...' : ''}) would be lost`
      : 'without its class';
  const text =
    role === 'result'
      ? `${at} is an instance of class ${name}, which would arrive at the caller as a plain ` +
        `object ${lost}. Set the call option \`instances: 'plain'\` to accept such results as ` +
        'plain data of their own properties'
      : `${at} is an instance of class ${name}, which would reach the worker as a plain object ` +
        `${lost}; pass plain data and rebuild the object inside the function, or set the call ` +
        "option `instances: 'plain'` to send it as plain data of its own properties";
  return { text, always: false };
}

function errorName(err: Error): string {
  let name: unknown;
  try {
    name = err.name;
  } catch {
    name = undefined;
  }
  const ctorName = (err.constructor as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== 'Error'
    ? name
    : typeof ctorName === 'string' && ctorName !== ''
      ? ctorName
      : 'Error';
}

/** Patches a received value in place: Buffers, null prototypes, Error classes and props. */
export function applyFixups(fixups: readonly Fixup[] | undefined): void {
  if (fixups === undefined) return;
  for (const fixup of fixups) {
    const object = fixup[0];
    switch (fixup[1]) {
      case 'b':
        Object.setPrototypeOf(object, Buffer.prototype);
        break;
      case 'n':
        Object.setPrototypeOf(object, null);
        break;
      case 'e': {
        const { name, props } = fixup[2];
        const Ctor = BUILTIN_ERRORS[name];
        if (Ctor !== undefined) Object.setPrototypeOf(object, Ctor.prototype);
        if (Ctor === undefined && !('name' in props)) {
          // Like a class that sets `this.name`, so it shows in inspection and in logs.
          Object.defineProperty(object, 'name', {
            value: name,
            enumerable: false,
            writable: true,
            configurable: true,
          });
        }
        Object.assign(object, props);
        break;
      }
    }
  }
}

/** A path a thousand levels deep would fill the screen: keep its start and its end. */
function shorten(path: string): string {
  return path.length <= 120 ? path : `${path.slice(0, 60)}...${path.slice(-40)}`;
}

function describeFunction(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? `\`${name}\`` : 'anonymous';
}

function describeFailure(failure: unknown): string {
  if (failure instanceof UnreadableError) return failure.message;
  try {
    return failure instanceof Error
      ? `${failure.name}: ${failure.message}`
      : `a non-error value: ${describeValue(failure)}`;
  } catch {
    return 'an unreadable value';
  }
}
