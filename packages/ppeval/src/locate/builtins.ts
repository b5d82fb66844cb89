/**
 * An index of the functions Node's built-in modules export, for functions whose definition
 * lives in an internal module that cannot be imported (`util.inspect` is defined in
 * `node:internal/util/inspect`, `crypto.randomBytes` in `node:internal/crypto/random`).
 *
 * Built once, lazily, on the first look-up of a built-in function: two levels deep (the
 * module's exports and their own properties, so `Buffer.from` is found as
 * `node:buffer` `Buffer.from`).
 *
 * @module
 */
import { builtinModules } from 'node:module';

/** Where a built-in function can be imported from. */
export interface BuiltinExport {
  /** The `node:` specifier, e.g. `node:zlib`. */
  readonly module: string;
  /** Property path from the module namespace, e.g. `['gzipSync']` or `['Buffer', 'from']`. */
  readonly exportPath: readonly string[];
}

// Importing these prints a warning on the user's console: `sys` (a deprecated alias of util),
// `wasi` (experimental), `punycode` (deprecated on newer Node versions). The `_stream_*`-style
// aliases are skipped too (`_stream_wrap` warns; the rest re-export public modules).
const SKIPPED = new Set(['sys', 'wasi', 'punycode']);

let index: Promise<Map<unknown, BuiltinExport>> | undefined;

/** Finds `fn` among the exports of Node's built-in modules. */
export async function findBuiltin(fn: unknown): Promise<BuiltinExport | undefined> {
  index ??= buildIndex();
  return (await index).get(fn);
}

/** Module names in the order of preference: `fs` before `fs/promises`. */
function preferredModules(): string[] {
  const names = builtinModules.filter((name) => !SKIPPED.has(name) && !name.startsWith('_'));
  const rank = (name: string): number => (name.includes('/') ? 1 : 0);
  return names.sort((a, b) => rank(a) - rank(b));
}

async function buildIndex(): Promise<Map<unknown, BuiltinExport>> {
  const found = new Map<unknown, BuiltinExport>();
  const add = (fn: unknown, entry: BuiltinExport): void => {
    if (typeof fn === 'function' && !found.has(fn)) found.set(fn, entry);
  };
  const modules = preferredModules();
  const namespaces = await Promise.all(
    modules.map(async (name) => {
      try {
        // A plain variable, not a template literal: bundlers (vite in vitest) warn about the latter.
        const specifier = 'node:' + name;
        return (await import(specifier)) as Record<string, unknown>;
      } catch {
        // A built-in that cannot be imported in this process (a flag-gated module) holds
        // nothing the user could have passed us.
        return undefined;
      }
    }),
  );
  // First pass: direct exports everywhere, so `zlib.gzipSync` wins over a nested alias.
  modules.forEach((name, i) => {
    const ns = namespaces[i];
    if (ns === undefined) return;
    for (const key of Object.keys(ns)) {
      if (key !== 'default') add(safeGet(ns, key), { module: `node:${name}`, exportPath: [key] });
    }
  });
  modules.forEach((name, i) => {
    const ns = namespaces[i];
    if (ns === undefined) return;
    for (const key of Object.keys(ns)) {
      const value = safeGet(ns, key);
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null) continue;
      for (const inner of Object.getOwnPropertyNames(value)) {
        if (inner === 'prototype' || inner === 'constructor') continue;
        add(safeGet(value, inner), { module: `node:${name}`, exportPath: [key, inner] });
      }
    }
  });
  return found;
}

/** Reads a property without running a getter that throws (some built-ins have such getters). */
function safeGet(holder: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  if (descriptor === undefined) return undefined;
  if ('value' in descriptor) return descriptor.value;
  // Module namespaces expose plain data properties; getters on nested objects are skipped
  // because reading them can have effects (lazy loading that warns, deprecated accessors).
  return undefined;
}
