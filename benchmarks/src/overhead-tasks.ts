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
