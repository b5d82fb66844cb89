/**
 * `npm run bench -- redis`: what the Redis backend costs and how it scales, on this machine,
 * against a redis-server the benchmark starts on a free loopback port.
 *
 * (a) Per-element overhead: trivial elements on one `ppeval-worker` process with one sandbox
 *     thread, against the local pool with one worker thread; and the latency of a call of one
 *     element. Printed as ratios Redis / local.
 * (b) Scaling: elements of about `--cpu-ms` of CPU work each on 1 to 4 worker processes (one
 *     thread each), as speedup over one process. On a machine with fewer cores than processes
 *     the speedup stops at the core count; the report says how many cores there are.
 * (c) The same with elements that wait `50 ms` without CPU: how evenly the queue spreads batches
 *     over processes, independent of the free cores.
 *
 * Options: `--repeats N` (default 3), `--max-workers N` (default 4), `--cpu-ms MS` (default 50).
 * Skipped, with a note, when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { array, createPool, range } from 'ppeval';
import type { Pool } from 'ppeval';

import { integerOption, parseBenchOptions } from './options.js';
import { burn, burnElement, trivial } from './overhead-tasks.js';
import { formatDuration, formatTable } from './report.js';
import { summarize } from './stats.js';
import type { BenchContext, SubBenchmark } from './types.js';

const require = createRequire(import.meta.url);
const WORKER_BIN = path.join(
  path.dirname(require.resolve('ppeval/package.json')),
  'dist',
  'bin',
  'ppeval-worker.js',
);
/** The workers run in the benchmarks package, whose modules they may import. */
const WORKER_CWD = path.dirname(require.resolve('../package.json'));

/**
 * An element that waits `ms` without using CPU: measures how evenly the queue spreads batches
 * over worker processes, whatever the number of free cores. Runs in the Redis workers.
 */
export function idleElement(k: number, ms: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return k;
}

interface Sizes {
  readonly trivialElements: number;
  readonly latencyCalls: number;
  readonly cpuElements: number;
  readonly cpuMs: number;
  readonly idleElements: number;
  readonly idleMs: number;
  readonly repeats: number;
  readonly maxWorkers: number;
}

function parseSizes(ctx: BenchContext): Sizes {
  const values = parseBenchOptions('redis', ctx.args, ['repeats', 'max-workers', 'cpu-ms']);
  const count = (raw: string | undefined, flag: string, fallback: number, max: number): number =>
    integerOption(flag, raw, fallback, 1, max);
  const tiny = ctx.tiny;
  const maxWorkers = count(values['max-workers'], 'max-workers', tiny ? 2 : 4, 16);
  return {
    trivialElements: tiny ? 2000 : 100_000,
    latencyCalls: tiny ? 3 : 30,
    cpuElements: tiny ? 4 * maxWorkers : 16 * maxWorkers,
    cpuMs: count(values['cpu-ms'], 'cpu-ms', tiny ? 2 : 50, 10_000),
    idleElements: tiny ? 4 * maxWorkers : 16 * maxWorkers,
    idleMs: tiny ? 5 : 50,
    repeats: count(values['repeats'], 'repeats', tiny ? 1 : 3, 100),
    maxWorkers,
  };
}

/** A redis-server on a free loopback port, persistence off, noeviction. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ppeval-bench-redis-'));
  const port = await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const proc = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not answer PING on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
  });
}

/** Starts `n` ppeval-worker processes with one thread each; resolves when all are ready. */
async function startWorkers(url: string, queue: string, n: number): Promise<ChildProcess[]> {
  const procs = range(0, n).map(() =>
    spawn(process.execPath, [WORKER_BIN, '--redis', url, '--queue', queue, '--concurrency', '1'], {
      cwd: WORKER_CWD,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  try {
    await Promise.all(
      procs.map(
        (proc) =>
          new Promise<void>((resolve, reject) => {
            let err = '';
            let out = '';
            proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
            // Accumulated: the ready line may arrive split over two chunks.
            proc.stdout?.on(
              'data',
              (d: Buffer) => (out += d.toString()).includes(' ready') && resolve(),
            );
            proc.once('error', reject);
            proc.once('exit', (code) =>
              reject(new Error(`ppeval-worker exited (${code}): ${err}`)),
            );
          }),
      ),
    );
  } catch (err) {
    // One worker failed to start: the others must not outlive the benchmark.
    await stopWorkers(procs, 'SIGKILL');
    throw err;
  }
  return procs;
}

async function stopWorkers(
  procs: readonly ChildProcess[],
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  await Promise.all(
    procs.map(async (proc) => {
      if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill(signal);
      await exited;
    }),
  );
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function trivialMs(pool: Pool, n: number): Promise<number> {
  return timeIt(async () => {
    const out = await pool.ppeval(trivial, array(range(0, n)));
    if (out.length !== n || out[n - 1] !== n) throw new Error('wrong results');
  });
}

async function latencyMs(pool: Pool, calls: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++)
    samples.push(await timeIt(() => pool.ppeval(trivial, array([i]))));
  return summarize(samples).median;
}

/** Iterations of `burn` that take about `ms` on this machine (after the JIT warmed up). */
function calibrate(ms: number): number {
  for (let i = 0; i < 5; i++) burn(200_000);
  const iterations = 5_000_000;
  const took = Math.min(burn(iterations), burn(iterations));
  return Math.max(1000, Math.round((iterations * ms) / Math.max(took, 0.01)));
}

const redis: SubBenchmark = {
  name: 'redis',
  description:
    'Redis backend: per-element overhead against the local pool on loopback, and scaling with 1 to 4 worker processes',
  usage: [
    '  --repeats N        timed repetitions; the median is reported (default 3; --tiny: 1)',
    '  --max-workers N    scale from 1 to N worker processes, one thread each (default 4;',
    '                     --tiny: 2)',
    '  --cpu-ms MS        CPU time of one element in the scaling run (default 50; --tiny: 2)',
  ].join('\n'),
  async run(ctx) {
    const sizes = parseSizes(ctx);
    if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) {
      ctx.log('redis-server is not installed: the Redis benchmark is SKIPPED.');
      ctx.log('Install it with `apt-get install -y redis-server` and run again.');
      return { skipped: 'redis-server is not installed' };
    }
    const cores = availableParallelism();
    const server = await startRedis();
    const steps = 2 + sizes.maxWorkers;
    let step = 0;
    try {
      // (a) Overhead: one worker thread on each side.
      ctx.progress(step, steps, 'overhead');
      const workers = await startWorkers(server.url, 'overhead', 1);
      const local = createPool({ concurrency: 1, idleTimeout: Infinity });
      const remote = createPool({ backend: 'redis', url: server.url, queue: 'overhead' });
      const overhead = { local: [] as number[], redis: [] as number[] };
      let latency: { local: number; redis: number };
      try {
        await trivialMs(local, 1000);
        await trivialMs(remote, 1000);
        for (let r = 0; r < sizes.repeats; r++) {
          ctx.signal?.throwIfAborted();
          overhead.local.push(await trivialMs(local, sizes.trivialElements));
          overhead.redis.push(await trivialMs(remote, sizes.trivialElements));
        }
        latency = {
          local: await latencyMs(local, sizes.latencyCalls),
          redis: await latencyMs(remote, sizes.latencyCalls),
        };
      } finally {
        await remote.close();
        await local.close();
        await stopWorkers(workers);
      }
      ctx.progress((step += 2), steps, 'scaling');
      const perElementUs = {
        local: (summarize(overhead.local).median * 1000) / sizes.trivialElements,
        redis: (summarize(overhead.redis).median * 1000) / sizes.trivialElements,
      };

      // (b) Scaling over worker processes.
      const iterations = calibrate(sizes.cpuMs);
      const scaling: { workers: number; wallMs: number; workMs: number; idleWallMs: number }[] = [];
      for (let k = 1; k <= sizes.maxWorkers; k++) {
        ctx.signal?.throwIfAborted();
        const queue = `scaling-${k}`;
        const procs = await startWorkers(server.url, queue, k);
        const pool = createPool({ backend: 'redis', url: server.url, queue });
        try {
          await pool.ppeval(burnElement, array(range(0, k)), iterations); // warm-up
          const samples: number[] = [];
          const work: number[] = [];
          for (let r = 0; r < sizes.repeats; r++) {
            ctx.signal?.throwIfAborted();
            samples.push(
              await timeIt(async () => {
                const ms = await pool.ppeval(
                  burnElement,
                  array(range(0, sizes.cpuElements)),
                  iterations,
                );
                work.push(ms.reduce((a, b) => a + b, 0));
              }),
            );
          }
          const idle: number[] = [];
          for (let r = 0; r < sizes.repeats; r++) {
            idle.push(
              await timeIt(() =>
                pool.ppeval(idleElement, array(range(0, sizes.idleElements)), sizes.idleMs),
              ),
            );
          }
          scaling.push({
            workers: k,
            wallMs: summarize(samples).median,
            workMs: summarize(work).median,
            idleWallMs: summarize(idle).median,
          });
        } finally {
          await pool.close();
          await stopWorkers(procs);
        }
        ctx.progress((step += 1), steps, `scaling ${k}`);
      }

      ctx.log(`Redis backend on loopback (${cores} cores; redis-server on 127.0.0.1)`);
      ctx.log('');
      ctx.log(`(a) ${sizes.trivialElements} trivial elements, one worker thread each side`);
      for (const line of formatTable(
        ['', 'local pool', 'Redis', 'Redis / local'],
        [
          [
            'per element',
            `${perElementUs.local.toFixed(2)} us`,
            `${perElementUs.redis.toFixed(2)} us`,
            `${(perElementUs.redis / perElementUs.local).toFixed(1)}x`,
          ],
          [
            'call of 1 element',
            formatDuration(latency.local),
            formatDuration(latency.redis),
            `${(latency.redis / latency.local).toFixed(1)}x`,
          ],
        ],
      )) {
        ctx.log(line);
      }
      ctx.log('');
      const one = scaling[0]?.wallMs ?? NaN;
      ctx.log(
        `(b) ${sizes.cpuElements} elements of about ${sizes.cpuMs} ms of CPU, worker processes ` +
          'with one thread each',
      );
      // Ideal: the work measured in the sandboxes of the one-worker run (the least contended),
      // spread over the usable cores.
      const work = scaling[0]?.workMs ?? NaN;
      for (const line of formatTable(
        ['workers', 'wall time', 'speedup', 'ideal', 'wall / ideal'],
        scaling.map((s) => {
          const ideal = work / Math.min(s.workers, cores);
          return [
            String(s.workers),
            formatDuration(s.wallMs),
            `${(one / s.wallMs).toFixed(2)}x`,
            formatDuration(ideal),
            `${(s.wallMs / ideal).toFixed(2)}`,
          ];
        }),
      )) {
        ctx.log(line);
      }
      ctx.log('');
      const idleOne = scaling[0]?.idleWallMs ?? NaN;
      ctx.log(
        `(c) ${sizes.idleElements} elements waiting ${sizes.idleMs} ms without CPU: how evenly ` +
          'the queue spreads batches, whatever the free cores',
      );
      for (const line of formatTable(
        ['workers', 'wall time', 'speedup', 'ideal'],
        scaling.map((s) => [
          String(s.workers),
          formatDuration(s.idleWallMs),
          `${(idleOne / s.idleWallMs).toFixed(2)}x`,
          formatDuration((sizes.idleElements * sizes.idleMs) / s.workers),
        ]),
      )) {
        ctx.log(line);
      }
      if (sizes.maxWorkers > cores) {
        ctx.log(`Note: ${cores} cores here, so more than ${cores} processes cannot speed up.`);
      }
      return {
        cores,
        sizes,
        overhead: {
          perElementUs,
          ratio: perElementUs.redis / perElementUs.local,
          latencyMs: latency,
          latencyRatio: latency.redis / latency.local,
        },
        scaling: scaling.map((s) => ({
          ...s,
          speedup: one / s.wallMs,
          idleSpeedup: (scaling[0]?.idleWallMs ?? NaN) / s.idleWallMs,
          idealMs: (scaling[0]?.workMs ?? NaN) / Math.min(s.workers, cores),
        })),
      };
    } finally {
      await server.stop();
    }
  },
};

export default redis;
