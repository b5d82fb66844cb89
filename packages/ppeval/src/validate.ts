/**
 * The helpers behind every option validator of the package (`createPool`, a call, `with()`, the
 * Redis pool and the Redis worker), so that they all refuse the same way: unknown keys with a
 * near-miss suggestion and the list of known ones, `null` with the one rule for it, a bad value
 * with what was expected and what arrived ({@link describeValue}).
 *
 * @module
 */
import { describeValue } from './describe-value.js';
import { PpevalArgumentError } from './errors.js';

/** How {@link checkOptions} names and checks one options object. */
export interface OptionsShape {
  /** What the options belong to, for messages: `'createPool() options'`. */
  readonly what: string;
  /** Every key the options may have. */
  readonly known: readonly string[];
  /** Put before a key in messages about it: `'resourceLimits.'`. @default '' */
  readonly prefix?: string;
  /** Extra advice for an unknown key, or `''`. @default none */
  readonly hint?: (key: string) => string;
}

/**
 * Checks that `value` is an options object (or `undefined`, which is `{}`) with only known keys
 * and no `null` value, and returns it as a record. Throws {@link PpevalArgumentError}.
 *
 * @example
 * ```ts
 * const o = checkOptions(options, { what: 'ppeval options', known: ['retries', 'settle'] });
 * ```
 */
export function checkOptions(value: unknown, shape: OptionsShape): Record<string, unknown> {
  const { what, known, prefix = '' } = shape;
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PpevalArgumentError(`Expected ${what} to be an object, got ${describeValue(value)}.`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw unknownOption(key, shape);
    if (o[key] === null) throw nullOption(`${prefix}${key}`, what);
  }
  return o;
}

function unknownOption(key: string, shape: OptionsShape): PpevalArgumentError {
  const { what, known, prefix = '', hint } = shape;
  const close = nearest(key, known);
  return new PpevalArgumentError(
    `Unknown option \`${prefix}${key}\` in ${what}.` +
      (close === undefined ? '' : ` Did you mean \`${prefix}${close}\`?`) +
      ` Known options: ${known.map((k) => `\`${k}\``).join(', ')}.` +
      (hint?.(key) ?? ''),
  );
}

/**
 * The one rule for `null`, for every option of every form (createPool, a call, `with()`, the
 * Redis backend): it is refused, as p-map and piscina refuse it, and as the option types say.
 * Only a missing option or `undefined` means the default.
 *
 * @example
 * ```ts
 * if (options.retries === null) throw nullOption('retries', 'ppeval options');
 * ```
 */
export function nullOption(name: string, what: string): PpevalArgumentError {
  return new PpevalArgumentError(
    `\`${name}\` in ${what} is \`null\` (null), which no option accepts: omit ` +
      `\`${name}\`, or pass undefined, for its default.`,
  );
}

/**
 * An integer option from `min` up, or `fallback` when it is `undefined`. Throws
 * {@link PpevalArgumentError} otherwise.
 *
 * @example
 * ```ts
 * const retries = integerOption(o.retries, 'retries', 0, 0);
 * ```
 */
export function integerOption(value: unknown, name: string, min: number, fallback: number): number;
export function integerOption(value: unknown, name: string, min: number): number | undefined;
export function integerOption(
  value: unknown,
  name: string,
  min: number,
  fallback?: number,
): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new PpevalArgumentError(
      `Expected \`${name}\` to be an integer from ${min} and up, got ${describeValue(value)}.`,
    );
  }
  return value;
}

/**
 * A finite number above 0 in `unit` (megabytes, say), or `undefined` when absent. Throws
 * {@link PpevalArgumentError} otherwise.
 *
 * @example
 * ```ts
 * const heap = positiveNumberOption(o.maxWorkerHeapMb, 'maxWorkerHeapMb', 'megabytes');
 * ```
 */
export function positiveNumberOption(
  value: unknown,
  name: string,
  unit: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new PpevalArgumentError(
      `Expected \`${name}\` to be a positive number of ${unit}, got ${describeValue(value)}.`,
    );
  }
  return value;
}

/**
 * One of a few strings, or `fallback` when `undefined`. Throws {@link PpevalArgumentError}
 * naming the choices otherwise.
 *
 * @example
 * ```ts
 * const runtime = oneOf(o.runtime, 'runtime', ['threads', 'processes'], 'threads');
 * ```
 */
export function oneOf<const T extends string>(
  value: unknown,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) {
    return value as T;
  }
  throw new PpevalArgumentError(
    `Expected \`${name}\` to be ${listOr(choices.map((c) => `'${c}'`))}, got ${describeValue(value)}.`,
  );
}

/**
 * `a`, `a or b`, `a, b or c`.
 *
 * @example
 * ```ts
 * listOr(["'local'", "'redis'"]); // "'local' or 'redis'"
 * ```
 */
export function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * The known name at most two edits from `key` (ignoring case), if any: a likely typo.
 *
 * @example
 * ```ts
 * nearest('retires', ['retries', 'settle']); // 'retries'
 * ```
 */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  return known.find((k) => editDistance(k.toLowerCase(), lower) <= 2);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
