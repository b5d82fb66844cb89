/**
 * Every error class of the ppeval package, in one place.
 *
 * All of them extend {@link PpevalError} and carry a stable `code`, so callers can branch on
 * `err.code` or `instanceof` without parsing messages.
 */

/** Stable codes of {@link PpevalError} and its subclasses. */
export type PpevalErrorCode =
  | 'ERR_PPEVAL_ARGUMENT'
  | 'ERR_PPEVAL_LOCATE'
  | 'ERR_PPEVAL_TASK'
  | 'ERR_PPEVAL_WORKER_EXIT'
  | 'ERR_PPEVAL_ABORTED'
  | 'ERR_PPEVAL_TIMEOUT'
  | 'ERR_PPEVAL_POOL_CLOSED'
  | 'ERR_PPEVAL_BACKEND';

/** Base class of every error ppeval raises. */
export class PpevalError extends Error {
  readonly code: PpevalErrorCode;

  constructor(code: PpevalErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A bad argument or option at the public API: wrong type, out of range, unknown option key, an
 * argument that cannot be sent to a worker. Raised before any work starts.
 */
export class PpevalArgumentError extends PpevalError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_PPEVAL_ARGUMENT', message, options);
  }
}

/**
 * The function cannot be run by workers: it is a closure, a method, not exported by its module,
 * exported by the entry script, or its module cannot be found. The message names the function
 * and says how to fix it.
 */
export class LocateError extends PpevalError {
  /** The function's name, or `'<anonymous>'`. */
  readonly functionName: string;

  constructor(functionName: string, message: string, options?: ErrorOptions) {
    super('ERR_PPEVAL_LOCATE', message, options);
    this.functionName = functionName;
  }
}

/** Base of the errors that belong to one element of a call. */
export class ElementError extends PpevalError {
  /** Position of the failed element in the distributed array. */
  readonly index: number;

  constructor(code: PpevalErrorCode, index: number, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.index = index;
  }
}

/** The function threw (or rejected) for one element; `cause` is the worker's original error. */
export class TaskError extends ElementError {
  constructor(index: number, message: string, options?: ErrorOptions) {
    super('ERR_PPEVAL_TASK', index, message, options);
  }
}

/**
 * The worker running an element died (process.exit, an uncaught error in a timer, out of
 * memory, a killed process) before the element finished.
 */
export class WorkerExitError extends ElementError {
  /** The worker's exit code, where known. */
  readonly exitCode: number | undefined;

  constructor(index: number, message: string, exitCode?: number, options?: ErrorOptions) {
    super('ERR_PPEVAL_WORKER_EXIT', index, message, options);
    this.exitCode = exitCode;
  }
}

/** One element ran longer than the `timeout` option; its worker was terminated. */
export class ElementTimeoutError extends ElementError {
  readonly timeoutMs: number;

  constructor(index: number, timeoutMs: number, options?: ErrorOptions) {
    super(
      'ERR_PPEVAL_TIMEOUT',
      index,
      `Element ${index} ran longer than the timeout of ${timeoutMs} ms; its worker was terminated. ` +
        'Raise the `timeout` option or split the work into smaller elements.',
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

/** The call was cancelled through its AbortSignal; `cause` is the signal's reason. */
export class AbortError extends PpevalError {
  constructor(message = 'The ppeval call was aborted.', options?: ErrorOptions) {
    super('ERR_PPEVAL_ABORTED', message, options);
  }
}

/** A call was made on a pool after `pool.close()`. */
export class PoolClosedError extends PpevalError {
  constructor(message = 'The pool is closed: create a new one with createPool().') {
    super('ERR_PPEVAL_POOL_CLOSED', message);
  }
}

/** A backend failed as a whole (a Redis connection refused, a worker refusing a job). */
export class BackendError extends PpevalError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_PPEVAL_BACKEND', message, options);
  }
}
