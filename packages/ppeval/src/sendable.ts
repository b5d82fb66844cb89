/**
 * Which values can travel to a worker and back. Structured clone (threads), Node's advanced IPC
 * serialization (child processes) and `v8.serialize` (Redis) all carry the same set: primitives
 * other than symbols, plain objects and arrays, typed arrays and DataView, ArrayBuffer, Date,
 * RegExp, Map, Set, Error, boxed primitives. A class instance would arrive as a plain object
 * without its methods, and a function or a socket cannot arrive at all, so they are refused up
 * front instead of failing (or silently changing) half-way through a call.
 *
 * @module
 */

const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, null]);

const CLONEABLE_CLASSES: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  ArrayBuffer,
  Error,
  Boolean,
  Number,
  String,
];

/**
 * Describes the first part of `value` that cannot be sent to a worker, as a path and a reason
 * (``.options.log is a function``), or returns undefined when all of it can.
 *
 * @param allowSharedBuffer - Whether a bare SharedArrayBuffer may travel (threads only).
 */
export function findUnsendable(value: unknown, allowSharedBuffer = false): string | undefined {
  // Most elements and results are numbers or strings: skip the walk's bookkeeping for them.
  if (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol') {
    return undefined;
  }
  return walk(value, '', new Set(), allowSharedBuffer);
}

function walk(
  value: unknown,
  path: string,
  seen: Set<object>,
  allowSharedBuffer: boolean,
): string | undefined {
  const at = path === '' ? 'it' : `\`${path}\``;
  switch (typeof value) {
    case 'function':
      return `${at} is a function (${describeFunction(value)})`;
    case 'symbol':
      return `${at} is a symbol (${value.toString()})`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return undefined;
  if (value instanceof SharedArrayBuffer) {
    return allowSharedBuffer
      ? undefined
      : `${at} is a bare SharedArrayBuffer: wrap it in a typed array (new Int32Array(sab)), ` +
          'which ppeval shares with threads and copies to processes';
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}[${i}]`, seen, allowSharedBuffer);
      if (found) return found;
    }
    return undefined;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      const found =
        walk(k, `${path}<map key>`, seen, allowSharedBuffer) ??
        walk(v, `${path}.get(${String(k)})`, seen, allowSharedBuffer);
      if (found) return found;
    }
    return undefined;
  }
  if (value instanceof Set) {
    for (const v of value) {
      const found = walk(v, `${path}<set member>`, seen, allowSharedBuffer);
      if (found) return found;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (!PLAIN_PROTOTYPES.has(proto) && !CLONEABLE_CLASSES.some((C) => value instanceof C)) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    return (
      `${at} is an instance of class ${name}, which would reach the worker as a plain object ` +
      'without its methods; pass plain data (numbers, strings, arrays, plain objects, typed ' +
      'arrays) and rebuild the object inside the function'
    );
  }
  for (const key of Object.keys(value)) {
    const found = walk(
      (value as Record<string, unknown>)[key],
      `${path}.${key}`,
      seen,
      allowSharedBuffer,
    );
    if (found) return found;
  }
  for (const sym of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, sym)) {
      return `\`${path}[${sym.toString()}]\` is a symbol-keyed property, which cannot be sent`;
    }
  }
  return undefined;
}

function describeFunction(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? `\`${name}\`` : 'anonymous';
}
