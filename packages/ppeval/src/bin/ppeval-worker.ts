#!/usr/bin/env node
/**
 * `ppeval-worker`: a worker process of the Redis backend. Run it on every machine that should
 * work, in the project whose functions it runs:
 *
 * ```sh
 * PPEVAL_REDIS_URL=redis://:password@10.0.0.5:6379 npx ppeval-worker --concurrency 8
 * ```
 *
 * It runs the batches it takes on the local backend (see redis/worker.ts), exits when its parent
 * process goes away (no orphans: its sandbox processes end with it), finishes running batches on
 * SIGTERM or SIGINT, and stops at once on a second signal.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { maskUrl } from '../redis/connection.js';
import { REDIS_WORKER_DEFAULTS, type RedisWorkerOptions } from '../redis/options.js';
import { PPEVAL_VERSION } from '../redis/version.js';
import type { RedisWorker } from '../redis/worker.js';

const HELP = `Usage: ppeval-worker --redis URL [options]

Runs ppeval batches from a Redis queue in worker threads or child processes, exactly as a
local ppeval pool runs them (the Redis backend of ppeval).

Options:
  --redis URL              redis://[user:password@]host:port[/db] or rediss://... (TLS).
                           Default: $PPEVAL_REDIS_URL (keeps the password out of \`ps\`).
  --queue NAME             queue shared with the callers (default: ${REDIS_WORKER_DEFAULTS.queue})
  --concurrency N          batches at once, one sandbox each (default: available cores)
  --tls-ca FILE            trust this CA certificate (PEM) for rediss:// URLs
  --allow-builtin NAME     also run functions of Node's built-in module NAME (repeatable);
                           by default only zlib, crypto, buffer, path, url, util and the
                           like, never child_process, fs or vm
  --sandbox KIND           threads (default) or processes: run batches in child processes
                           (native crashes, process-global state); they end with the worker,
                           even on kill -9
  --root DIR               also import modules under DIR (repeatable); the project root of
                           the current directory is always allowed
  --lock-duration MS       job lock duration (default: ${REDIS_WORKER_DEFAULTS.lockDurationMs})
  --stalled-interval MS    check for dead workers every MS (default: ${REDIS_WORKER_DEFAULTS.stalledIntervalMs})
  --max-stalled-count N    times a batch may lose its worker before it fails (default: ${REDIS_WORKER_DEFAULTS.maxStalledCount})
  --max-elements-per-worker N
                           replace a sandbox after it ran N elements (default: never)
  --max-worker-heap-mb MB  replace a sandbox after a batch leaves its heap above MB
  --version, --help
`;

function fail(message: string): never {
  process.stderr.write(`ppeval-worker: ${maskUrl(message)}\n`);
  process.exit(2);
}

function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) fail(`expected ${flag} to be an integer, got '${value}'.`);
  return n;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read the --tls-ca file: ${(err as Error).message}`);
  }
}

/**
 * Imports the worker once its optional peers are known to be installed: without them Node's own
 * error is an ERR_MODULE_NOT_FOUND stack trace that does not say what to do.
 */
async function loadWorker(): Promise<typeof import('../redis/worker.js')> {
  for (const peer of ['bullmq', 'ioredis']) {
    try {
      await import(peer);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
      fail(
        `the Redis backend needs the packages bullmq and ioredis, and ${peer} is not installed ` +
          'where ppeval is. Install them in the project: npm install bullmq ioredis',
      );
    }
  }
  return import('../redis/worker.js');
}

/** A process's parent pid from /proc (Linux), or undefined where that cannot be read. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string | undefined {
  try {
    return basename(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'busybox']);

/**
 * The processes whose death should stop this worker: the parent, and above it every shell that
 * only relays a command (`npx ppeval-worker` runs `sh -c ppeval-worker` under npm: when npx is
 * killed, the shell lives on with a new parent, so watching the parent alone leaves an orphan).
 * Each entry is [pid, its parent when we started].
 */
function starterChain(): Array<[number, number | undefined]> {
  const chain: Array<[number, number | undefined]> = [[process.pid, process.ppid]];
  let pid = process.ppid;
  while (pid > 1 && chain.length < 4 && SHELLS.has(commandOf(pid) ?? '')) {
    const parent = parentOf(pid);
    if (parent === undefined || parent <= 1) break;
    chain.push([pid, parent]);
    pid = parent;
  }
  return chain;
}

/** Whether a process of the chain has lost the parent it had when we started. */
function starterDied(chain: ReadonlyArray<[number, number | undefined]>): boolean {
  return chain.some(([pid, parent]) =>
    pid === process.pid ? process.ppid !== parent : parentOf(pid) !== parent,
  );
}

function log(level: string, message: string): void {
  process.stderr.write(`${new Date().toISOString()} ppeval-worker ${level}: ${maskUrl(message)}\n`);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        redis: { type: 'string' },
        queue: { type: 'string' },
        concurrency: { type: 'string' },
        root: { type: 'string', multiple: true },
        'tls-ca': { type: 'string' },
        sandbox: { type: 'string' },
        'allow-builtin': { type: 'string', multiple: true },
        'lock-duration': { type: 'string' },
        'stalled-interval': { type: 'string' },
        'max-stalled-count': { type: 'string' },
        'max-elements-per-worker': { type: 'string' },
        'max-worker-heap-mb': { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n\n${HELP}`);
  }
  if (values.help === true) {
    process.stdout.write(HELP);
    return;
  }
  if (values.version === true) {
    process.stdout.write(`${PPEVAL_VERSION}\n`);
    return;
  }
  const url = values.redis ?? process.env.PPEVAL_REDIS_URL;
  if (url === undefined || url === '') fail(`--redis URL is required.\n\n${HELP}`);

  // Taken before anything slow: a starter that dies during the connection is still seen.
  const chain = starterChain();
  const { startRedisWorker } = await loadWorker();
  let worker: RedisWorker;
  try {
    worker = await startRedisWorker(
      {
        url,
        ...(values.queue !== undefined && { queue: values.queue }),
        ...(values.concurrency !== undefined && {
          concurrency: intFlag(values.concurrency, '--concurrency'),
        }),
        roots: values.root ?? [],
        allowBuiltins: values['allow-builtin'] ?? [],
        ...(values.sandbox !== undefined && {
          sandbox: values.sandbox as RedisWorkerOptions['sandbox'],
        }),
        ...(values['tls-ca'] !== undefined && { tls: { ca: readCa(values['tls-ca']) } }),
        ...(values['lock-duration'] !== undefined && {
          lockDurationMs: intFlag(values['lock-duration'], '--lock-duration'),
        }),
        ...(values['stalled-interval'] !== undefined && {
          stalledIntervalMs: intFlag(values['stalled-interval'], '--stalled-interval'),
        }),
        ...(values['max-stalled-count'] !== undefined && {
          maxStalledCount: intFlag(values['max-stalled-count'], '--max-stalled-count'),
        }),
        ...(values['max-elements-per-worker'] !== undefined && {
          maxElementsPerWorker: intFlag(
            values['max-elements-per-worker'],
            '--max-elements-per-worker',
          ),
        }),
        ...(values['max-worker-heap-mb'] !== undefined && {
          maxWorkerHeapMb: intFlag(values['max-worker-heap-mb'], '--max-worker-heap-mb'),
        }),
      },
      (event) => log(event.level, event.message),
    );
  } catch (err) {
    fail((err as Error).message);
  }

  let stopping = 0;
  const stop = (why: string, force: boolean): void => {
    stopping += 1;
    if (stopping > 1) force = true;
    log('info', `${why}: ${force ? 'stopping now' : 'finishing running batches'}`);
    const timer = setTimeout(() => process.exit(1), force ? 1000 : 60_000);
    timer.unref();
    worker.close(force).then(
      () => process.exit(0),
      (err: unknown) => {
        log('error', `while stopping: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM', false));
  process.on('SIGINT', () => stop('SIGINT', false));
  // Started by a program that died (a test runner, a shell that closed): leave no orphan.
  // Started by npx, that is its `sh -c` relay (see starterChain).
  if (process.ppid > 1) {
    setInterval(() => {
      if (stopping === 0 && starterDied(chain)) stop('parent process exited', true);
    }, 500).unref();
  }
  process.on('disconnect', () => stop('parent process disconnected', true));

  process.stdout.write(
    `ppeval-worker ${worker.id} ready: ${maskUrl(url)}, queue ${values.queue ?? REDIS_WORKER_DEFAULTS.queue}, ` +
      `roots ${worker.roots.join(', ')}\n`,
  );
}

void main();
