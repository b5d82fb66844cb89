/**
 * One run of the overhead benchmark's memory case, in a fresh process so that the peak resident
 * memory is this run's alone: `node overhead-memory-child.js lazy|array <elements> <workers>`.
 * Streams `trivial` over the elements (a generator, or an array built first) and prints one JSON
 * line: the peak resident memory, the wall time and a checksum of the results.
 */
import { performance } from 'node:perf_hooks';
import { array, createPool } from 'ppeval';

import { trivial } from './overhead-tasks.js';

function* numbers(n: number): Generator<number> {
  for (let k = 0; k < n; k++) yield k;
}

const [kind, elements, workers] = process.argv.slice(2);
const n = Number(elements);
const pool = createPool({ concurrency: Number(workers) });
try {
  const started = performance.now();
  const input = kind === 'lazy' ? array(numbers(n)) : array(Array.from({ length: n }, (_, k) => k));
  let sum = 0;
  let count = 0;
  for await (const { value } of pool.stream(trivial, input)) {
    sum += value;
    count += 1;
  }
  const wallMs = performance.now() - started;
  if (count !== n) throw new Error(`${kind}: ${count} results of ${n}`);
  // maxRSS is in kilobytes: the process's peak, worker threads included.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ kind, elements: n, peakRssBytes, wallMs, sum })}\n`);
} finally {
  await pool.close();
}
