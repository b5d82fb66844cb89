/**
 * The configurations the scaling benchmark times: the seed's serial loop in the main thread, and
 * `ppeval` on a pool of N workers. Each run returns its wall time and each worker's busy time.
 */
import { compress } from 'imageprocess';
import { array, createPool, range } from 'ppeval';
import type { CallStats, Pool } from 'ppeval';
import type { ParallelSample } from './scaling-plan.js';

/** One configuration of the experiment. */
export interface Runner {
  /** For the progress line and the table: 'serial loop', '4 workers'. */
  readonly label: string;
  /** Worker count; 0 for the serial loop. */
  readonly workers: number;
  /** Run the whole workload once and time it; `signal` cancels it (workers are terminated). */
  run(signal?: AbortSignal): Promise<ParallelSample>;
  /** Release the workers. Idempotent. */
  close(): Promise<void>;
}

/** CPU time of this process (all threads, user + system) since `start`, in ms. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

function checkCodes(codes: readonly unknown[], count: number, label: string): void {
  // compress returns 0 per image, as the original did: anything else means the work went wrong
  // and the timing would be meaningless.
  if (codes.length !== count || codes.some((c) => c !== 0)) {
    throw new Error(
      `${label}: expected ${count} results of 0 from compress, got ${JSON.stringify(codes.slice(0, 20))}.`,
    );
  }
}

/**
 * The seed's serial loop: `for i in range(0, count): compress(i, rank)` in the main thread.
 * Its busy time is its wall time (one "worker", the main thread).
 *
 * @example
 * const serial = openSerialRunner(16, 50);
 * const { wallMs } = await serial.run();
 */
export function openSerialRunner(count: number, rank: number): Runner {
  return {
    label: 'serial loop',
    workers: 0,
    async run(signal) {
      const codes: number[] = [];
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        signal?.throwIfAborted();
        codes.push(await compress(i, rank));
      }
      const wallMs = performance.now() - started;
      const cpuMs = cpuSince(cpu);
      checkCodes(codes, count, 'serial loop');
      return { wallMs, busyMs: [wallMs], cpuMs };
    },
    close: () => Promise.resolve(),
  };
}

/**
 * `pool.ppeval(compress, array(range(0, count)), rank)` on a pool of `workers` worker threads.
 * The pool lives across rounds (workers keep their imported module and JIT-compiled code, as a
 * long-running program's would); its first call is a warm-up round's.
 *
 * @example
 * const four = openParallelRunner(4, 16, 50);
 * const { wallMs, busyMs } = await four.run();
 * await four.close();
 */
export function openParallelRunner(workers: number, count: number, rank: number): Runner {
  // Workers must outlive the gaps between rounds, when the other configurations run.
  const pool: Pool = createPool({ concurrency: workers, idleTimeout: Infinity });
  const label = `${workers} worker${workers === 1 ? '' : 's'}`;
  return {
    label,
    workers,
    async run(signal) {
      let stats: CallStats | undefined;
      const call = pool.ppeval.with({
        onStats: (s) => (stats = s),
        ...(signal === undefined ? {} : { signal }),
      });
      const cpu = process.cpuUsage();
      const started = performance.now();
      const codes = await call(compress, array(range(0, count)), rank);
      const wallMs = performance.now() - started;
      const cpuMs = cpuSince(cpu);
      checkCodes(codes, count, label);
      if (stats === undefined) {
        throw new Error(`${label}: ppeval resolved without reporting its timing (onStats).`);
      }
      return { wallMs, busyMs: stats.workers.map((w) => w.busyMs), cpuMs };
    },
    close: () => pool.close(),
  };
}
