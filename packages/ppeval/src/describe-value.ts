/**
 * The one way a message shows a value it got: {@link describeValue}. Every "got ..." in the
 * package's errors goes through it, so that they all read alike and none can leak a password or
 * fill the screen.
 *
 * @module
 */
import { inspect } from 'node:util';

/** Longest rendering of a value inside a message, before it is cut with `...`. */
const MAX_TEXT = 60;

/**
 * Renders a value and its type for a message, the way p-map does: `` `0` (number) ``,
 * `` `'fibers'` (string) ``, `` `{ n: 1 }` (object) ``, `` `Counter { n: 1 }` (Counter) ``,
 * `` `[ 1, 2 ]` (array) ``, `` `null` (null) ``. The type of an object is its class's name
 * (`Map`, `Float64Array`) unless it is a plain object. The text is cut after about 60
 * characters, and the credentials of anything that looks like a URL (`redis://user:pw@host`)
 * are masked as `***`. It never throws, even for a revoked proxy or a throwing getter (getters
 * are not called).
 *
 * @example
 * ```ts
 * throw new PpevalArgumentError(`Expected \`retries\` to be an integer, got ${describeValue(x)}.`);
 * ```
 */
export function describeValue(value: unknown): string {
  return `\`${textOf(value)}\` (${typeOf(value)})`;
}

/**
 * The type of a value as {@link describeValue} names it: `number`, `string`, `null`, `array`,
 * `object` for a plain object, otherwise the class name (`Float64Array`, `Counter`).
 *
 * @example
 * ```ts
 * typeOf(new Float64Array(2)); // 'Float64Array'
 * ```
 */
export function typeOf(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'array';
    if (typeof value !== 'object') return typeof value;
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) return 'object';
    const name: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'object';
  } catch {
    // A revoked proxy throws at any look, even Array.isArray.
    return 'object';
  }
}

function textOf(value: unknown): string {
  let text: string;
  try {
    text = inspect(value, {
      depth: 2,
      breakLength: Infinity,
      maxArrayLength: 10,
      maxStringLength: MAX_TEXT,
      getters: false,
      customInspect: false,
    });
  } catch {
    text = `<${typeOf(value)} that cannot be shown>`;
  }
  text = maskCredentials(text);
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}

/** `scheme://user:password@host` becomes `scheme://***@host`, whatever the scheme. */
function maskCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***@');
}
