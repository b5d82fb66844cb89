/**
 * Functions reached through an exported object rather than exported themselves: a static
 * method (acorn's `Parser.parse`), a function of an exported object (`utils.helper`). They are
 * never located automatically: passed bare they have lost their `this` (`xs.map(Parser.parse)`
 * fails serially too), while the explicit form `{ module, export: 'Parser.parse' }` calls them
 * as `Parser.parse(...)`. Finding them lets the refusal name that explicit form.
 *
 * @module
 */
import { createRequire } from 'node:module';
import path from 'node:path';

import type { ExportMatch } from './module.js';
import { filePathOf, importWithTimeout, vitestModules } from './module.js';

/**
 * Finds `fn` as a data property of an export of the module at `url` (`['Parser', 'parse']`),
 * or of an export of its `default` (`['default', 'utils', 'helper']`). Getters are not run.
 * Resolves `undefined` when it is not there, or when the module cannot be imported.
 */
export async function findMember(url: string, fn: unknown): Promise<ExportMatch | undefined> {
  const file = filePathOf(url);
  const roots = file === undefined ? [] : vitestModules(file).map((copy) => copy.exports);
  if (roots.length === 0) {
    try {
      roots.push(await importWithTimeout(url));
    } catch {
      return undefined;
    }
  }
  for (const root of roots) {
    const match = searchMembers(root, fn, []);
    if (match !== undefined) return match;
  }
  return undefined;
}

function searchMembers(
  namespace: object,
  fn: unknown,
  prefix: readonly string[],
): ExportMatch | undefined {
  for (const key of Object.keys(namespace)) {
    // A module namespace (or vitest's copy of one, whose getters only read the binding) is read
    // as is; the objects below it only through data properties, so that no getter runs.
    const holder = prefix.length === 0 ? read(namespace, key) : dataValue(namespace, key);
    if ((typeof holder !== 'object' && typeof holder !== 'function') || holder === null) continue;
    for (const name of Object.getOwnPropertyNames(holder)) {
      if (name !== 'prototype' && dataValue(holder, name) === fn) {
        return { exportPath: [...prefix, key, name] };
      }
    }
    if (key === 'default' && prefix.length === 0) {
      const nested = searchMembers(holder, fn, ['default']);
      if (nested !== undefined) return nested;
    }
  }
  return undefined;
}

function read(holder: object, key: string): unknown {
  try {
    return (holder as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function dataValue(holder: object, key: string): unknown {
  try {
    const descriptor = Object.getOwnPropertyDescriptor(holder, key);
    return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The installed package a file belongs to (`acorn` for `.../node_modules/acorn/dist/acorn.mjs`),
 * or `undefined` when the file is not in `node_modules`.
 */
export function packageOf(
  file: string,
): { readonly name: string; readonly root: string } | undefined {
  const parts = file.split(path.sep);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length - 1) return undefined;
  const scoped = parts[at + 1]!.startsWith('@');
  const name = scoped ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1]!;
  const root = parts.slice(0, at + (scoped ? 3 : 2)).join(path.sep);
  return { name, root };
}

/**
 * What the explicit form's `module` should say for a function found in `url`: the package's
 * name when the file belongs to the package that name resolves to from the working directory
 * (what the explicit form resolves), else the file URL.
 */
export function explicitModuleFor(url: string): string {
  const file = filePathOf(url);
  const pkg = file === undefined ? undefined : packageOf(file);
  if (pkg !== undefined) {
    try {
      const resolved = createRequire(path.join(process.cwd(), 'package.json')).resolve(pkg.name);
      if (resolved.startsWith(pkg.root + path.sep)) return `'${pkg.name}'`;
    } catch {
      // Not resolvable from here: name the file.
    }
  }
  return `'${url}'`;
}
