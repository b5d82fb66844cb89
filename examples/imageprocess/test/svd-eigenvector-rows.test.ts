// tridiagonalEigenvectorRows: the top-k eigenvectors of T from QL's recorded rotations, applied
// backwards to k unit rows, against accumulating every rotation into the whole of Zᵀ.
import { describe, expect, it } from 'vitest';
import { createJsKernels } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { tridiagonalEigenvectorRows } from '../src/svd/lanczos.js';
import { descendingOrder, plainHypot, tridiagonalEigen } from '../src/svd/tridiagonal.js';
import { wasmKernelsOf } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

/** A Lanczos-like T: positive diagonal decaying from 1e6, off-diagonal of the same order. */
function tridiagonal(m: number, seed: number): { d: Float64Array; e: Float64Array } {
  const next = random(seed);
  const d = Float64Array.from({ length: m }, (_, i) => 1e6 * (0.2 + next()) * 0.9 ** i);
  const e = Float64Array.from({ length: m }, (_, i) => (i < m - 1 ? 3e5 * next() * 0.9 ** i : 0));
  return { d, e };
}

/** The old way: every rotation (of the same QL, plain √(a² + b²)) applied to the whole of Zᵀ, then the top-k rows. */
function fullAccumulation(d0: Float64Array, e0: Float64Array, k: number): Float64Array[] {
  const m = d0.length;
  const d = d0.slice();
  const e = e0.slice();
  const zt = Array.from({ length: m }, (_, i) =>
    Float64Array.from({ length: m }, (_, j) => +(i === j)),
  );
  tridiagonalEigen(
    d,
    e,
    (i, c, s) => {
      const x = zt[i]!;
      const y = zt[i + 1]!;
      for (let j = 0; j < m; j++) {
        const xj = x[j]!;
        const yj = y[j]!;
        x[j] = c * xj - s * yj;
        y[j] = s * xj + c * yj;
      }
    },
    plainHypot,
  );
  return descendingOrder(d)
    .slice(0, k)
    .map((r) => zt[r]!);
}

function rows(
  kernels: Kernels,
  d: Float64Array,
  e: Float64Array,
  k: number,
  initialCapacity?: number,
): Float64Array[] {
  const m = d.length;
  const out = 5;
  const heap = tridiagonalEigenvectorRows(kernels, d, e, k, out, initialCapacity);
  return Array.from({ length: k }, (_, r) => heap.slice(out + r * m, out + (r + 1) * m));
}

const CASES = [
  [1, 1],
  [2, 1],
  [7, 7],
  [45, 20],
  [120, 50],
  [166, 100],
] as const;

describe('tridiagonalEigenvectorRows', () => {
  it.each(CASES)(
    'm = %i, k = %i: the eigenvectors full accumulation gives, to rounding',
    (m, k) => {
      const { d, e } = tridiagonal(m, 17 * m + k);
      const want = fullAccumulation(d, e, k);
      const got = rows(wasmKernelsOf('baseline')!, d, e, k);
      for (let r = 0; r < k; r++) {
        for (let i = 0; i < m; i++)
          expect(Math.abs(got[r]![i]! - want[r]![i]!)).toBeLessThan(1e-13);
      }
      // T y = θ y for each row, θ the r-th largest eigenvalue.
      const theta = d.slice();
      tridiagonalEigen(theta, e.slice(), () => {});
      const sorted = [...theta].sort((a, b) => b - a);
      for (let r = 0; r < k; r++) {
        const y = got[r]!;
        for (let i = 0; i < m; i++) {
          const ty =
            d[i]! * y[i]! +
            (i > 0 ? e[i - 1]! * y[i - 1]! : 0) +
            (i < m - 1 ? e[i]! * y[i + 1]! : 0);
          expect(Math.abs(ty - sorted[r]! * y[i]!)).toBeLessThan(1e-8 * sorted[0]!);
        }
      }
      // The inputs are left as they were.
      expect([...d]).toEqual([...tridiagonal(m, 17 * m + k).d]);
      expect([...e]).toEqual([...tridiagonal(m, 17 * m + k).e]);
    },
  );

  it('gives the same bits when the record of rotations outgrows its first room in the heap', () => {
    for (const make of [() => wasmKernelsOf('baseline')!, () => createJsKernels()]) {
      const { d, e } = tridiagonal(120, 3);
      const want = rows(make(), d, e, 50);
      const got = rows(make(), d, e, 50, 1);
      expect(got.map((r) => [...r])).toEqual(want.map((r) => [...r]));
    }
  });

  it('gives the same bits with the WebAssembly and the TypeScript kernels', () => {
    for (const [m, k] of CASES) {
      const { d, e } = tridiagonal(m, 5 * m + k);
      const wasm = rows(wasmKernelsOf('baseline')!, d, e, k);
      const js = rows(createJsKernels(), d, e, k);
      expect(wasm.map((r) => [...r])).toEqual(js.map((r) => [...r]));
    }
  });
});
