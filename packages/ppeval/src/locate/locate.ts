/**
 * Finding the module and export name behind a function, so that workers can import it.
 *
 * Workers cannot receive a function: they receive a module URL and a property path, import
 * the module once and call the export. {@link locateFunction} recovers both from a bare
 * reference (through `node:inspector`, see `inspector.ts`) or validates the explicit
 * form `{ module, export }`.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { types } from 'node:util';

import { LocateError, PpevalArgumentError } from '../errors.js';
import { findBuiltin } from './builtins.js';
import { InspectorUnavailableError, inspectFunction } from './inspector.js';
import type { FunctionLocation } from './inspector.js';
import {
  ModuleImportError,
  filePathOf,
  findElsewhere,
  findInModule,
  importWithTimeout,
  entryKind,
  toModuleUrl,
  toWorkerUrl,
} from './module.js';
import { explicitModuleFor, findMember, packageOf } from './member.js';
import {
  Refusal,
  describeLocation,
  describeShape,
  functionName,
  refusal,
} from './messages.js';

/** Where workers find a function: the wire format sent to every worker. */
export interface FunctionRef {
  /** What the worker imports: a file: URL, or a 'node:' built-in specifier. */
  readonly module: string;
  /** Property path from the module namespace to the function: ['compress'], ['default','decode']. */
  readonly exportPath: readonly string[];
  /** The function's name, for messages. */
  readonly name: string;
}

/**
 * The explicit form, for bundled or generated code: export may be dotted ('default.decode'),
 * also for a static method or a function of an exported object ('Parser.parse'), which workers
 * then call with that object as `this`.
 *
 * `module` is a `file:` URL (string or `URL`), an absolute path, a `node:` specifier or
 * built-in name, or a bare package name resolved from the current working directory.
 *
 * @example
 * ```ts
 * await ppeval({ module: new URL('./worker-fns.js', import.meta.url), export: 'compress' }, i, 50);
 * ```
 */
export interface ExplicitFunction {
  readonly module: string | URL;
  readonly export: string;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** How long importing a module named by the explicit form may take in the calling thread. */
const EXPLICIT_IMPORT_TIMEOUT_MS = 10_000;

const located = new WeakMap<AnyFunction, Promise<FunctionRef>>();
const explicitLocated = new Map<string, Promise<FunctionRef>>();

/**
 * Finds module + export of fn (or validates the explicit form). Rejects with LocateError. Cached per fn (WeakMap).
 *
 * Accepts any function exported at the top level of a module (ESM, CommonJS, TypeScript run
 * through tsx, a module evaluated by vitest), of an installed package, or of a Node built-in
 * module; a bound function whose target is such a function. Refuses, before any work starts,
 * closures, local arrow functions, methods, classes, functions their module does not export,
 * functions exported by the program's entry script, and native functions such as `JSON.parse`.
 * A target that is neither a function nor an `{ module, export }` object rejects with
 * {@link PpevalArgumentError}. A static method or a function of an exported object
 * (`Parser.parse`) is refused with the explicit form that reaches it
 * (`{ module: 'acorn', export: 'Parser.parse' }`, which workers call with `Parser` as `this`).
 *
 * @param runtime - how refusals name the workers: 'worker threads', 'child processes',
 * 'Redis workers' (see `runtimeLabel`)
 * @example
 * ```ts
 * import { gzipSync } from 'node:zlib';
 * const ref = await locateFunction(gzipSync);
 * // { module: 'node:zlib', exportPath: ['gzipSync'], name: 'gzipSync' }
 * ```
 */
export async function locateFunction(
  target: ((...args: never[]) => unknown) | ExplicitFunction,
  runtime = 'workers',
): Promise<FunctionRef> {
  try {
    return await locateTarget(target);
  } catch (error) {
    throw error instanceof Refusal ? error.toError(runtime) : error;
  }
}

async function locateTarget(
  target: ((...args: never[]) => unknown) | ExplicitFunction,
): Promise<FunctionRef> {
  if (typeof target === 'function') {
    const fn = target as AnyFunction;
    let pending = located.get(fn);
    if (pending === undefined) {
      pending = locateReference(fn);
      located.set(fn, pending);
      // A failure may be transient (a module still evaluating): never cache it.
      pending.catch(() => located.delete(fn));
    }
    return pending;
  }
  if (typeof target === 'object' && target !== null) {
    const explicit = validateExplicitShape(target);
    const key = `${String(explicit.module)}#${explicit.export}`;
    let pending = explicitLocated.get(key);
    if (pending === undefined) {
      pending = locateExplicit(explicit);
      explicitLocated.set(key, pending);
      pending.catch(() => explicitLocated.delete(key));
    }
    return pending;
  }
  const value: unknown = target;
  throw new PpevalArgumentError(
    'Expected `fn` to be an exported function or an explicit `{ module, export }` object, ' +
      `got \`${String(value)}\` (${value === null ? 'null' : typeof value}).`,
  );
}

async function locateReference(fn: AnyFunction): Promise<FunctionRef> {
  const name = functionName(fn);
  if (types.isProxy(fn)) {
    throw refusal(fn, 'it is a Proxy, which has no module of its own.', [
      'pass the exported function the Proxy wraps, or the explicit form `{ module, export }`',
    ]);
  }
  // Unwrap bound functions down to the function that has a source location.
  const layers: { readonly boundThis: unknown; readonly boundArgCount: number }[] = [];
  let innermost: AnyFunction = fn;
  let location: FunctionLocation | undefined;
  for (;;) {
    let inspected;
    try {
      inspected = inspectFunction(innermost);
    } catch (error) {
      if (error instanceof InspectorUnavailableError) {
        throw new LocateError(
          name,
          `Cannot locate the module of \`${name}\`: node:inspector is unavailable in this ` +
            'process (the permission model, --experimental-permission, forbids it; or the ' +
            'inspector is disabled). Pass the explicit form instead: ' +
            "`{ module: new URL('./my-module.js', import.meta.url), export: '" +
            `${name}' }\`.`,
          { cause: error.cause },
        );
      }
      throw error;
    }
    if (inspected.bound === undefined) {
      location = inspected.location;
      break;
    }
    layers.push(inspected.bound);
    innermost = inspected.bound.target;
  }
  if (describeShape(innermost) === 'class') {
    throw refusal(fn, 'it is a class: a worker would call it without `new`.', [
      'export a function that creates the instance and returns plain data, and pass that',
    ]);
  }

  if (location === undefined || location.url.startsWith('node:')) {
    const direct = await findBuiltin(fn);
    if (direct !== undefined) return { ...direct, name: refName(fn, direct.exportPath) };
    const inner = layers.length > 0 ? await findBuiltin(innermost) : undefined;
    if (inner !== undefined) {
      checkBindings(fn, layers);
      return { ...inner, name: refName(fn, inner.exportPath) };
    }
    if (location === undefined) {
      throw refusal(
        fn,
        'it is a native function that no module exports (like `JSON.parse` or `Math.max`), ' +
          'so a worker cannot import it.',
        [`export a wrapper from a module of your own, e.g. \`export const f = (x) => ${name}(x)\``],
      );
    }
    throw refusal(
      fn,
      `it is defined inside Node itself (${location.url}) and no public built-in module ` +
        'exports it.',
      ['export a wrapper that calls it from a module of your own, and pass that wrapper'],
    );
  }

  const url = toModuleUrl(location.url);
  const where = describeLocation(url, location);
  if (url === '' || !/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    throw refusal(
      fn,
      `it was defined in code without a module (eval, new Function, vm, the REPL: ${where}).`,
      ['move it into a module file and export it'],
    );
  }
  const kind = entryKind(url);
  if (kind !== undefined) throw entryRefusal(fn, url, kind);

  let match;
  let viaTarget = false;
  try {
    match = await findInModule(url, fn);
    if (match === undefined && layers.length > 0) {
      match = await findInModule(url, innermost);
      viaTarget = match !== undefined;
    }
  } catch (error) {
    throw importRefusal(fn, url, error);
  }
  let moduleUrl = url;
  if (match === undefined) {
    const skip = filePathOf(url) ?? '';
    let elsewhere = findElsewhere(fn, skip);
    if (elsewhere === undefined && layers.length > 0) {
      elsewhere = findElsewhere(innermost, skip);
      viaTarget = elsewhere !== undefined;
    }
    if (elsewhere === undefined || entryKind(elsewhere.url) !== undefined) {
      const member = (await findMember(url, fn)) ?? (await findMember(url, innermost));
      if (member !== undefined) throw memberRefusal(fn, url, member.exportPath, where);
      throw notExportedRefusal(fn, innermost, url, where);
    }
    match = elsewhere;
    moduleUrl = elsewhere.url;
  }
  if (viaTarget) checkBindings(fn, layers);
  return {
    module: toWorkerUrl(moduleUrl),
    exportPath: match.exportPath,
    name: refName(fn, match.exportPath),
  };
}

/** The export's name (what the user imported), else the function's own name. */
function refName(fn: AnyFunction, exportPath: readonly string[]): string {
  const last = exportPath.at(-1);
  if (last !== undefined && last !== 'default') return last;
  return fn.name === '' ? 'default' : functionName(fn);
}

/** A bound function runs as its target only when nothing was bound but a nullish `this`. */
function checkBindings(
  fn: AnyFunction,
  layers: readonly { readonly boundThis: unknown; readonly boundArgCount: number }[],
): void {
  if (layers.some((layer) => layer.boundArgCount > 0)) {
    throw refusal(
      fn,
      'it is a bound function with bound arguments; workers import the original function ' +
        'and would silently drop them.',
      [
        'pass the original exported function and give the bound values to ppeval as extra ' +
          '(broadcast) arguments: `ppeval(fn, xs, 50)` instead of `ppeval(fn.bind(null, 50), xs)`',
      ],
    );
  }
  if (layers.some((layer) => layer.boundThis != null && layer.boundThis !== globalThis)) {
    throw refusal(
      fn,
      'it is a function bound to an object; workers import the original function and would ' +
        'call it without that `this`.',
      ['export a function that takes the data it needs as arguments, and pass that'],
    );
  }
}

function entryRefusal(fn: AnyFunction, url: string, kind: 'entry' | 'test'): Refusal {
  const name = functionName(fn);
  if (kind === 'test') {
    return refusal(
      fn,
      `it is defined in the test file that is running (${url}). A worker would have to ` +
        'import that file, which runs its tests again inside the worker.',
      [
        `move \`${name}\` to a module of its own (a fixture next to the test), export it ` +
          'there and import it from the test',
      ],
    );
  }
  return refusal(
    fn,
    `it is defined in the program's entry script (${url}). A worker would have to import ` +
      'that script, which runs the whole program again in every worker (a recursive spawn), ' +
      'or, for a top-level `await ppeval(...)`, never finishes loading.',
    [
      `move \`${name}\` to a module of its own, export it there and import it from the entry script`,
    ],
  );
}

function importRefusal(fn: AnyFunction, url: string, error: unknown): Refusal {
  if (error instanceof ModuleImportError && error.reason === 'evaluating') {
    return refusal(
      fn,
      `its module (${url}) is still being evaluated: its top level is running this very ` +
        'call (a top-level ppeval, awaited or not). Its exports cannot be read until it ' +
        'finishes, and a worker importing it would run that top level, and ppeval, again.',
      [
        `move \`${functionName(fn)}\` to a module of its own that does not call ppeval at ` +
          'its top level',
      ],
      error,
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return refusal(
    fn,
    `its module (${url}) could not be imported to find the export name: ${reason}.`,
    ['pass the explicit form `{ module, export }`'],
    error,
  );
}

/** A static method or a function of an exported object: name the explicit form that reaches it. */
function memberRefusal(
  fn: AnyFunction,
  url: string,
  exportPath: readonly string[],
  where: string,
): Refusal {
  const dotted = exportPath.join('.');
  const holder = exportPath.slice(0, -1).join('.');
  const explicit = `\`{ module: ${explicitModuleFor(url)}, export: '${dotted}' }\``;
  return refusal(
    fn,
    `it is not an export of its own but \`${dotted}\`, reached through the exported ` +
      `\`${holder}\` (a static method, or a function of an object; defined at ${where}). ` +
      `Passed bare it has lost its \`this\`, which may be \`${holder}\`.`,
    [
      `pass the explicit form ${explicit}, which workers call as \`${dotted}(...)\`, with ` +
        `\`${holder}\` as \`this\``,
    ],
  );
}

/** A function inside an installed package that the package does not export. */
function packageRefusal(fn: AnyFunction, pkg: string, where: string): Refusal {
  return refusal(
    fn,
    `it is defined inside the package \`${pkg}\` (at ${where}), which does not export it, ` +
      'neither at its top level nor through an exported object.',
    [
      `pass a function that \`${pkg}\` exports, or the explicit form ` +
        `\`{ module: '${pkg}', export: '<name>' }\` naming the export (dotted for one inside ` +
        "an exported object: 'Parser.parse') that reaches it",
      'export a function of your own that calls it, from a module of your own, and pass that',
    ],
  );
}

function notExportedRefusal(
  fn: AnyFunction,
  innermost: AnyFunction,
  url: string,
  where: string,
): Refusal {
  const name = functionName(fn);
  const file = filePathOf(url);
  const pkg = file === undefined ? undefined : packageOf(file);
  // Never advise editing a file under node_modules.
  if (pkg !== undefined) return packageRefusal(fn, pkg.name, where);
  switch (describeShape(innermost)) {
    case 'method':
      return refusal(fn, `it is a method (defined at ${where}); a worker cannot reach it.`, [
        `move it out of its class or object into a top-level \`export function ${name}(...)\`, ` +
          'give it the data it used from `this` as arguments, and pass that function',
      ]);
    case 'arrow':
      return refusal(
        fn,
        `it is an arrow function (defined at ${where}) that its module does not export.`,
        [
          `declare it at the top level of its module as \`export const ${name} = (...) => ...\` ` +
            'and pass the imported binding',
          'if it captures local variables (a closure), pass those values as extra ppeval arguments',
        ],
      );
    default:
      return refusal(fn, `its module does not export it (defined at ${where}).`, [
        'if it is a top-level function, add `export` to it',
        'if it is defined inside another function (a closure), move it to the top level of a ' +
          'module, export it, and pass the values it captured as extra ppeval arguments',
        'if another module exports it (a function made by a wrapper or factory, bundled or ' +
          'generated code), pass the explicit form `{ module, export }` naming that module',
      ]);
  }
}

function validateExplicitShape(target: object): ExplicitFunction {
  const keys = Object.keys(target);
  const unknown = keys.filter((key) => key !== 'module' && key !== 'export');
  if (unknown.length > 0) {
    throw new PpevalArgumentError(
      `Unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')} ` +
        'in the explicit function form: expected exactly `{ module, export }`.',
    );
  }
  const { module, export: exportName } = target as Partial<Record<string, unknown>>;
  if (typeof module !== 'string' && !(module instanceof URL)) {
    throw new PpevalArgumentError(
      'Expected `module` of the explicit function form to be a URL, an absolute path or a ' +
        `package name, got \`${String(module)}\` (${module === null ? 'null' : typeof module}).`,
    );
  }
  if (typeof exportName !== 'string' || exportName.split('.').some((part) => part === '')) {
    throw new PpevalArgumentError(
      'Expected `export` of the explicit function form to be an export name, dotted for a ' +
        `nested one ('default.decode'), got \`${String(exportName)}\` (${typeof exportName}).`,
    );
  }
  return { module, export: exportName };
}

async function locateExplicit(explicit: ExplicitFunction): Promise<FunctionRef> {
  const exportPath = explicit.export.split('.');
  const name = exportPath.join('.');
  const url = resolveExplicitModule(explicit.module, name);
  if (entryKind(url) !== undefined) {
    throw new Refusal(
      name,
      (runtime) =>
        `Cannot run \`${name}\` from ${url} in ${runtime}: that module is the program's entry ` +
        'script (or the running test file), and importing it in a worker would run the whole ' +
        'program again. Move the function to a module of its own and name that module.',
    );
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = await importWithTimeout(url, EXPLICIT_IMPORT_TIMEOUT_MS, true);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LocateError(name, `Cannot import ${url} to check \`${name}\`: ${reason}.`, {
      cause: error,
    });
  }
  let value: unknown = namespace;
  for (const [depth, key] of exportPath.entries()) {
    const holder = value;
    value =
      (typeof holder === 'object' || typeof holder === 'function') && holder !== null
        ? (holder as Record<string, unknown>)[key]
        : undefined;
    if (value === undefined) {
      const missing = exportPath.slice(0, depth + 1).join('.');
      const viaDefault = readPath(namespace, ['default', ...exportPath]);
      const hint =
        typeof viaDefault === 'function'
          ? ` It is there as \`default.${name}\` (a CommonJS module): use export: 'default.${name}'.`
          : ` The module exports: ${Object.keys(namespace).join(', ') || '(nothing)'}.`;
      throw new LocateError(name, `${url} has no export \`${missing}\`.${hint}`);
    }
  }
  if (typeof value !== 'function') {
    throw new LocateError(
      name,
      `Expected \`${name}\` exported by ${url} to be a function, got ${describeValue(value)}.`,
    );
  }
  return { module: url, exportPath, name };
}

/** Turns the explicit form's `module` into what a worker imports. */
function resolveExplicitModule(module: string | URL, name: string): string {
  if (module instanceof URL) return checkFileExists(module.href, name);
  if (module.startsWith('node:') || isBuiltin(module)) {
    const specifier = module.startsWith('node:') ? module : `node:${module}`;
    if (!isBuiltin(specifier)) {
      throw new LocateError(name, `\`${module}\` is not a Node built-in module.`);
    }
    return specifier;
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(module)) return checkFileExists(module, name);
  if (path.isAbsolute(module)) return checkFileExists(pathToFileURL(module).href, name);
  if (module.startsWith('.')) {
    throw new LocateError(
      name,
      `The module \`${module}\` is relative, and it is unclear to what. Pass a URL: ` +
        `\`new URL('${module}', import.meta.url)\`.`,
    );
  }
  try {
    const fromCwd = createRequire(path.join(process.cwd(), 'package.json'));
    return pathToFileURL(fromCwd.resolve(module)).href;
  } catch (error) {
    throw new LocateError(
      name,
      `Cannot resolve the package \`${module}\` from ${process.cwd()}. Install it, or pass ` +
        `its file URL: \`import.meta.resolve('${module}')\`.`,
      { cause: error },
    );
  }
}

function checkFileExists(url: string, name: string): string {
  const file = filePathOf(url);
  if (file !== undefined && !existsSync(file)) {
    throw new LocateError(name, `The module ${url} does not exist (no file at ${file}).`);
  }
  return url;
}

function readPath(root: unknown, keys: readonly string[]): unknown {
  let value = root;
  for (const key of keys) {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return '`null`';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `\`${String(value)}\` (${typeof value})`;
}
