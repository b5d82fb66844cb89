/**
 * Asks V8, through `node:inspector`, where a function was defined.
 *
 * A function value carries no public trace of its module. The inspector protocol exposes the
 * internal `[[FunctionLocation]]` (script id, line, column) and, for bound functions,
 * `[[TargetFunction]]`, `[[BoundThis]]` and `[[BoundArgs]]`. `Debugger.enable` replays a
 * `scriptParsed` event per loaded script, which maps the script id to its URL. The debugger is
 * enabled only for that replay, and only when a script id is not yet known.
 *
 * @module
 */
import type { Session } from 'node:inspector';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Where V8 says a function was defined. */
export interface FunctionLocation {
  /** The script's URL: `file:///...`, `node:zlib`, `node:internal/...`, or `''` for eval code. */
  readonly url: string;
  /** Zero-based line of the function's start in the script. */
  readonly line: number;
  /** Zero-based column of the function's start in the script. */
  readonly column: number;
}

/** What the inspector knows about one function value. */
export interface InspectedFunction {
  /** The definition's location; `undefined` for native functions (`JSON.parse`, `Math.max`). */
  readonly location: FunctionLocation | undefined;
  /** Set when the function is the result of `Function.prototype.bind`. */
  readonly bound?: BoundInfo;
}

/** The parts of a bound function. */
export interface BoundInfo {
  /** The function that `bind` was called on (itself possibly bound). */
  readonly target: (...args: unknown[]) => unknown;
  /** The bound `this`. */
  readonly boundThis: unknown;
  /** How many arguments were bound. */
  readonly boundArgCount: number;
}

/**
 * Thrown when node:inspector cannot be loaded or `new Session()` / `connect()` fails (the
 * permission model, a Node built without the inspector).
 */
export class InspectorUnavailableError extends Error {
  constructor(options?: ErrorOptions) {
    super('node:inspector is not available in this process', options);
    this.name = 'InspectorUnavailableError';
  }
}

interface RemoteObject {
  readonly type: string;
  readonly subtype?: string;
  readonly value?: unknown;
  readonly objectId?: string;
}

interface InternalProperty {
  readonly name: string;
  readonly value?: RemoteObject;
}

// A registered symbol is reachable from an inspector expression without a named global.
const PROBE = Symbol.for('ppeval.locate.probe');
const PROBE_EXPRESSION = 'globalThis[Symbol.for("ppeval.locate.probe")]';

type Post = (method: string, params?: object) => unknown;

/**
 * Inspects `fn`. Runs synchronously: a same-thread inspector session answers every `post`
 * before it returns.
 *
 * @throws InspectorUnavailableError when no inspector session can be opened.
 */
export function inspectFunction(fn: (...args: unknown[]) => unknown): InspectedFunction {
  let session: Session;
  try {
    // Loaded here, not at the top: a Node built without the inspector throws on import, and
    // that must not make the whole package unusable (the explicit form still works).
    const inspector = require('node:inspector') as typeof import('node:inspector');
    session = new inspector.Session();
    session.connect();
  } catch (error) {
    throw new InspectorUnavailableError({ cause: error });
  }
  session.on('Debugger.scriptParsed', (message) => {
    scriptUrls.set(message.params.scriptId, message.params.url);
  });
  const post: Post = (method, params) => {
    let settled = false;
    let result: unknown;
    let failure: unknown;
    session.post(method, params, (error: Error | null, value?: unknown) => {
      settled = true;
      failure = error ?? undefined;
      result = value;
    });
    if (!settled) throw new Error(`inspector did not answer ${method} synchronously`);
    if (failure !== undefined) throw failure;
    return result;
  };
  const holder = globalThis as Record<symbol, unknown>;
  try {
    return describe(post, fn, holder);
  } finally {
    delete holder[PROBE];
    session.disconnect();
  }
}

/**
 * Script id -> URL of every script this thread has loaded, as far as known. V8 never reuses a
 * script id, so entries stay valid; the map is refreshed only when a function's script id is
 * missing (a module loaded since the last refresh).
 */
const scriptUrls = new Map<string, string>();

/**
 * `Debugger.enable` replays a `scriptParsed` event for every loaded script (7-20 ms for a few
 * hundred scripts, more on the first call), and an enabled debugger slows the program down:
 * enable it only for the replay.
 */
function refreshScriptUrls(post: Post): void {
  post('Debugger.enable');
  post('Debugger.disable');
}

function describe(
  post: Post,
  fn: (...args: unknown[]) => unknown,
  holder: Record<symbol, unknown>,
): InspectedFunction {
  holder[PROBE] = fn;
  const evaluated = post('Runtime.evaluate', { expression: PROBE_EXPRESSION }) as {
    result: RemoteObject;
  };
  const objectId = evaluated.result.objectId;
  if (objectId === undefined) return { location: undefined };
  const properties = post('Runtime.getProperties', { objectId, ownProperties: true }) as {
    internalProperties?: InternalProperty[];
  };
  const internal = new Map((properties.internalProperties ?? []).map((p) => [p.name, p.value]));

  const target = internal.get('[[TargetFunction]]');
  if (target?.objectId !== undefined) {
    const boundThisRemote = internal.get('[[BoundThis]]');
    const boundArgsRemote = internal.get('[[BoundArgs]]');
    return {
      location: undefined,
      bound: {
        target: fetch(post, target.objectId, holder) as (...args: unknown[]) => unknown,
        boundThis:
          boundThisRemote?.objectId !== undefined
            ? fetch(post, boundThisRemote.objectId, holder)
            : boundThisRemote?.value,
        boundArgCount:
          boundArgsRemote?.objectId !== undefined
            ? (fetch(post, boundArgsRemote.objectId, holder) as unknown[]).length
            : 0,
      },
    };
  }

  const where = internal.get('[[FunctionLocation]]')?.value as
    { scriptId: string; lineNumber: number; columnNumber: number } | undefined;
  if (where === undefined) return { location: undefined };
  if (!scriptUrls.has(where.scriptId)) refreshScriptUrls(post);
  return {
    location: {
      url: scriptUrls.get(where.scriptId) ?? '',
      line: where.lineNumber,
      column: where.columnNumber,
    },
  };
}

/** Brings a remote object back as a JavaScript value, through the probe slot. */
function fetch(post: Post, objectId: string, holder: Record<symbol, unknown>): unknown {
  post('Runtime.callFunctionOn', {
    objectId,
    functionDeclaration: `function () { ${PROBE_EXPRESSION} = this; }`,
  });
  return holder[PROBE];
}
