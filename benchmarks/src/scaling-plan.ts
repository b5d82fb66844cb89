/**
 * The pure parts of the scaling benchmark: which worker counts a machine can measure, the
 * interleaved order of the runs, and the analysis of the timings. Kept apart from the workload so
 * they can be tested without images or workers.
 */
import { pairedRatios, summarize } from './stats.js';
import type { Summary } from './stats.js';

/** Worker counts of the original study. */
export const DEFAULT_WORKER_COUNTS: readonly number[] = [1, 2, 4, 8];

/** Which of the requested worker counts this machine can measure honestly. */
export interface WorkerPlan {
  /** Counts up to the available cores, ascending. */
  readonly measured: number[];
  /** Counts above the available cores: reported as not measured, never extrapolated. */
  readonly missing: number[];
}

/**
 * Split requested worker counts into those the machine can run one worker per core and those it
 * cannot. More workers than cores would time-slice, which measures the OS scheduler rather than
 * the runtime's scaling.
 *
 * @param requested - positive integers (duplicates are dropped)
 * @param available - cores this process may use (os.availableParallelism())
 * @example
 * planWorkerCounts([1, 2, 4, 8], 2); // { measured: [1, 2], missing: [4, 8] }
 */
export function planWorkerCounts(requested: readonly number[], available: number): WorkerPlan {
  if (!Number.isInteger(available) || available < 1) {
    throw new RangeError(
      `Expected available cores to be an integer from 1 and up, got \`${String(available)}\` (${typeof available}).`,
    );
  }
  const unique = [...new Set(requested)].sort((a, b) => a - b);
  for (const w of unique) {
    if (!Number.isInteger(w) || w < 1) {
      throw new RangeError(
        `Expected worker counts to be integers from 1 and up, got \`${String(w)}\` (${typeof w}).`,
      );
    }
  }
  return {
    measured: unique.filter((w) => w <= available),
    missing: unique.filter((w) => w > available),
  };
}

/**
 * The order of the timed runs: every configuration once per round, the starting point rotating
 * from round to round. Interleaving makes slow drift (thermal throttling, a neighbour's job)
 * hit every configuration alike; rotating keeps one configuration from always running right
 * after the heaviest one.
 *
 * @param configs - configuration names, e.g. ['serial', 'w1', 'w2']
 * @param rounds - repetitions, at least 1
 * @example
 * interleave(['s', 'a', 'b'], 2); // [[0,'s'],[0,'a'],[0,'b'],[1,'a'],[1,'b'],[1,'s']]
 */
export function interleave<T>(configs: readonly T[], rounds: number): [round: number, config: T][] {
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(
      `Expected rounds to be an integer from 1 and up, got \`${String(rounds)}\` (${typeof rounds}).`,
    );
  }
  const order: [number, T][] = [];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < configs.length; k++) {
      order.push([r, configs[(r + k) % configs.length] as T]);
    }
  }
  return order;
}

/** One timed parallel call. */
export interface ParallelSample {
  /** Wall time of the call in ms, as the caller saw it. */
  readonly wallMs: number;
  /** Busy time of each worker during the call in ms (from the runtime's per-call timing). */
  readonly busyMs: readonly number[];
  /**
   * CPU time of the whole process during the call in ms (process.cpuUsage(), user + system,
   * every thread). Wall-clock busy time counts time stolen by other processes as work; CPU time
   * does not, which tells a slow machine from a slow runtime.
   */
  readonly cpuMs: number;
}

/** The analysis of one worker count. */
export interface ScalingRow {
  readonly workers: number;
  /** Wall time per call. */
  readonly wallMs: Summary;
  /** Speedup of each round (serial time of that round / this time), summarised. */
  readonly speedup: Summary;
  /** Median speedup / workers. */
  readonly efficiency: number;
  /** Mean busy time per worker per call (median over rounds). */
  readonly busyPerWorkerMs: number;
  /**
   * Share of the workers' capacity spent in the function: sum(busy) / (workers * wall), median
   * over rounds. Below 1: idle workers (imbalance, dispatch, start-up, gathering).
   */
  readonly utilization: number;
  /**
   * Total work in workers against the serial loop's: sum(busy) / serial wall, median over
   * rounds. Above 1: each element got slower in parallel (shared caches, memory bandwidth,
   * copying), which no scheduler can fix.
   */
  readonly workInflation: number;
  /** Busiest worker / mean worker, median over rounds: 1 is perfect balance. */
  readonly imbalance: number;
  /**
   * CPU time / wall time, median over rounds: how many cores the process really got. Below the
   * worker count while utilization is high: other processes took the CPU.
   */
  readonly coresUsed: number;
  /**
   * CPU time of the call / CPU time of the serial loop in the same round, median over rounds:
   * work inflation that time slices taken by other processes cannot cause (their use of shared
   * caches and memory bandwidth still can).
   */
  readonly cpuWorkRatio: number;
}

/**
 * Analyse the timings: speedup against the serial loop round by round, efficiency, and the
 * decomposition speedup = workers * utilization / workInflation.
 *
 * @param serial - the serial loop's runs, one per round
 * @param samples - the parallel calls of one worker count, one per round (same rounds)
 * @param workers - the worker count
 * @example
 * const serial = [{ wallMs: 100, busyMs: [100], cpuMs: 100 }];
 * analyzeWorkers(serial, [{ wallMs: 52, busyMs: [50, 50], cpuMs: 102 }], 2).speedup.median; // 1.92...
 */
export function analyzeWorkers(
  serial: readonly ParallelSample[],
  samples: readonly ParallelSample[],
  workers: number,
): ScalingRow {
  const serialMs = serial.map((s) => s.wallMs);
  const walls = samples.map((s) => s.wallMs);
  const speedups = pairedRatios(serialMs, walls);
  const util: number[] = [];
  const inflation: number[] = [];
  const imbalance: number[] = [];
  const busyMean: number[] = [];
  const cores: number[] = [];
  const cpuRatio: number[] = [];
  samples.forEach((s, r) => {
    cores.push(s.cpuMs / s.wallMs);
    cpuRatio.push(s.cpuMs / ((serial[r] as ParallelSample).cpuMs || Number.MIN_VALUE));
    // Workers that received no element report no busy time: count them as idle, not absent.
    const busy = [...s.busyMs, ...Array<number>(Math.max(0, workers - s.busyMs.length)).fill(0)];
    const total = busy.reduce((a, b) => a + b, 0);
    const mean = total / busy.length;
    busyMean.push(mean);
    util.push(total / (workers * s.wallMs));
    inflation.push(total / (serialMs[r] as number));
    imbalance.push(mean > 0 ? Math.max(...busy) / mean : 1);
  });
  const speedup = summarize(speedups);
  return {
    workers,
    wallMs: summarize(walls),
    speedup,
    efficiency: speedup.median / workers,
    busyPerWorkerMs: summarize(busyMean).median,
    utilization: summarize(util).median,
    workInflation: summarize(inflation).median,
    imbalance: summarize(imbalance).median,
    coresUsed: summarize(cores).median,
    cpuWorkRatio: summarize(cpuRatio).median,
  };
}
