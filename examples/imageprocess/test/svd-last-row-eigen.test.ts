import { expect, it } from 'vitest';
import { createJsKernels } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { wasmKernels } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

/** lastRowEigen on (d, e) with the last row e_n: the eigenvalues and the rotated row. */
function run(kernels: Kernels, d: number[], e: number[]) {
  const n = d.length;
  const heap = kernels.reserve(3 * n + 4);
  heap.set(d, 1);
  heap.set(e, 1 + n);
  heap.fill(0, 1 + 2 * n, 1 + 3 * n);
  heap[3 * n] = 1;
  const status = kernels.lastRowEigen(1, 1 + n, 1 + 2 * n, n);
  const h = kernels.heap;
  return {
    status,
    values: Array.from(h.subarray(1, 1 + n)),
    last: Array.from(h.subarray(1 + 2 * n, 1 + 3 * n)),
  };
}

it('gives the same bits with the WebAssembly and the TypeScript kernels, and an eigendecomposition', () => {
  const next = random(17);
  const cases: [number[], number[]][] = [
    [[3], [0]],
    [
      [2, 1],
      [0.5, 0],
    ],
    // A split (zero coupling), repeated diagonal entries, tiny couplings.
    [
      [1, 1, 1, 2, 2],
      [0, 1e-300, 0.25, 0, 0],
    ],
  ];
  for (const n of [7, 50, 170]) {
    cases.push([
      Array.from({ length: n }, (_, i) => 1e4 / (1 + i) + next()),
      Array.from({ length: n }, (_, i) => 50 / (1 + i) + next()),
    ]);
  }
  for (const [d, e] of cases) {
    const a = run(wasmKernels()!, d, e);
    const b = run(createJsKernels(), d, e);
    expect(a).toEqual(b);
    expect(a.status).toBe(0);
    // The trace is kept, and the last row stays a unit vector (a product of rotations).
    const trace = d.reduce((s, x) => s + x, 0);
    expect(a.values.reduce((s, x) => s + x, 0)).toBeCloseTo(trace, 6);
    expect(Math.hypot(...a.last)).toBeCloseTo(1, 12);
  }
});
