/**
 * The registry of backends, by the name `createPool({ backend })` takes: each name maps to a
 * {@link BackendDefinition} that validates that backend's own options and makes the backend,
 * as joblib maps a backend name to its factory. Adding a backend is a folder under `src/` with
 * a `pool.ts` that exports its definition (the interface is in `backend.ts`), and one line in
 * `BUILT_IN` below.
 *
 * @module
 */
import type { Backend, BackendDefinition, PoolRuntime } from './backend.js';
import { PpevalArgumentError } from './errors.js';
import { localBackend } from './local/pool.js';
import { redisBackend } from './redis/pool.js';
import { describeValue } from './describe-value.js';
import { listOr, nearest, nullOption } from './validate.js';

/** The backend of a pool, with what the pool reports about it. */
export interface CreatedBackend {
  readonly backend: Backend;
  readonly runtime: PoolRuntime;
}

/** A definition with its settings type hidden: options in, backend out. */
type Factory = (options: Record<string, unknown>) => CreatedBackend;

function factory<Settings>(definition: BackendDefinition<Settings>): Factory {
  return (options) => {
    const settings = definition.resolveOptions(options);
    return { backend: definition.create(settings), runtime: definition.runtime(settings) };
  };
}

/** The backends every pool can name. One line per backend. */
const BUILT_IN: ReadonlyArray<readonly [string, Factory]> = [
  ['local', factory(localBackend)],
  ['redis', factory(redisBackend)],
];

const registry = new Map<string, Factory>(BUILT_IN);

/** The backend used when `createPool` gets no `backend`. */
export const DEFAULT_BACKEND = 'local';

/**
 * Adds a backend under `name` (for a test backend, or a backend shipped elsewhere). Throws when
 * the name is taken. Not part of the public API.
 *
 * @example
 * ```ts
 * registerBackend('inline', inlineBackend);
 * createPool({ backend: 'inline', workers: 2 });
 * ```
 */
export function registerBackend<Settings>(
  name: string,
  definition: BackendDefinition<Settings>,
): void {
  if (registry.has(name)) throw new Error(`A backend named '${name}' is already registered.`);
  registry.set(name, factory(definition));
}

/**
 * Removes a backend added by {@link registerBackend}; built-in backends stay.
 *
 * @example
 * ```ts
 * afterAll(() => unregisterBackend('inline'));
 * ```
 */
export function unregisterBackend(name: string): void {
  if (BUILT_IN.some(([builtIn]) => builtIn === name)) return;
  registry.delete(name);
}

/**
 * The registered names, in registration order.
 *
 * @example
 * ```ts
 * backendNames(); // ['local', 'redis']
 * ```
 */
export function backendNames(): string[] {
  return [...registry.keys()];
}

/**
 * Makes the backend that `createPool(options)` names (`'local'` when none), after its
 * definition validated the rest of the options. Throws {@link PpevalArgumentError}.
 *
 * @example
 * ```ts
 * const { backend, runtime } = createBackend({ backend: 'local', concurrency: 2 });
 * ```
 */
export function createBackend(options: unknown): CreatedBackend {
  const what = 'createPool() options';
  if (
    options !== undefined &&
    (typeof options !== 'object' || options === null || Array.isArray(options))
  ) {
    throw new PpevalArgumentError(
      `Expected ${what} to be an object, got ${describeValue(options)}.`,
    );
  }
  const { backend: name = DEFAULT_BACKEND, ...rest } = (options ?? {}) as Record<string, unknown>;
  if (name === null) throw nullOption('backend', what);
  const create = typeof name === 'string' ? registry.get(name) : undefined;
  if (create === undefined) {
    const names = backendNames();
    const close = typeof name === 'string' ? nearest(name, names) : undefined;
    throw new PpevalArgumentError(
      `Expected \`backend\` to be ${listOr(names.map((n) => `'${n}'`))}, got ` +
        `${describeValue(name)}.${close === undefined ? '' : ` Did you mean '${close}'?`}`,
    );
  }
  return create(rest);
}
