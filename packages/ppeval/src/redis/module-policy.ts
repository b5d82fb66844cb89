/**
 * Which modules a Redis worker may import. A job names a module, and a job comes from anyone who
 * can write to the Redis server, so a worker imports only Node's built-in modules and files
 * inside its allowed roots (the project it was started in, plus `--root` directories), never an
 * arbitrary path or URL.
 *
 * The caller describes a file module by its package (the nearest package.json above it) and its
 * path inside that package, so that a worker on another machine, with the same project
 * installed under a different directory, finds its own copy. Each side hashes the file, so a
 * worker whose copy differs from the caller's refuses the job.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BackendError, PpevalArgumentError } from '../errors.js';

/** How a job names the module of its function (JSON, stored in the call's metadata). */
export type ModuleLocator =
  | { readonly kind: 'builtin'; readonly specifier: string }
  | {
      readonly kind: 'file';
      /** The caller's own file URL (used as is when the worker runs on the same tree). */
      readonly url: string;
      /** `name` of the nearest package.json above the file, when it has one. */
      readonly packageName: string | undefined;
      /** The file's path inside that package, `/`-separated. */
      readonly packagePath: string | undefined;
      /** SHA-256 of the caller's file (hex, 24 digits): the code version workers must match. */
      readonly hash: string;
    };

const builtins = new Set(builtinModules);

/** Whether `specifier` names one of Node's built-in modules (`node:zlib`, `zlib`). */
export function isBuiltinSpecifier(specifier: string): boolean {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return builtins.has(bare) || builtins.has(bare.split('/')[0] ?? '');
}

/**
 * Describes a function's module for workers: built-in modules by specifier, files by package,
 * path and content hash. Runs in the caller.
 */
export function describeModule(moduleSpecifier: string): ModuleLocator {
  if (moduleSpecifier.startsWith('node:')) {
    return { kind: 'builtin', specifier: moduleSpecifier };
  }
  let path: string;
  if (moduleSpecifier.startsWith('file:')) path = fileURLToPath(moduleSpecifier);
  else if (isAbsolute(moduleSpecifier)) path = moduleSpecifier;
  else if (isBuiltinSpecifier(moduleSpecifier)) {
    return { kind: 'builtin', specifier: `node:${moduleSpecifier}` };
  } else {
    throw new PpevalArgumentError(
      `The Redis backend runs functions from files and Node's built-in modules; the function's ` +
        `module is '${moduleSpecifier}', which is neither a file URL nor a node: specifier. ` +
        'Pass the function itself (ppeval locates its file) or name the file by its file:// URL.',
    );
  }
  const pkg = findPackage(dirname(path));
  return {
    kind: 'file',
    url: pathToFileURL(path).href,
    packageName: pkg?.name,
    packagePath: pkg === undefined ? undefined : toPosix(relative(pkg.dir, path)),
    hash: fileHash(path),
  };
}

/** What a worker may import: directories (real paths) and built-in modules (bare names). */
export interface ModuleRoots {
  readonly dirs: readonly string[];
  readonly builtins: ReadonlySet<string>;
}

/**
 * Built-in modules whose functions compute without touching the machine: a job may name them
 * unless the worker was told otherwise. `child_process`, `fs`, `vm`, `net` and the like would let
 * anyone who can write to Redis run commands or write files on every worker, so a worker runs
 * them only when started with `--allow-builtin NAME`.
 */
export const SAFE_BUILTINS: readonly string[] = [
  'assert',
  'assert/strict',
  'buffer',
  'crypto',
  'path',
  'path/posix',
  'path/win32',
  'querystring',
  'string_decoder',
  'url',
  'util',
  'util/types',
  'zlib',
];

/**
 * The default root of a worker started in `cwd`: the nearest directory at or above `cwd` with a
 * package.json, or the workspace root above it when one lists workspaces.
 */
export function projectRoot(cwd: string): string {
  let nearest: string | undefined;
  let workspaceRoot: string | undefined;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const manifest = readManifest(dir);
    if (manifest !== undefined) {
      nearest ??= dir;
      if (manifest.workspaces !== undefined) workspaceRoot = dir;
    }
    if (dirname(dir) === dir) break;
  }
  return workspaceRoot ?? nearest ?? resolve(cwd);
}

/**
 * Builds what a worker may import: the project root of `cwd`, the extra `--root` directories,
 * {@link SAFE_BUILTINS} and the extra `--allow-builtin` modules.
 */
export function makeRoots(
  cwd: string,
  extra: readonly string[],
  extraBuiltins: readonly string[] = [],
): ModuleRoots {
  const builtins = new Set(SAFE_BUILTINS);
  for (const name of extraBuiltins) {
    const bare = name.replace(/^node:/, '');
    if (!isBuiltinSpecifier(bare)) {
      throw new PpevalArgumentError(
        `Expected --allow-builtin to name one of Node's built-in modules, got '${name}'.`,
      );
    }
    builtins.add(bare);
  }
  const dirs = [projectRoot(cwd), ...extra.map((d) => resolve(cwd, d))].map((d) => {
    if (!existsSync(d) || !statSync(d).isDirectory()) {
      throw new PpevalArgumentError(`Expected --root to be an existing directory, got '${d}'.`);
    }
    return realpathSync(d);
  });
  return { dirs: [...new Set(dirs)], builtins };
}

/** A module a worker resolved for a job: what to import, and the hash of the local copy. */
export interface ResolvedModule {
  /** A `node:` specifier or a file URL. */
  readonly specifier: string;
  /** Hash of the local file; `undefined` for built-in modules. */
  readonly hash: string | undefined;
}

/**
 * Finds the worker's own copy of a job's module inside the allowed roots, or throws a
 * {@link BackendError} that names the module and the roots. Runs in the worker.
 */
export function resolveModule(locator: ModuleLocator, roots: ModuleRoots): ResolvedModule {
  if (locator.kind === 'builtin') {
    const bare = locator.specifier.replace(/^node:/, '');
    if (!isBuiltinSpecifier(bare)) {
      throw refusal(locator.specifier, roots, 'it is not one of Node’s built-in modules');
    }
    if (!roots.builtins.has(bare)) {
      throw new BackendError(
        `This ppeval worker refuses to run functions of node:${bare}: of Node's built-in ` +
          `modules it runs only ${[...roots.builtins].join(', ')}, which compute without ` +
          'touching the machine. If jobs may use it, start the worker with ' +
          `\`ppeval-worker --allow-builtin ${bare}\` (anyone who can write to the Redis server ` +
          'can then use it too).',
      );
    }
    return { specifier: `node:${bare}`, hash: undefined };
  }
  const candidates: string[] = [];
  const { packageName, packagePath } = locator;
  if (packageName !== undefined && packagePath !== undefined && isInsidePackage(packagePath)) {
    for (const root of roots.dirs) {
      if (readManifest(root)?.name === packageName) candidates.push(join(root, packagePath));
      for (let dir = root; ; dir = dirname(dir)) {
        candidates.push(join(dir, 'node_modules', packageName, packagePath));
        if (dirname(dir) === dir) break;
      }
    }
  }
  if (locator.url.startsWith('file:')) candidates.push(fileURLToPath(locator.url));
  const name =
    locator.packageName === undefined
      ? locator.url
      : `${locator.packagePath ?? ''} of package '${locator.packageName}' (${locator.url})`;
  let outside: string | undefined;
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    if (roots.dirs.some((root) => real === root || real.startsWith(root + sep))) {
      return { specifier: pathToFileURL(real).href, hash: fileHash(real) };
    }
    outside ??= real;
  }
  throw refusal(
    name,
    roots,
    outside === undefined
      ? 'no copy of it exists under those roots'
      : `its file ${outside} lies outside them`,
  );
}

function refusal(module: string, roots: ModuleRoots, why: string): BackendError {
  return new BackendError(
    `This ppeval worker refuses to import ${module}: ${why}. A worker imports only Node's ` +
      `built-in modules and files under its allowed roots: ${roots.dirs.join(', ')}. Install ` +
      'the same project on the worker and start it there, or add the directory with ' +
      '`ppeval-worker --root DIR`.',
  );
}

function isInsidePackage(path: string): boolean {
  return !isAbsolute(path) && !path.split('/').includes('..');
}

const hashes = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** SHA-256 of a file's bytes (24 hex digits), cached by path, mtime and size. */
export function fileHash(path: string): string {
  const st = statSync(path);
  const cached = hashes.get(path);
  if (cached !== undefined && cached.mtimeMs === st.mtimeMs && cached.size === st.size) {
    return cached.hash;
  }
  const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 24);
  hashes.set(path, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

interface Manifest {
  name?: unknown;
  workspaces?: unknown;
}

function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function findPackage(start: string): { dir: string; name: string } | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = readManifest(dir);
    if (manifest !== undefined && typeof manifest.name === 'string') {
      return { dir, name: manifest.name };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
