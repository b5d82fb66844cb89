/**
 * The worker cases of `npm run bench -- overhead` (`--case workers`): what recycling, speculation
 * and transferred results cost or save, each against the same work without them, in one run.
 *
 * (c) The cost of one worker restart: elements run with `maxElementsPerWorker: 1` (a new worker
 *     for every element) against the same elements on kept workers, divided by the restarts.
 * (d) A tail with one 10x straggler (elements of about 50 ms, one of them 500 ms on its first
 *     run), with and without `speculate: true`.
 * (e) Large typed-array results (8 MB each) from worker threads: moved with
 *     `transferResults: true` against copied (the default), the same results.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { array, createPool, range } from 'ppeval';
import type { CallStats } from 'ppeval';

import { bigResult, straggler, trivial } from './overhead-tasks.js';
import { formatDuration, formatTable } from './report.js';
import type { BenchContext } from './types.js';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Runs the three cases; logs one table and returns the figures. */
export async function runWorkerCases(
  ctx: BenchContext,
  workers: number,
  repeats: number,
): Promise<Record<string, unknown>> {
  const restarts = ctx.tiny ? 8 : 40;
  const tailElements = ctx.tiny ? 8 : 32;
  const tailMs = ctx.tiny ? 20 : 50;
  const doubles = ctx.tiny ? 65_536 : 1_048_576;
  const results = ctx.tiny ? 4 : 16;
  const kept = createPool({ concurrency: workers, idleTimeout: Infinity });
  const recycled = createPool({ concurrency: workers, maxElementsPerWorker: 1 });
  const keptMs: number[] = [];
  const recycledMs: number[] = [];
  const plainTail: number[] = [];
  const speculativeTail: number[] = [];
  const copiedMs: number[] = [];
  const movedMs: number[] = [];
  let wins = 0;
  try {
    // Warm-up: workers started and modules loaded in both pools.
    await kept.ppeval(trivial, array(range(0, workers)));
    await recycled.ppeval(trivial, array(range(0, workers)));
    for (let r = 0; r < repeats; r++) {
      ctx.signal?.throwIfAborted();
      ctx.progress(r, repeats, 'worker cases');
      const one = kept.ppeval.with({ chunkSize: 1 });
      keptMs.push(await timed(() => one(trivial, array(range(0, restarts)))));
      recycledMs.push(await timed(() => recycled.ppeval(trivial, array(range(0, restarts)))));
      const slow = tailElements - 3;
      const tail = (speculate: boolean, onStats?: (s: CallStats) => void): Promise<unknown> =>
        kept.ppeval.with({ speculate, chunkSize: 1, ...(onStats ? { onStats } : {}) })(
          straggler,
          array(range(0, tailElements)),
          new Int32Array(new SharedArrayBuffer(4)),
          slow,
          tailMs,
        );
      plainTail.push(await timed(() => tail(false)));
      speculativeTail.push(
        await timed(() => tail(true, (s) => (wins += s.speculationWins > 0 ? 1 : 0))),
      );
      copiedMs.push(
        await timed(() => kept.ppeval(bigResult, array(range(0, results)), doubles, true)),
      );
      movedMs.push(
        await timed(() =>
          kept.ppeval.with({ transferResults: true })(
            bigResult,
            array(range(0, results)),
            doubles,
            true,
          ),
        ),
      );
    }
  } finally {
    await Promise.all([kept.close(), recycled.close()]);
  }
  const restartMs = (median(recycledMs) - median(keptMs)) / restarts;
  const mb = (doubles * 8) / 2 ** 20;
  const rows = [
    [
      `(c) ${restarts} elements, a new worker for each`,
      `${formatDuration(median(recycledMs))} vs ${formatDuration(median(keptMs))} kept`,
      `${restartMs.toFixed(1)} ms per restart`,
    ],
    [
      `(d) ${tailElements} x ${tailMs} ms, one 10x straggler`,
      `${formatDuration(median(speculativeTail))} speculating vs ${formatDuration(median(plainTail))}`,
      `${(median(plainTail) / median(speculativeTail)).toFixed(2)}x (copy won ${wins}/${repeats})`,
    ],
    [
      `(e) ${results} results of ${mb} MB`,
      `${formatDuration(median(movedMs))} transferred vs ${formatDuration(median(copiedMs))} copied`,
      `${(median(copiedMs) / median(movedMs)).toFixed(2)}x`,
    ],
  ];
  ctx.log(`Worker cases on ${workers} worker threads, median of ${repeats}`);
  for (const line of formatTable(['case', 'wall', 'figure'], rows)) ctx.log(line);
  ctx.log('');
  return {
    restarts,
    keptMs,
    recycledMs,
    restartMs,
    tail: { elements: tailElements, ms: tailMs, plainTail, speculativeTail, wins },
    results: { count: results, bytes: doubles * 8, copiedMs, movedMs },
  };
}
