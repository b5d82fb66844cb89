/**
 * Finds the export of a module that holds a given function, without importing the program's
 * entry script and without waiting forever for a module that is still being evaluated.
 *
 * Three views of a module are tried, from the cheapest and most exact:
 * 1. CommonJS: the `require` cache holds `module.exports` (when imported from ESM, it is the
 *    namespace's `default`).
 * 2. vitest: a test's modules are evaluated by vitest's module runner, not by Node's loader;
 *    its cache holds the copy the test uses. `import(url)` from a library loaded outside vite
 *    would evaluate a second copy (or fail on `.ts`), so `===` would never match.
 * 3. Node's ESM loader: `import(url)` returns the already evaluated namespace.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** A function found among a module's exports. */
export interface ExportMatch {
  /** Property path from the module namespace (what `import(url)` returns). */
  readonly exportPath: readonly string[];
}

/** Extensions that Node cannot import without a TypeScript loader such as tsx. */
export const TYPESCRIPT_EXTENSIONS: ReadonlySet<string> = new Set(['.ts', '.mts', '.cts', '.tsx']);

/** How long `import()` of an already loaded module may take before we assume it never settles. */
export const IMPORT_TIMEOUT_MS = 3_000;

/** The module could not be imported in this thread; `cause` says why. */
export class ModuleImportError extends Error {
  /** `evaluating`: the module's top level has not finished (it is running this very call). */
  readonly reason: 'evaluating' | 'failed';

  constructor(message: string, reason: 'evaluating' | 'failed', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModuleImportError';
    this.reason = reason;
  }
}

let entryPaths: ReadonlySet<string> | undefined;

/**
 * The real paths of the program's entry script: `process.argv[1]` as Node resolves it (it may
 * omit the extension or name a directory) and `require.main`.
 */
export function entryScriptPaths(): ReadonlySet<string> {
  if (entryPaths !== undefined) return entryPaths;
  const paths = new Set<string>();
  const argv1 = process.argv[1];
  if (argv1 !== undefined && argv1 !== '') {
    const base = path.resolve(argv1);
    // Node finds the main module as require.resolve does: added extension, directory index,
    // a package's "main".
    let resolved: string | undefined;
    try {
      resolved = require.resolve(base);
    } catch {
      resolved = undefined;
    }
    const real = tryRealpath(resolved ?? base);
    if (real !== undefined) paths.add(real);
  }
  const mainFile = require.main?.filename;
  if (mainFile !== undefined) paths.add(tryRealpath(mainFile) ?? mainFile);
  entryPaths = paths;
  return paths;
}

/**
 * Whether `url` (a `file:` URL) is a file that must never be imported by a worker: the
 * program's entry script, or the vitest test file now running (importing it would run its
 * tests again in the worker).
 */
export function entryKind(url: string): 'entry' | 'test' | undefined {
  const file = filePathOf(url);
  if (file === undefined) return undefined;
  const real = tryRealpath(file) ?? file;
  if (entryScriptPaths().has(real)) return 'entry';
  const testFile = (globalThis as { __vitest_worker__?: { filepath?: unknown } }).__vitest_worker__
    ?.filepath;
  if (typeof testFile === 'string' && (tryRealpath(testFile) ?? testFile) === real) return 'test';
  return undefined;
}

/** The file path of a `file:` URL, ignoring its query and hash; `undefined` for other URLs. */
export function filePathOf(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    return fileURLToPath(parsed);
  } catch {
    return undefined;
  }
}

/** Normalizes an inspector script URL: vitest and some loaders report plain absolute paths. */
export function toModuleUrl(url: string): string {
  return path.isAbsolute(url) ? pathToFileURL(url).href : url;
}

/**
 * The URL a worker should import: without the `tsx-namespace` query that tsx's `tsImport()`
 * adds. That namespace's hooks exist only in the caller's thread; workers import TypeScript
 * through a tsx namespace of their own.
 */
export function toWorkerUrl(url: string): string {
  if (!url.includes('tsx-namespace=')) return url;
  const parsed = new URL(url);
  parsed.searchParams.delete('tsx-namespace');
  return parsed.href;
}

function tryRealpath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Finds `fn` (or `alternate`, a bound function's target) among the exports of the module at
 * `url`, a `file:` URL that is not the entry script.
 *
 * @returns the match, or `undefined` when the module does not export the function.
 * @throws ModuleImportError when the module cannot be imported here.
 */
export async function findInModule(url: string, fn: unknown): Promise<ExportMatch | undefined> {
  const file = filePathOf(url);

  if (file !== undefined) {
    const cjs = require.cache[file] ?? require.cache[tryRealpath(file) ?? file];
    if (cjs !== undefined && !cjs.loaded) {
      throw new ModuleImportError(
        `${url} is still being loaded (its top level is running this very call)`,
        'evaluating',
      );
    }
    if (cjs !== undefined) {
      const match = searchCommonJs(cjs.exports, fn);
      if (match !== undefined) return match;
    }
    const vitestCopies = vitestModules(file);
    if (vitestCopies.length > 0) {
      for (const copy of vitestCopies) {
        const match = searchNamespace(copy.exports, fn, true);
        if (match === undefined) continue;
        if (copy.evaluated === false) {
          throw new ModuleImportError(
            `${url} is still being evaluated by vitest (its top level is running this very call)`,
            'evaluating',
          );
        }
        return match;
      }
      return undefined;
    }
  }

  return searchNamespace(await importWithTimeout(url), fn);
}

/** A function found in a module other than the one that defines it. */
export interface ModuleMatch extends ExportMatch {
  /** The module's URL. */
  readonly url: string;
}

/**
 * Looks for `fn` among the exports of every CommonJS module and every module vitest evaluated
 * (both without importing anything), for functions made by a factory in one module and exported
 * by another (`exports.compress = memoize(compressImpl)`). ES modules that Node's loader
 * evaluated cannot be listed without importing them, so they are not searched.
 */
export function findElsewhere(fn: unknown, skip: string): ModuleMatch | undefined {
  const map = vitestFileMap();
  if (map !== undefined) {
    for (const [file, nodes] of map) {
      if (!path.isAbsolute(file) || file === skip) continue;
      for (const node of nodes) {
        if (typeof node.exports !== 'object' || node.exports === null) continue;
        if (node.evaluated === false) continue;
        const match = searchNamespace(node.exports as Record<string, unknown>, fn, true);
        if (match !== undefined) return { ...match, url: pathToFileURL(file).href };
      }
    }
  }
  for (const [file, cached] of Object.entries(require.cache)) {
    if (cached === undefined || !cached.loaded || file === skip) continue;
    const match = searchCommonJs(cached.exports, fn);
    if (match !== undefined) return { ...match, url: pathToFileURL(file).href };
  }
  return undefined;
}

/**
 * Imports `url` in this thread, racing the import against `timeoutMs`.
 *
 * A TypeScript file that Node cannot import here (no `--import tsx`) is imported through tsx
 * when `typescriptCopy` is set: that evaluates a second copy of the module, good enough to check
 * that an export exists (the explicit form), useless for finding a function by identity.
 */
export async function importWithTimeout(
  url: string,
  timeoutMs = IMPORT_TIMEOUT_MS,
  typescriptCopy = false,
): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new ModuleImportError(
          `importing ${url} did not settle within ${timeoutMs} ms: the module is still being ` +
            'evaluated (a top-level await that waits for this very call?)',
          'evaluating',
        ),
      );
    }, timeoutMs);
    // Not unref'd: when the import waits for a top-level await, nothing else keeps the event
    // loop alive, and Node would exit silently (code 13) instead of reporting the refusal.
  });
  try {
    return await Promise.race([importModule(url, typescriptCopy), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function importModule(
  url: string,
  typescriptCopy: boolean,
): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const file = filePathOf(url);
    const code = (error as { code?: unknown } | null)?.code;
    const typescript =
      file !== undefined &&
      TYPESCRIPT_EXTENSIONS.has(path.extname(file)) &&
      // No TypeScript support here, or syntax native type stripping refuses (enums...).
      (code === 'ERR_UNKNOWN_FILE_EXTENSION' || code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX');
    if (typescript && typescriptCopy) return importTypeScript(url);
    const reason = typescript
      ? 'no TypeScript loader (such as `node --import tsx`) is active in this thread, so the ' +
        "module's exports cannot be read here"
      : String(error);
    throw new ModuleImportError(`importing ${url} failed: ${reason}`, 'failed', { cause: error });
  }
}

/** Imports a TypeScript module through tsx in this thread (a copy of its own). */
async function importTypeScript(url: string): Promise<Record<string, unknown>> {
  let api: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
  try {
    api = (await import('tsx/esm/api')) as typeof api;
  } catch (error) {
    throw new ModuleImportError(
      `importing ${url} needs tsx, which is not installed (npm install -D tsx)`,
      'failed',
      { cause: error },
    );
  }
  return (await api.tsImport(url, import.meta.url)) as Record<string, unknown>;
}

interface VitestNode {
  readonly exports?: unknown;
  readonly evaluated?: boolean;
}

export interface VitestCopy {
  readonly exports: Record<string, unknown>;
  /** False while the module's top level runs (vite's module runner sets it when done). */
  readonly evaluated: boolean | undefined;
}

/** Every copy of `file` that vitest's module runner evaluated (or is evaluating) here. */
export function vitestModules(file: string): VitestCopy[] {
  const map = vitestFileMap();
  if (map === undefined) return [];
  const nodes = map.get(file) ?? map.get(tryRealpath(file) ?? file);
  if (nodes === undefined) return [];
  const copies: VitestCopy[] = [];
  for (const node of nodes) {
    if (typeof node.exports === 'object' && node.exports !== null) {
      copies.push({ exports: node.exports as Record<string, unknown>, evaluated: node.evaluated });
    }
  }
  return copies;
}

/** vitest's (internal) map from file path to evaluated modules, when running under vitest. */
function vitestFileMap(): Map<string, Iterable<VitestNode>> | undefined {
  const state = (globalThis as { __vitest_worker__?: unknown }).__vitest_worker__ as
    { evaluatedModules?: { fileToModulesMap?: unknown } } | undefined;
  const map = state?.evaluatedModules?.fileToModulesMap;
  return map instanceof Map ? (map as Map<string, Iterable<VitestNode>>) : undefined;
}

/** Searches `module.exports` of a CommonJS module; paths go through the ESM `default`. */
function searchCommonJs(exports: unknown, fn: unknown): ExportMatch | undefined {
  if (exports === fn) return { exportPath: ['default'] };
  if ((typeof exports !== 'object' && typeof exports !== 'function') || exports === null) {
    return undefined;
  }
  const key = findKey(exports, fn);
  return key === undefined ? undefined : { exportPath: ['default', key] };
}

/**
 * Searches a module namespace: named exports first (the one named like the function
 * first), then `default`, then one level into `default`: the properties of a CommonJS
 * `module.exports` are that module's top-level exports (utif's `decode` is `default.decode`).
 * Functions nested deeper, or in other exported objects, are methods: never matched.
 *
 * `preferDefault` is for vitest's copy of a CommonJS module: its interop shows every property
 * of `module.exports` as a named export, while Node's own import shows only the names that
 * cjs-module-lexer detects; `default` (= `module.exports`) is the same in both.
 */
export function searchNamespace(
  namespace: Record<string, unknown>,
  fn: unknown,
  preferDefault = false,
): ExportMatch | undefined {
  const named = Object.keys(namespace).filter((key) => key !== 'default');
  const direct = preferDefault ? undefined : findKey(namespace, fn, named);
  if (direct !== undefined) return { exportPath: [direct] };
  const fallback = read(namespace, 'default');
  if (fallback === fn) return { exportPath: ['default'] };
  if ((typeof fallback === 'object' || typeof fallback === 'function') && fallback !== null) {
    const key = findKey(fallback, fn);
    if (key !== undefined) return { exportPath: ['default', key] };
  }
  const named2 = preferDefault ? findKey(namespace, fn, named) : undefined;
  return named2 === undefined ? undefined : { exportPath: [named2] };
}

function findKey(holder: object, fn: unknown, keys?: readonly string[]): string | undefined {
  const candidates = keys ?? Object.keys(holder);
  const name = typeof fn === 'function' ? fn.name : undefined;
  if (name !== undefined && candidates.includes(name) && read(holder, name) === fn) return name;
  return candidates.find((key) => read(holder, key) === fn);
}

/** Reads an own data property, or a namespace/vitest getter; never throws. */
function read(holder: object, key: string): unknown {
  try {
    return (holder as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}
