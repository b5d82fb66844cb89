/**
 * `npm run bench -- scaling` (the default): Star-P's experiment. The seed's workload,
 * `compress(i, 50)` over 16 images of about 3.4 MB, as a serial loop in the main thread against
 * `ppeval` with 1, 2, 4 and 8 workers (as far as the machine's cores allow), interleaved over
 * several rounds; speedup, efficiency and where the lost efficiency went; a chart beside
 * Star-P's 6.4x on 8 processors.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSpeedupChart } from './chart.js';
import { BenchOptionError } from './errors.js';
import { describeMachine, usableCores } from './machine.js';
import {
  displayPath,
  formatDuration,
  formatDurationRange,
  formatTable,
  writeFileAtomic,
} from './report.js';
import { prepareImages } from './scaling-images.js';
import { SCALING_USAGE, parseScalingOptions } from './scaling-options.js';
import { analyzeWorkers, interleave, planWorkerCounts } from './scaling-plan.js';
import type { ParallelSample, ScalingRow } from './scaling-plan.js';
import { missingModulesMessage, openPython } from './python.js';
import type { PythonServer, PythonSolver } from './python.js';
import {
  PYTHON_SOLVER_NAMES,
  formatVersusPython,
  openPythonRunner,
  versusPython,
} from './scaling-python.js';
import type { PythonRunner } from './scaling-python.js';
import { openParallelRunner, openSerialRunner } from './scaling-runners.js';
import type { Runner } from './scaling-runners.js';
import { pairedRatios, summarize } from './stats.js';
import type { Summary } from './stats.js';
import type { BenchContext, SubBenchmark } from './types.js';

/** Star-P's published result: 6.4x on 8 Opterons, 16 images of 3.4 MB. */
export const STAR_P = { label: 'Star-P (8 Opterons)', workers: 8, speedup: 6.4 } as const;
/** This project's target: 95% efficiency on 8 workers. */
export const TARGET = { label: 'target (95% efficiency)', workers: 8, speedup: 7.6 } as const;

const IMAGE_ENV = ['IMAGEPROCESS_DIR', 'IMAGEPROCESS_OUT'] as const;

/** The default images: the shared real photographs, when this checkout has them. */
// $PPEVAL_BENCH_PHOTOS_DIR stands in for ../shared/data/photos (e.g. an empty folder, to
// check the synthesized fallback on a machine that has the photos).
const SHARED_PHOTOS =
  process.env['PPEVAL_BENCH_PHOTOS_DIR'] ||
  fileURLToPath(new URL('../../../shared/data/photos/', import.meta.url));

/** Where the images come from: the option, else the shared photos, else the generated set. */
function imageSource(
  option: string | undefined,
  tiny: boolean,
): { dir: string | undefined; note?: string } {
  if (option === 'generated') return { dir: undefined };
  if (option !== undefined) return { dir: option };
  if (tiny) return { dir: undefined };
  if (existsSync(SHARED_PHOTOS)) return { dir: SHARED_PHOTOS };
  return {
    dir: undefined,
    note: `Note: ${SHARED_PHOTOS} is absent (no ../shared/data here): the generated (synthesized) set stands in for the photographs.`,
  };
}

async function run(ctx: BenchContext): Promise<Record<string, unknown>> {
  const opts = parseScalingOptions(ctx.args, ctx.tiny);
  const machine = describeMachine();
  const cores = usableCores(machine);
  const plan = planWorkerCounts(opts.workers, cores);

  const chosen = imageSource(opts.images, ctx.tiny);
  if (chosen.note) ctx.log(chosen.note);
  const images = await prepareImages(chosen.dir, opts.count, ctx.tiny, (done, total) =>
    ctx.progress(done, total, 'generating the default images (once, then cached)'),
  );
  let outDir: string;
  try {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'ppeval-bench-out-'));
  } catch (err) {
    await images.cleanup();
    throw err;
  }
  // compress(i, rank) finds its folders in the environment, which workers inherit when they
  // start: set it before any pool exists, restore it afterwards.
  const savedEnv = IMAGE_ENV.map((k) => process.env[k]);
  process.env['IMAGEPROCESS_DIR'] = images.dir;
  process.env['IMAGEPROCESS_OUT'] = outDir;
  const runners: Runner[] = [];
  let python: PythonServer | undefined;
  try {
    if (opts.rank > images.minSide) {
      throw new BenchOptionError(
        `--rank ${opts.rank} is above the smallest image side (${images.minSide} pixels): choose a rank from 1 to ${images.minSide}.`,
      );
    }
    const totalBytes = images.bytes.reduce((a, b) => a + b, 0);
    ctx.log(
      `Workload: compress(i, ${opts.rank}) for i in 0..${opts.count - 1}: ${opts.count} images ` +
        `(${images.shapes.join(', ')}; ${(totalBytes / opts.count / 1e6).toFixed(2)} MB each on average), ` +
        `from ${images.source}.`,
    );
    ctx.log(
      `Method: ${opts.warmup} warm-up round(s), then ${opts.reps} timed round(s); each round runs ` +
        `every configuration once, interleaved, starting point rotating; speedup paired round by round.`,
    );
    if (plan.missing.length > 0) {
      ctx.log(
        `This machine has ${cores} core(s) available: ${plan.missing.join(', ')} ` +
          `workers not measured (no extrapolation). Run on a machine with at least ` +
          `${Math.max(...plan.missing)} cores for the full curve.`,
      );
    }
    if (machine.loadAverage1m > 0.5 * cores) {
      ctx.log(
        `Note: load average ${machine.loadAverage1m.toFixed(2)} at the start: other processes were ` +
          'using the CPU, so treat these figures as noisy.',
      );
    }
    ctx.log('');

    runners.push(openSerialRunner(opts.count, opts.rank));
    for (const w of plan.measured) runners.push(openParallelRunner(w, opts.count, opts.rank));
    const py = await openPythonRunners(
      opts.python,
      opts.pythonSolvers,
      plan.measured,
      images.files,
      opts.rank,
      outDir,
    );
    python = py.server;
    if (py.note !== undefined) ctx.log(py.note);
    const pythonRunners = py.runners;
    const everyone: (Runner | PythonRunner)[] = [...runners, ...pythonRunners];

    const schedule = (opts.warmup > 0 ? interleave(everyone, opts.warmup) : []).map(
      ([round, runner]) => ({ round, runner, warm: true }),
    );
    const timed = interleave(everyone, opts.reps).map(([round, runner]) => ({
      round,
      runner,
      warm: false,
    }));
    const all = [...schedule, ...timed];
    const samples = new Map<Runner | PythonRunner, ParallelSample[]>(everyone.map((r) => [r, []]));
    const warmupMs = new Map<Runner | PythonRunner, number[]>(everyone.map((r) => [r, []]));
    for (const [i, step] of all.entries()) {
      ctx.progress(
        i,
        all.length,
        `${step.warm ? 'warm-up' : `round ${step.round + 1}/${opts.reps}`}: ${step.runner.label}`,
      );
      ctx.signal?.throwIfAborted();
      const sample = await step.runner.run(ctx.signal);
      (step.warm ? warmupMs.get(step.runner) : undefined)?.push(sample.wallMs);
      if (!step.warm) samples.get(step.runner)?.push(sample);
    }
    ctx.progress(all.length, all.length, 'done');

    const [serialRunner, ...parallelRunners] = runners as [Runner, ...Runner[]];
    const serialSamples = samples.get(serialRunner) ?? [];
    const serialMs = serialSamples.map((s) => s.wallMs);
    const serial = summarize(serialMs);
    const serialCores = summarize(serialSamples.map((s) => s.cpuMs / s.wallMs)).median;
    const rows: ScalingRow[] = parallelRunners.map((r) =>
      analyzeWorkers(serialSamples, samples.get(r) ?? [], r.workers),
    );
    // Speedup against 1 worker, round by round: the runtime's own scaling, free of any
    // difference between the main thread's loop and a worker running the same images.
    const oneWorker = parallelRunners.find((r) => r.workers === 1);
    const vsOne = rows.map((row, i) =>
      oneWorker === undefined
        ? null
        : summarize(
            pairedRatios(
              (samples.get(oneWorker) ?? []).map((s) => s.wallMs),
              (samples.get(parallelRunners[i] as Runner) ?? []).map((s) => s.wallMs),
            ),
          ),
    );

    printTable(ctx, serial, serialCores, rows, vsOne, plan.missing, cores);
    const at8 = rows.find((r) => r.workers === TARGET.workers);
    if (at8 === undefined) {
      ctx.log(
        `\nTarget (${TARGET.speedup}x on ${TARGET.workers} workers): not measured here, ` +
          `${cores} core(s) available.`,
      );
    } else {
      ctx.log(
        `\nTarget ${TARGET.speedup}x on ${TARGET.workers} workers: ${at8.speedup.median.toFixed(2)}x ` +
          `measured (Star-P ${STAR_P.speedup}x): ${at8.speedup.median >= TARGET.speedup ? 'met' : 'NOT met'}.`,
      );
    }

    const versus = pythonRunners.map((p) => {
      const ours = parallelRunners.find((r) => r.workers === p.workers) as Runner;
      return versusPython(
        p.workers,
        p.solver,
        (samples.get(ours) ?? []).map((s) => s.wallMs),
        (samples.get(p) ?? []).map((s) => s.wallMs),
      );
    });
    if (versus.length > 0) {
      ctx.log(
        '\nOurs against Python on the same files and cores (median wall time over the rounds):\n',
      );
      for (const line of formatVersusPython(versus)) ctx.log(line);
      ctx.log(
        `\nPython: ${python?.interpreter} (${python?.hello.executable}, Python ${python?.hello.python}; ` +
          `${Object.entries(python?.hello.versions ?? {})
            .map(([m, v]) => `${m} ${v}`)
            .join(', ')}): multiprocessing.Pool(N).map over the same ${opts.count} files, each ` +
          'read by Pillow, every colour band through the solver (float64), rebuilt, floored, clamped, ' +
          'written by Pillow; OPENBLAS/OMP/MKL_NUM_THREADS=1; the pool lives for the whole run, as ' +
          "ppeval's does. ours / Python is paired round by round; below 1x ours is faster.",
      );
    }

    let chart: string | null = null;
    if (ctx.resultsDir !== undefined) {
      chart = path.join(ctx.resultsDir, 'scaling.svg');
      const svg = await renderSpeedupChart({
        title: `ppeval scaling: compress(i, ${opts.rank}) over ${opts.count} images`,
        subtitle: [
          `${machine.cpuModel}, ${cores} cores available, Node ${machine.node}, ` +
            `load ${machine.loadAverage1m.toFixed(1)} at start, ${machine.date.slice(0, 10)}`,
          `images: ${images.source} (${images.shapes.join(', ')})`,
          `median of ${opts.reps} interleaved rounds, bars min-max`,
          ...(plan.missing.length > 0
            ? [`${plan.missing.join(', ')} workers not measured: ${cores} core(s)`]
            : []),
          ...(ctx.tiny ? ['TINY RUN: figures meaningless'] : []),
        ],
        points: rows.map((r) => ({
          workers: r.workers,
          median: r.speedup.median,
          low: r.speedup.min,
          high: r.speedup.max,
        })),
        references: [STAR_P, TARGET],
        missing: plan.missing,
        maxWorkers: Math.max(8, ...opts.workers),
      });
      await writeFileAtomic(chart, svg);
      ctx.log(`Chart: ${displayPath(chart)}`);
    }

    return {
      workload: {
        function: 'compress(i, rank) from imageprocess',
        count: opts.count,
        rank: opts.rank,
        source: images.source,
        shapes: images.shapes,
        bytesPerImage: summarize(images.bytes),
      },
      method: {
        warmupRounds: opts.warmup,
        rounds: opts.reps,
        order: 'interleaved: every configuration once per round, starting point rotating',
        speedup: 'serial wall time / parallel wall time of the same round, summarised over rounds',
        busyTime: "the runtime's per-call timing: time each worker spent in batches",
      },
      plan: {
        requested: opts.workers,
        measured: plan.measured,
        missing: plan.missing.map((w) => ({
          workers: w,
          reason: `only ${cores} core(s) available`,
        })),
        availableParallelism: machine.availableParallelism,
        cgroupCpuLimit: machine.cgroupCpuLimit,
        usableCores: cores,
      },
      serial: {
        wallMs: serial,
        coresUsed: serialCores,
        samples: serialSamples,
        warmupMs: warmupMs.get(serialRunner) ?? [],
      },
      parallel: rows.map((row, i) => {
        const r = parallelRunners[i] as Runner;
        return {
          ...row,
          speedupVsOneWorker: vsOne[i] ?? null,
          samples: samples.get(r) ?? [],
          warmupMs: warmupMs.get(r) ?? [],
        };
      }),
      python:
        python === undefined
          ? { measured: false, note: py.note ?? null }
          : {
              measured: versus.length > 0,
              interpreter: python.interpreter,
              executable: python.hello.executable,
              version: python.hello.python,
              modules: python.hello.versions,
              note: py.note ?? null,
              rows: versus.map((v, i) => ({
                ...v,
                samples: samples.get(pythonRunners[i] as PythonRunner) ?? [],
              })),
            },
      reference: { starP: STAR_P, target: TARGET },
      targetMet: at8 === undefined ? null : at8.speedup.median >= TARGET.speedup,
      chart: chart === null ? null : path.basename(chart),
      loadAverage1mAtEnd: os.loadavg()[0] ?? 0,
    };
  } finally {
    // Close every pool and remove every temporary folder even if one step fails. A failure
    // here is reported, not thrown: it must not hide the run's own error or its results.
    const closed = await Promise.allSettled([
      ...runners.map((r) => r.close()),
      ...(python ? [python.close()] : []),
    ]);
    IMAGE_ENV.forEach((k, i) => {
      const v = savedEnv[i];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    });
    const removed = await Promise.allSettled([
      rm(outDir, { recursive: true, force: true }),
      images.cleanup(),
    ]);
    for (const r of [...closed, ...removed]) {
      if (r.status === 'rejected') ctx.log(`Warning: cleaning up failed: ${String(r.reason)}`);
    }
  }
}

/**
 * The Python rows: one Pool(N) runner per solver and measured worker count, or a note saying
 * what is missing (the ppeval rows run regardless).
 */
async function openPythonRunners(
  interpreter: string,
  solvers: readonly PythonSolver[],
  workerCounts: readonly number[],
  files: readonly string[],
  rank: number,
  outDir: string,
): Promise<{ server: PythonServer | undefined; runners: PythonRunner[]; note?: string }> {
  if (solvers.length === 0) return { server: undefined, runners: [] };
  const opened = await openPython(interpreter);
  if (!('hello' in opened)) {
    return {
      server: undefined,
      runners: [],
      note: `Python comparison not measured: ${opened.reason}.`,
    };
  }
  const usable = solvers.filter((s) => (s === 'full' ? opened.hasNumpy : opened.hasScipy));
  const dropped = solvers.filter((s) => !usable.includes(s));
  const missing = missingModulesMessage(interpreter, opened.hello);
  const note =
    dropped.length === 0
      ? undefined
      : `Python ${dropped.map((s) => PYTHON_SOLVER_NAMES[s]).join(', ')} not measured: ${missing ?? 'modules missing'}`;
  if (usable.length === 0) {
    await opened.close();
    return { server: undefined, runners: [], ...(note === undefined ? {} : { note }) };
  }
  const runners = usable.flatMap((solver) =>
    workerCounts.map((w) =>
      openPythonRunner(opened, files, rank, solver, w, path.join(outDir, `python-${solver}-${w}`)),
    ),
  );
  return { server: opened, runners, ...(note === undefined ? {} : { note }) };
}

function printTable(
  ctx: BenchContext,
  serial: Summary,
  serialCores: number,
  rows: readonly ScalingRow[],
  vsOne: readonly (Summary | null)[],
  missing: readonly number[],
  available: number,
): void {
  const x = (v: number): string => `${v.toFixed(2)}x`;
  const pct = (v: number): string => `${(v * 100).toFixed(0)}%`;
  const dashes = (n: number): string[] => Array<string>(n).fill('-');
  const name = (w: number): string => `${w} worker${w === 1 ? '' : 's'}`;
  const timing = [
    [
      'serial loop',
      formatDuration(serial.median),
      formatDurationRange(serial.min, serial.max),
      '1.00x',
      '-',
      '-',
      '-',
    ],
    ...rows.map((r, i) => {
      const one = vsOne[i];
      return [
        name(r.workers),
        formatDuration(r.wallMs.median),
        formatDurationRange(r.wallMs.min, r.wallMs.max),
        x(r.speedup.median),
        `${x(r.speedup.min)}-${x(r.speedup.max)}`,
        pct(r.efficiency),
        one === null || one === undefined ? '-' : x(one.median),
      ];
    }),
    ...missing.map((w) => [`${name(w)}: not measured (${available} cores)`, ...dashes(6)]),
    [STAR_P.label, '-', '-', x(STAR_P.speedup), '-', pct(STAR_P.speedup / STAR_P.workers), '-'],
  ];
  const headers = [
    'configuration',
    'wall (median)',
    'wall min-max',
    'speedup',
    'speedup min-max',
    'efficiency',
    'vs 1 worker',
  ];
  for (const line of formatTable(headers, timing)) ctx.log(line);

  ctx.log('\nWhere the time went (medians over the rounds):\n');
  const where = [
    ['serial loop', formatDuration(serial.median), '-', '-', '-', '-', serialCores.toFixed(2)],
    ...rows.map((r) => [
      name(r.workers),
      formatDuration(r.busyPerWorkerMs),
      pct(r.utilization),
      x(r.imbalance),
      x(r.workInflation),
      x(r.cpuWorkRatio),
      r.coresUsed.toFixed(2),
    ]),
  ];
  const whereHeaders = [
    'configuration',
    'busy per worker',
    'utilization',
    'imbalance',
    'work inflation',
    'CPU work',
    'cores used',
  ];
  for (const line of formatTable(whereHeaders, where)) ctx.log(line);
  ctx.log(
    [
      '',
      "busy per worker: time each worker spent running batches (the runtime's per-call timing),",
      'averaged over the workers. utilization: total busy time / (workers x wall time); the rest',
      'is idle (dispatch, start-up, waiting for the last image). imbalance: busiest worker / mean',
      "worker. work inflation: the workers' total busy time / the serial time; CPU work: the same",
      'ratio in CPU time, which time slices taken by other processes do not inflate (above 1x:',
      'memory bandwidth, shared caches, copying; on a shared machine, the neighbours use the same',
      'caches too). speedup = workers x utilization / work inflation.',
      'cores used: CPU time / wall time; below the worker count while utilization is high, other',
      'processes had the CPU.',
    ].join('\n'),
  );
}

/** The scaling sub-benchmark (the default of `npm run bench`). */
const scaling: SubBenchmark = {
  name: 'scaling',
  description:
    "Star-P's experiment: compress(i, 50) over 16 images of 3.4 MB, serial loop vs ppeval on 1, 2, 4, 8 workers; speedup chart.",
  usage: SCALING_USAGE,
  run,
};

export default scaling;
