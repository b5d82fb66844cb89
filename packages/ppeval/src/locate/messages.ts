/**
 * Wording of the refusals of `locateFunction`: each names the function, says why a worker
 * cannot run it and how to fix that.
 *
 * @module
 */
import { LocateError } from '../errors.js';
import type { FunctionLocation } from './inspector.js';

/** The syntactic kind of a function, read from its source text. */
export type FunctionShape = 'class' | 'arrow' | 'method' | 'function' | 'native';

type AnyFunction = (...args: unknown[]) => unknown;

/** The function's name for messages, `<anonymous>` when it has none. */
export function functionName(fn: AnyFunction): string {
  return typeof fn.name === 'string' && fn.name !== '' ? fn.name : '<anonymous>';
}

/**
 * Classifies `fn` by its source text. Methods are recognised by exclusion: their text starts
 * with neither `function`, `class` nor an arrow parameter list (`foo() {}`, `async *gen() {}`,
 * `get x() {}`, `[key]() {}`).
 */
export function describeShape(fn: AnyFunction): FunctionShape {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return 'function';
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) return 'native';
  if (/^class\b/.test(source)) return 'class';
  if (/^(async\s+)?function\b/.test(source)) return 'function';
  if (
    /^(async\s*)?(\([^)]*\)|[\p{L}\p{Nl}$_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$]*)\s*=>/u.test(
      source,
    )
  ) {
    return 'arrow';
  }
  // Arrow functions with destructured or defaulted parameters contain parentheses in their
  // parameter list; they still have no own `prototype` and their text has `=>` before the body.
  if (!Object.hasOwn(fn, 'prototype') && /^(async\s*)?\(/.test(source) && source.includes('=>')) {
    return 'arrow';
  }
  return 'method';
}

/** `file:///x/y.ts:12:3` (one-based line and column, as editors show them). */
export function describeLocation(url: string, location: FunctionLocation): string {
  return `${url}:${location.line + 1}:${location.column + 1}`;
}

/**
 * Why a function cannot be run by workers, before it is worded for the runtime in use: one
 * function may be passed to thread, process and Redis pools, and the located result is cached
 * per function, so the runtime is named only when the refusal reaches a call
 * ({@link Refusal.toError}).
 */
export class Refusal extends Error {
  constructor(
    /** The function's name for messages. */
    readonly functionName: string,
    /** The caller's message, given the runtime ('worker threads', 'child processes'...). */
    readonly render: (runtime: string) => string,
    options?: ErrorOptions,
  ) {
    super(render('workers'), options);
    this.name = 'Refusal';
  }

  /** The {@link LocateError} the caller sees. */
  toError(runtime: string): LocateError {
    return new LocateError(
      this.functionName,
      this.render(runtime),
      this.cause === undefined ? undefined : { cause: this.cause },
    );
  }
}

/** A {@link Refusal} that names `fn`, says why, and lists the ways out. */
export function refusal(
  fn: AnyFunction,
  why: string,
  fixes: readonly string[],
  cause?: unknown,
): Refusal {
  const name = functionName(fn);
  const fix = fixes.length === 1 ? `Fix: ${fixes[0]}.` : `Fix: ${fixes.join('; or ')}.`;
  return new Refusal(
    name,
    (runtime) =>
      `Cannot run \`${name}\` in ${runtime}: ${why} Workers receive a module and an export ` +
      `name, not the function itself. ${fix}`,
    cause === undefined ? undefined : { cause },
  );
}

/** How refusals name the workers of a backend kind (`Backend.kind`). */
export function runtimeLabel(kind: string | undefined): string {
  switch (kind) {
    case 'threads':
      return 'worker threads';
    case 'processes':
      return 'child processes';
    case 'redis':
      return 'Redis workers';
    default:
      return 'workers';
  }
}
