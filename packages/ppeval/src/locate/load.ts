/**
 * The worker side of locating: turns a {@link FunctionRef} back into a callable function.
 *
 * Runs inside a worker thread or a child process. Each module is imported once per worker and
 * cached; TypeScript modules are imported through tsx, registered in this worker only when the
 * first such module arrives (on Node 20 a worker does not inherit the main thread's
 * `--import tsx`).
 *
 * @module
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describeValue } from '../describe-value.js';
import { LocateError } from '../errors.js';
import type { FunctionRef } from './locate.js';

type AnyFunction = (...args: unknown[]) => unknown;

const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
/**
 * Node's refusals that tsx would have handled: no TypeScript support at all (Node 20, or
 * --no-experimental-strip-types), or syntax that native type stripping (Node 22.18+, 23.6+)
 * cannot erase, such as enums and parameter properties.
 */
const NEEDS_TSX: ReadonlySet<unknown> = new Set([
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX',
]);

const modules = new Map<string, Promise<Record<string, unknown>>>();
const functions = new Map<string, Promise<AnyFunction>>();

/** tsx's namespaced import: hooks that apply only to imports made through it. */
type TsxImport = (specifier: string, parentURL: string) => Promise<unknown>;
let tsx: Promise<TsxImport | undefined> | undefined;
let loadingDepth = 0;

/**
 * Imports ref.module once per worker (registering tsx for .ts/.mts/.cts/.tsx files), caches, returns the function. Rejects with a clear error if the export is missing or not a function.
 *
 * A function reached through an object (`default.decode`) is bound to that object, so it runs
 * as `holder.decode(...)` would.
 *
 * @example
 * ```ts
 * const gzip = await loadFunction({ module: 'node:zlib', exportPath: ['gzipSync'], name: 'gzipSync' });
 * gzip(Buffer.from('hello'));
 * ```
 */
export async function loadFunction(ref: FunctionRef): Promise<AnyFunction> {
  checkRef(ref);
  const key = `${ref.module}\0${ref.exportPath.join('\0')}`;
  let pending = functions.get(key);
  if (pending === undefined) {
    pending = resolveFunction(ref);
    functions.set(key, pending);
    pending.catch(() => functions.delete(key));
  }
  return pending;
}

/** A ref arrives over a wire (worker message, Redis job): check its shape before using it. */
function checkRef(ref: unknown): asserts ref is FunctionRef {
  const candidate = ref as Partial<Record<keyof FunctionRef, unknown>> | null;
  const valid =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.module === 'string' &&
    candidate.module !== '' &&
    typeof candidate.name === 'string' &&
    Array.isArray(candidate.exportPath) &&
    candidate.exportPath.length > 0 &&
    candidate.exportPath.every((key) => typeof key === 'string' && key !== '');
  if (!valid) {
    throw new TypeError(
      'Expected a function reference `{ module, exportPath, name }` as made by locateFunction, ' +
        `got ${describeValue(ref)}.`,
    );
  }
}

/**
 * Whether this thread is importing a module for {@link loadFunction} right now. A module whose
 * top level calls ppeval would, in a worker, spawn workers of its own: ppeval checks this to
 * refuse such a call instead of recursing.
 */
export function isLoadingFunctionModule(): boolean {
  return loadingDepth > 0;
}

async function resolveFunction(ref: FunctionRef): Promise<AnyFunction> {
  const namespace = await importOnce(ref);
  let holder: unknown;
  let value: unknown = namespace;
  for (const [depth, key] of ref.exportPath.entries()) {
    holder = value;
    const readable =
      (typeof holder === 'object' || typeof holder === 'function') && holder !== null;
    value = readable ? (holder as Record<string, unknown>)[key] : undefined;
    if (value === undefined) {
      const missing = ref.exportPath.slice(0, depth + 1).join('.');
      throw new LocateError(
        ref.name,
        `The worker imported ${ref.module} but found no export \`${missing}\` for ` +
          `\`${ref.name}\`. The module seen by the worker differs from the caller's (a vitest ` +
          'mock or alias, a conditional export, a file changed since): export the function ' +
          'from a plain module.',
      );
    }
  }
  if (typeof value !== 'function') {
    throw new LocateError(
      ref.name,
      `The worker imported ${ref.module}, but \`${ref.exportPath.join('.')}\` is not a ` +
        `function there: got ${describeValue(value)}.`,
    );
  }
  const fn = value as AnyFunction;
  return ref.exportPath.length > 1 ? fn.bind(holder) : fn;
}

function importOnce(ref: FunctionRef): Promise<Record<string, unknown>> {
  let pending = modules.get(ref.module);
  if (pending === undefined) {
    pending = importModule(ref);
    modules.set(ref.module, pending);
    pending.catch(() => modules.delete(ref.module));
  }
  return pending;
}

async function importModule(ref: FunctionRef): Promise<Record<string, unknown>> {
  loadingDepth += 1;
  try {
    const typescript = isTypeScript(ref.module);
    const tsxImport = typescript ? await loadTsx() : undefined;
    if (tsxImport !== undefined) {
      return (await tsxImport(ref.module, import.meta.url)) as Record<string, unknown>;
    }
    try {
      return (await import(ref.module)) as Record<string, unknown>;
    } catch (error) {
      if (typescript && NEEDS_TSX.has((error as { code?: unknown }).code)) {
        throw new LocateError(
          ref.name,
          `\`${ref.name}\` is defined in a TypeScript module (${ref.module}); workers import ` +
            'TypeScript through tsx, which is not installed. Install it: npm install -D tsx ' +
            '(or compile the module to JavaScript and pass the compiled function).',
          { cause: error },
        );
      }
      throw error;
    }
  } catch (error) {
    if (error instanceof LocateError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new LocateError(
      ref.name,
      `The worker could not import ${ref.module} (for \`${ref.name}\`): ${reason}`,
      { cause: error },
    );
  } finally {
    loadingDepth -= 1;
  }
}

function isTypeScript(module: string): boolean {
  if (!module.startsWith('file:')) return false;
  try {
    return TYPESCRIPT_EXTENSIONS.has(path.extname(fileURLToPath(new URL(module))));
  } catch {
    return false;
  }
}

/**
 * Registers tsx for this thread, once, under a namespace of its own: its hooks then apply only
 * to the imports made through it. A second, global registration would clash with a tsx the
 * process already runs under (`--import tsx`): CommonJS `.cts` modules lose their `default`.
 * Without tsx, Node may still import TypeScript itself (type stripping in newer versions).
 */
function loadTsx(): Promise<TsxImport | undefined> {
  tsx ??= (async () => {
    let api: { register: (options: { namespace: string }) => { import: TsxImport } };
    try {
      api = (await import('tsx/esm/api')) as typeof api;
    } catch {
      return undefined;
    }
    const namespaced = api.register({ namespace: `ppeval-${process.pid}` });
    return (specifier: string, parentURL: string) => namespaced.import(specifier, parentURL);
  })();
  return tsx;
}
