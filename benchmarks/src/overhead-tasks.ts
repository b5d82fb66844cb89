/**
 * The work of `npm run bench -- overhead`, as worker modules see it: the same two functions for
 * ppeval (called with the element) and for raw tinypool and piscina (called with one task
 * value, looked up by export name).
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

/** A trivial element: what measures pure per-element overhead. */
export function trivial(k: number): number {
  return k + 1;
}

/**
 * About `iterations` steps of a xorshift generator: pure CPU work that the JIT cannot remove.
 * Returns the milliseconds it took in the worker, so that the benchmark knows the real work.
 */
export function burn(iterations: number): number {
  const started = performance.now();
  let x = 0x9e3779b9 ^ iterations;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  // Keep x alive: a result the caller never reads would let the loop be optimized away.
  if (x === 0.5) throw new Error('unreachable');
  return performance.now() - started;
}

/** ppeval's form of {@link burn}: element index first, then the broadcast iteration count. */
export function burnElement(_k: number, iterations: number): number {
  return burn(iterations);
}

/**
 * A result of `n` doubles: `whole` owns its buffer (transferred from a worker thread); else it
 * is a view that leaves out the buffer's first 8 bytes, which ppeval copies.
 */
export function bigResult(k: number, n: number, whole: boolean): Float64Array {
  const out = whole ? new Float64Array(n) : new Float64Array(new ArrayBuffer((n + 1) * 8), 8, n);
  return out.fill(k);
}

/**
 * Sleeps `ms`, or `10 * ms` for element `slow` on its first run only (the run that flips
 * `flag[0]` from 0 to 1: the flag is shared by all threads), so that a copy of it is fast.
 */
export async function straggler(
  k: number,
  flag: Int32Array,
  slow: number,
  ms: number,
): Promise<number> {
  const first = k === slow && Atomics.compareExchange(flag, 0, 0, 1) === 0;
  await new Promise((resolve) => setTimeout(resolve, first ? 10 * ms : ms));
  return k;
}
