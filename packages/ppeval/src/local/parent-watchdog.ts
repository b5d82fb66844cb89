/**
 * Makes a child process end when its parent is gone, however busy the child is. A parent killed
 * with SIGKILL cannot end its children, and a child whose element loops or sleeps in
 * Atomics.wait never runs its event loop again, so neither its IPC `disconnect` event nor any
 * timer of its main thread fires: it would run forever, orphaned. A small worker thread of the
 * child's own, whose event loop no element blocks, watches the parent instead.
 *
 * @module
 */
import { SHARE_ENV, Worker } from 'node:worker_threads';

/** How often the watchdog looks at the parent, in milliseconds. */
export const WATCHDOG_INTERVAL_MS = 250;

/**
 * The watchdog thread: when the process's parent changes (the parent died and the child was
 * adopted by init or a subreaper), it kills the whole process with SIGKILL, which needs nothing
 * from the busy main thread. `process.ppid` asks the kernel each time it is read.
 */
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
setInterval(() => {
  if (process.ppid !== workerData.ppid) process.kill(workerData.pid, 'SIGKILL');
}, workerData.intervalMs);
`;

/**
 * Starts the watchdog of this child process (see the module documentation). It never keeps the
 * process alive. Where no worker thread can start (Node's permission model without
 * `--allow-worker`), an idle child still ends when its IPC channel closes.
 *
 * @example
 * ```ts
 * if (isMainThread && process.send !== undefined) watchParent();
 * ```
 */
export function watchParent(intervalMs = WATCHDOG_INTERVAL_MS): void {
  if (process.send !== undefined) process.once('disconnect', () => process.exit(70));
  try {
    const watchdog = new Worker(WATCHDOG_SOURCE, {
      eval: true,
      workerData: { ppid: process.ppid, pid: process.pid, intervalMs },
      // Not the child's own flags: V8 flags would stop the thread, and preloaded modules
      // (--require, --import) have no business in it.
      execArgv: [],
      env: SHARE_ENV,
      stdout: true,
      stderr: true,
    });
    watchdog.unref();
    // An error of the watchdog must not become an uncaught one of the child.
    watchdog.on('error', () => undefined);
  } catch {
    // No thread (see above): the `disconnect` handler is all there is.
  }
}
