/**
 * Test harness for the Redis backend: a real redis-server on a free loopback port, in a
 * temporary directory, with persistence off and `noeviction`; plus ppeval-worker processes
 * spawned from the built bin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const here = dirname(fileURLToPath(import.meta.url));
/** The package root (packages/ppeval). */
export const packageRoot = resolve(here, '..', '..');
/** The built worker entry the tests spawn, as a user's `npx ppeval-worker` would run it. */
export const workerBin = join(packageRoot, 'dist', 'bin', 'ppeval-worker.js');

/** Whether Debian's redis-server (or any redis-server on PATH) is installed. */
export const hasRedisServer: boolean =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** The note a skipped suite prints, so a skip is never silent. */
export const skipNote =
  'redis-server is not installed: the Redis backend tests are SKIPPED. ' +
  'Install it with `apt-get install -y redis-server` (.ci/run does this).';

/** A free TCP port on 127.0.0.1 (the OS picks one; tiny race until redis binds it). */
export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** A running redis-server started by {@link startRedis}. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` (with the password when one was set). */
  readonly url: string;
  /** The CA certificate (PEM) of a TLS server. */
  readonly ca: string | undefined;
  /** The server's temporary directory (its certificate lies there). */
  readonly dir: string;
  /** A fresh client for assertions (the caller quits it, or `stop()` does). */
  client(): Redis;
  /** Stop the server and remove its directory. */
  stop(): Promise<void>;
}

/** Start redis-server on a free loopback port and wait until it answers PING. */
export async function startRedis(
  options: {
    password?: string;
    tls?: boolean;
    /** A given port (a restart on the same port); a free one by default. */
    port?: number;
    /** Addresses to listen on besides 127.0.0.1 (a veth's, for workers in a netns). */
    bind?: readonly string[];
  } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ppeval-redis-'));
  const port = options.port ?? (await freePort());
  const tls: string[] = [];
  let ca: string | undefined;
  if (options.tls === true) {
    // A self-signed certificate for 127.0.0.1, also its own CA.
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=ppeval-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    if (made.status !== 0) throw new Error('openssl could not make a test certificate');
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    tls.push(
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      join(dir, 'cert.pem'),
      '--tls-key-file',
      join(dir, 'key.pem'),
      '--tls-ca-cert-file',
      join(dir, 'cert.pem'),
      '--tls-auth-clients',
      'no',
    );
  }
  const args = [
    ...(tls.length > 0 ? tls : ['--port', String(port)]),
    '--bind',
    '127.0.0.1',
    ...(options.bind ?? []),
    '--save',
    '',
    '--appendonly',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
  ];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  // Without a password, protected mode refuses every client that is not on loopback.
  if (options.bind !== undefined && options.password === undefined) {
    args.push('--protected-mode', 'no');
  }
  const proc = spawn('redis-server', args, { stdio: 'ignore' });
  // A test process that exits without stop() (a failed hook, an uncaught error) takes its server
  // along.
  const reap = (): void => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  };
  process.once('exit', reap);
  const auth = options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : '';
  const url = `${ca === undefined ? 'redis' : 'rediss'}://${auth}127.0.0.1:${port}`;
  const clients: Redis[] = [];
  const client = (): Redis => {
    const c = new Redis(url, {
      maxRetriesPerRequest: 3,
      ...(ca !== undefined && { tls: { ca } }),
    });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };
  const probe = client();
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await probe.ping()) === 'PONG') break;
    } catch (err) {
      if (Date.now() > deadline || proc.exitCode !== null) {
        // Leave nothing behind: the probe's reconnection timer, the listener, the folder.
        process.removeListener('exit', reap);
        probe.disconnect();
        proc.kill('SIGKILL');
        const log = existsSync(join(dir, 'redis.log'))
          ? readFileSync(join(dir, 'redis.log'), 'utf8')
          : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(
          `redis-server did not start on port ${port}: ${String(err)}\n${log.slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    url,
    ca,
    dir,
    client,
    async stop() {
      process.removeListener('exit', reap);
      for (const c of clients) c.disconnect();
      // A killed server has a signalCode and no exitCode: stopping it again must not wait.
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A ppeval-worker child process. */
export interface WorkerProcess {
  readonly proc: ChildProcess;
  /** Everything the worker wrote to stderr so far. */
  stderr(): string;
  /** Resolves once the worker printed its ready line. */
  ready: Promise<void>;
  /** SIGKILL it and wait for the exit. */
  kill(): Promise<void>;
}

/** Spawn `node dist/bin/ppeval-worker.js --redis URL ...` with the package root as cwd. */
export function startWorker(
  url: string | undefined,
  extraArgs: string[] = [],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): WorkerProcess {
  if (!existsSync(workerBin)) {
    throw new Error(`${workerBin} is missing: run \`npm run build -w ppeval\` first.`);
  }
  const urlArgs = url === undefined ? [] : ['--redis', url];
  const proc = spawn(process.execPath, [workerBin, ...urlArgs, ...extraArgs], {
    cwd: options.cwd ?? packageRoot,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchWorker(proc);
}

/**
 * The {@link WorkerProcess} handle of a spawned ppeval-worker (however it was started: directly,
 * or through `ip netns exec`, which execs node so that the pid is the worker's).
 */
export function watchWorker(proc: ChildProcess): WorkerProcess {
  let err = '';
  let out = '';
  const ready = new Promise<void>((resolveReady, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolveReady();
    });
    proc.once('exit', (code) =>
      reject(new Error(`ppeval-worker exited with ${code} before it was ready:\n${err}`)),
    );
  });
  ready.catch(() => {});
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return {
    proc,
    ready,
    stderr: () => err,
    async kill() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Whether a process id is alive (signal 0); a zombie waiting to be reaped counts as dead. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
