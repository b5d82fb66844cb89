/**
 * `npm run bench -- overhead`: what ppeval's runtime costs, against raw tinypool and piscina on
 * the same number of worker threads, in one run.
 *
 * (a) 100,000 trivial elements: throughput (elements per second). ppeval batches cheap
 *     elements; the raw pools pay one message round trip per task. Target: ppeval at least 5x
 *     raw tinypool.
 * (b) 64 elements of about 50 ms of CPU each: wall time against the ideal, the total work (the
 *     CPU time each element really took, measured in the worker) divided by the number of
 *     workers. Target: within 3% of the ideal.
 * (c) 10 million trivial elements through `ppeval.stream`, read lazily from a generator against
 *     the same elements in an array: the peak resident memory of each (a fresh process each),
 *     and their ratio. A lazy input holds the batches in flight, not the input.
 *
 * Each pool is started and warmed up before it is timed; each case runs `--repeats` times and
 * the median is reported; the runners take turns within each repeat. Options: `--repeats N`
 * (default 3), `--workers N` (default os.availableParallelism()),
 * `--case trivial|cpu|memory|workers|all`; `workers` is ppeval's own worker cases
 * (`overhead-workers.ts`: restart cost, speculation, transferred results).
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';
import Tinypool from 'tinypool';

import { BenchOptionError } from './errors.js';
import { integerOption, parseBenchOptions } from './options.js';
import { measureMemory, type MemoryRun } from './overhead-memory.js';
import { burn, burnElement, trivial } from './overhead-tasks.js';
import { runWorkerCases } from './overhead-workers.js';
import { formatDuration, formatTable } from './report.js';
import type { BenchContext, SubBenchmark } from './types.js';

const TASKS = new URL('./overhead-tasks.js', import.meta.url).href;

interface Sizes {
  readonly trivialElements: number;
  readonly cpuElements: number;
  readonly cpuMs: number;
  readonly memoryElements: number;
  readonly repeats: number;
  readonly workers: number;
  readonly cases: readonly ('trivial' | 'cpu' | 'memory' | 'workers')[];
}

/** One runner's way to run each case; each returns its wall time and the work measured. */
interface Runner {
  readonly name: string;
  trivial(n: number): Promise<number>;
  cpu(n: number, iterations: number): Promise<{ wallMs: number; workMs: number }>;
  close(): Promise<void>;
}

function ppevalRunner(workers: number): Runner {
  const pool = createPool({ concurrency: workers, idleTimeout: Infinity });
  return {
    name: 'ppeval',
    async trivial(n) {
      const started = performance.now();
      const out = await pool.ppeval(trivial, array(range(0, n)));
      const wall = performance.now() - started;
      if (out.length !== n || out[n - 1] !== n) throw new Error('ppeval: wrong results');
      return wall;
    },
    async cpu(n, iterations) {
      let stats: CallStats | undefined;
      const started = performance.now();
      const out = await pool.ppeval.with({ onStats: (s) => (stats = s) })(
        burnElement,
        array(range(0, n)),
        iterations,
      );
      const wallMs = performance.now() - started;
      if (stats === undefined || out.length !== n) throw new Error('ppeval: no statistics');
      return { wallMs, workMs: out.reduce((a, b) => a + b, 0) };
    },
    close: () => pool.close(),
  };
}

/** tinypool and piscina share an API shape: run(task, { name }). */
interface RawPool {
  run(task: unknown, options: { name: string }): Promise<unknown>;
  destroy(): Promise<void>;
}

function rawRunner(name: string, pool: RawPool): Runner {
  return {
    name,
    async trivial(n) {
      const started = performance.now();
      const out = await Promise.all(
        Array.from({ length: n }, (_, k) => pool.run(k, { name: 'trivial' })),
      );
      const wall = performance.now() - started;
      if (out.length !== n || out[n - 1] !== n) throw new Error(`${name}: wrong results`);
      return wall;
    },
    async cpu(n, iterations) {
      const started = performance.now();
      const out = (await Promise.all(
        Array.from({ length: n }, () => pool.run(iterations, { name: 'burn' })),
      )) as number[];
      return { wallMs: performance.now() - started, workMs: out.reduce((a, b) => a + b, 0) };
    },
    close: () => pool.destroy(),
  };
}

/** Iterations of {@link burn} that take about `ms` on this thread. */
function calibrate(ms: number): number {
  let iterations = 100_000;
  for (let round = 0; round < 6; round++) {
    const took = burn(iterations);
    if (took > 1) iterations = Math.max(1000, Math.round((iterations * ms) / took));
    else iterations *= 10;
  }
  return iterations;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function parseSizes(ctx: BenchContext): Sizes {
  const values = parseBenchOptions('overhead', ctx.args, ['repeats', 'workers', 'case']);
  const count = (raw: string | undefined, flag: string, fallback: number): number =>
    integerOption(flag, raw, fallback, 1);
  const which = values['case'] ?? 'all';
  const known = ['trivial', 'cpu', 'memory', 'workers'];
  if (which !== 'all' && !known.includes(which)) {
    throw new BenchOptionError(
      `Expected --case to be trivial, cpu, memory, workers or all, got \`${which}\` (string).`,
    );
  }
  return {
    cases:
      which === 'all'
        ? ['trivial', 'cpu', 'memory', 'workers']
        : [which as 'trivial' | 'cpu' | 'memory' | 'workers'],
    memoryElements: ctx.tiny ? 20_000 : 10_000_000,
    trivialElements: ctx.tiny ? 2_000 : 100_000,
    cpuElements: ctx.tiny ? 8 : 64,
    cpuMs: ctx.tiny ? 5 : 50,
    repeats: count(values['repeats'], 'repeats', ctx.tiny ? 1 : 3),
    workers: count(values['workers'], 'workers', availableParallelism()),
  };
}

async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const sizes = parseSizes(ctx);
  const { workers, repeats } = sizes;
  const iterations = calibrate(sizes.cpuMs);
  const workerCases = sizes.cases.includes('workers')
    ? await runWorkerCases(ctx, workers, repeats)
    : undefined;
  if (!sizes.cases.includes('trivial') && !sizes.cases.includes('cpu')) {
    return { sizes, workerCases };
  }
  const runners: Runner[] = [
    ppevalRunner(workers),
    rawRunner(
      'tinypool',
      new Tinypool({ filename: TASKS, minThreads: workers, maxThreads: workers }) as RawPool,
    ),
    rawRunner(
      'piscina',
      new Piscina({ filename: TASKS, minThreads: workers, maxThreads: workers }) as RawPool,
    ),
  ];
  const trivialMs = new Map<string, number[]>();
  const cpu = new Map<string, { wallMs: number; workMs: number }[]>();
  const timed = sizes.cases.filter((c) => c !== 'memory' && c !== 'workers').length;
  const memorySteps = sizes.cases.includes('memory') ? 2 : 0;
  const steps = runners.length * (1 + timed * repeats) + memorySteps;
  let done = 0;
  try {
    for (const runner of runners) {
      ctx.signal?.throwIfAborted();
      ctx.progress(done, steps, `${runner.name}: warm-up`);
      await runner.trivial(Math.min(1000, sizes.trivialElements));
      await runner.cpu(workers, iterations);
      ctx.progress(++done, steps, `${runner.name}: warm-up`);
    }
    // Runners take turns within each repeat, so that a change in the machine's load (it may be
    // shared) hits them alike.
    for (let r = 0; r < repeats; r++) {
      for (const runner of runners) {
        ctx.signal?.throwIfAborted();
        if (sizes.cases.includes('trivial')) {
          ctx.progress(done, steps, `${runner.name}: trivial elements`);
          const t = await runner.trivial(sizes.trivialElements);
          trivialMs.set(runner.name, [...(trivialMs.get(runner.name) ?? []), t]);
          ctx.progress(++done, steps, runner.name);
        }
        if (sizes.cases.includes('cpu')) {
          ctx.progress(done, steps, `${runner.name}: CPU elements`);
          const c = await runner.cpu(sizes.cpuElements, iterations);
          cpu.set(runner.name, [...(cpu.get(runner.name) ?? []), c]);
          ctx.progress(++done, steps, runner.name);
        }
      }
    }
  } finally {
    await Promise.all(runners.map((r) => r.close()));
  }
  // After the pools close, so that their threads do not compete with the children.
  const memory: MemoryRun[] = [];
  if (sizes.cases.includes('memory')) {
    for (const kind of ['lazy', 'array'] as const) {
      ctx.signal?.throwIfAborted();
      ctx.progress(done, steps, `ppeval: ${kind} input, peak memory`);
      memory.push(await measureMemory(kind, sizes.memoryElements, workers, ctx.signal));
      ctx.progress(++done, steps, 'memory');
    }
  }

  const rowsA: string[][] = [];
  const rowsB: string[][] = [];
  const figures: Record<string, Record<string, unknown>> = {};
  const baseline = trivialMs.has('tinypool') ? median(trivialMs.get('tinypool')!) : NaN;
  for (const runner of runners) {
    const entry: Record<string, unknown> = {};
    const walls = trivialMs.get(runner.name);
    if (walls) {
      const wall = median(walls);
      const perSecond = sizes.trivialElements / (wall / 1000);
      rowsA.push([
        runner.name,
        formatDuration(wall),
        `${Math.round(perSecond).toLocaleString('en-US')}/s`,
        `${(baseline / wall).toFixed(2)}x`,
      ]);
      Object.assign(entry, {
        trivialWallMs: walls,
        trivialPerSecond: perSecond,
        trivialVsTinypool: baseline / wall,
      });
    }
    const runs = cpu.get(runner.name);
    if (runs) {
      const ratios = runs.map((c) => c.wallMs / (c.workMs / workers));
      const ratio = median(ratios);
      const mid = runs[ratios.indexOf(ratio)] ?? runs[0]!;
      rowsB.push([
        runner.name,
        formatDuration(mid.wallMs),
        formatDuration(mid.workMs / workers),
        `${((ratio - 1) * 100).toFixed(1)}%`,
      ]);
      Object.assign(entry, { cpuRuns: runs, cpuWallOverIdeal: ratio });
    }
    figures[runner.name] = entry;
  }
  if (rowsA.length > 0) {
    ctx.log(
      `(a) ${sizes.trivialElements.toLocaleString('en-US')} trivial elements on ${workers} ` +
        `worker threads, median of ${repeats}`,
    );
    for (const line of formatTable(['runner', 'wall', 'throughput', 'vs tinypool'], rowsA)) {
      ctx.log(line);
    }
    ctx.log('');
  }
  if (rowsB.length > 0) {
    ctx.log(
      `(b) ${sizes.cpuElements} elements of about ${sizes.cpuMs} ms of CPU each on ${workers} ` +
        `workers; ideal = measured work / workers, median of ${repeats}`,
    );
    for (const line of formatTable(['runner', 'wall', 'ideal', 'over ideal'], rowsB)) {
      ctx.log(line);
    }
    ctx.log('');
  }
  const [lazy, eager] = memory;
  const memoryRatio = lazy && eager ? eager.peakRssBytes / lazy.peakRssBytes : undefined;
  if (lazy && eager) {
    ctx.log(
      `(c) ${sizes.memoryElements.toLocaleString('en-US')} trivial elements through ` +
        `ppeval.stream on ${workers} workers, peak resident memory of a fresh process`,
    );
    const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    const rows = memory.map((m) => [
      m.kind === 'lazy' ? 'array(generator)' : 'array(Array)',
      mb(m.peakRssBytes),
      formatDuration(m.wallMs),
    ]);
    for (const line of formatTable(['input', 'peak RSS', 'wall'], rows)) ctx.log(line);
    ctx.log(`array input / lazy input: ${memoryRatio!.toFixed(2)}x the memory`);
    ctx.log('');
  }
  ctx.log('Targets: (a) ppeval >= 5x tinypool; (b) ppeval within 3% of the ideal.');
  return {
    sizes,
    iterations,
    runners: figures,
    memory,
    memoryRatio,
    ...(workerCases ? { workerCases } : {}),
  };
}

const overhead: SubBenchmark = {
  name: 'overhead',
  description:
    "ppeval's own cost against raw tinypool and piscina: 100,000 trivial elements, 64 elements of 50 ms; memory of a lazy input",
  usage: [
    '  --repeats N        timed repetitions; the median is reported (default 3; --tiny: 1)',
    '  --workers N        worker threads of every pool (default: available cores)',
    '  --case WHICH       trivial, cpu, memory, workers or all (default all)',
  ].join('\n'),
  run,
};

export default overhead;
