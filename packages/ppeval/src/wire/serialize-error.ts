/**
 * Errors across the worker boundary. Structured clone keeps an error's message and stack but
 * turns every class into `Error` and drops most own properties; JSON (Redis) keeps nothing.
 * So a worker turns what an element threw into plain data ({@link serializeError}) and the caller
 * rebuilds an equivalent error ({@link deserializeError}): same class name, message, stack,
 * `code`, own properties and nested `cause`.
 *
 * @module
 */

/** An error (or any thrown value) as plain, cloneable data. */
export type SerializedError =
  | {
      readonly kind: 'error';
      /** The class name (`err.name`, or the constructor's name when `name` was not set). */
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      /** Own enumerable properties other than name/message/stack/cause, each cloneable. */
      readonly props: Readonly<Record<string, unknown>>;
      readonly cause?: SerializedError;
      /** For AggregateError. */
      readonly errors?: readonly SerializedError[];
    }
  | { readonly kind: 'value'; readonly value: unknown };

/** The error classes every realm has, by name: what a receiver can rebuild as such. */
export const BUILTIN_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

const MAX_DEPTH = 8;

/**
 * Turns a thrown value into data that survives structured clone and `v8.serialize`. Properties
 * that cannot be cloned (functions, symbols) are replaced by their string form, and so are
 * those whose getter throws. Never throws: a value that cannot even be inspected (a revoked
 * Proxy) becomes an `Error` that says so.
 */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  try {
    return serializeThrown(thrown, depth);
  } catch (failure) {
    return {
      kind: 'error',
      name: 'Error',
      message:
        'The function threw a value that cannot be read to send it back ' +
        `(${safeDescribe(failure)}).`,
      stack: undefined,
      props: {},
    };
  }
}

function serializeThrown(thrown: unknown, depth: number): SerializedError {
  if (!(thrown instanceof Error) && !looksLikeError(thrown)) {
    return { kind: 'value', value: toCloneable(thrown, 0) };
  }
  const err = thrown as Error & { errors?: unknown };
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    try {
      props[key] = toCloneable((err as unknown as Record<string, unknown>)[key], 0);
    } catch (failure) {
      props[key] = `[unreadable: ${safeDescribe(failure)}]`;
    }
  }
  const ctorName = (err.constructor as { name?: unknown } | undefined)?.name;
  const name =
    typeof err.name === 'string' && err.name !== 'Error'
      ? err.name
      : typeof ctorName === 'string' && ctorName !== ''
        ? ctorName
        : 'Error';
  const out: {
    kind: 'error';
    name: string;
    message: string;
    stack: string | undefined;
    props: Record<string, unknown>;
    cause?: SerializedError;
    errors?: SerializedError[];
  } = {
    kind: 'error',
    name,
    message: typeof err.message === 'string' ? err.message : String(err.message),
    stack: typeof err.stack === 'string' ? err.stack : undefined,
    props,
  };
  if ('cause' in err && err.cause !== undefined && depth < MAX_DEPTH) {
    out.cause = serializeError(err.cause, depth + 1);
  }
  if (Array.isArray(err.errors) && depth < MAX_DEPTH) {
    out.errors = err.errors.map((e: unknown) => serializeError(e, depth + 1));
    delete props['errors'];
  }
  return out;
}

/**
 * Rebuilds an error from {@link serializeError}'s data. Built-in classes (TypeError, RangeError,
 * ...) come back as instances of that class; other classes as an `Error` whose `name` is the
 * original class name. The stack is the worker's.
 */
export function deserializeError(data: SerializedError): unknown {
  if (data.kind === 'value') return data.value;
  const options = data.cause ? { cause: deserializeError(data.cause) } : undefined;
  let err: Error;
  if (data.errors) {
    err = new AggregateError(data.errors.map(deserializeError), data.message, options);
  } else {
    const Ctor = BUILTIN_ERRORS[data.name] ?? Error;
    err = new Ctor(data.message, options);
  }
  // Own property, like a class that sets `this.name`, so it shows in inspection and in logs.
  Object.defineProperty(err, 'name', {
    value: data.name,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  Object.defineProperty(err, 'stack', {
    value: data.stack ?? `${data.name}: ${data.message}`,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  for (const [key, value] of Object.entries(data.props)) {
    (err as unknown as Record<string, unknown>)[key] = value;
  }
  return err;
}

function looksLikeError(value: unknown): boolean {
  // An error from another realm (vm context) fails instanceof but is still an error.
  return Object.prototype.toString.call(value) === '[object Error]';
}

function toCloneable(value: unknown, depth: number): unknown {
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return value;
    case 'function':
      return `[Function ${(value as { name?: string }).name || 'anonymous'}]`;
    case 'symbol':
      return value.toString();
    default:
      break;
  }
  if (value instanceof Error)
    return depth < MAX_DEPTH ? deserializeError(serializeError(value)) : String(value);
  if (ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp) return value;
  if (depth >= MAX_DEPTH) return '[Object]';
  if (Array.isArray(value)) return value.map((v) => toCloneable(v, depth + 1));
  if (value instanceof Map) {
    return new Map(
      [...value].map(([k, v]) => [toCloneable(k, depth + 1), toCloneable(v, depth + 1)]),
    );
  }
  if (value instanceof Set) return new Set([...value].map((v) => toCloneable(v, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = toCloneable((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

function safeDescribe(failure: unknown): string {
  try {
    return failure instanceof Error ? `${failure.name}: ${failure.message}` : String(failure);
  } catch {
    return 'an unreadable value';
  }
}
