import type { Kernels } from './kernels.js';

/**
 * A_k from right singular vectors: with the p rows of Vᵀ at `vt` (each of length cols), returns
 * (A V) Vᵀ, or A − (A V) Vᵀ when `complement` is set (V then spans the discarded directions),
 * as a new array. Uses the heap from `scratch` on for A V (rows x p) and the product.
 */
export function rebuildFromRightVectors(
  kernels: Kernels,
  a: number,
  rows: number,
  cols: number,
  vt: number,
  p: number,
  scratch: number,
  complement: boolean,
): Float64Array {
  const bOff = scratch;
  const cOff = bOff + rows * p;
  const heap = kernels.reserve(cOff + rows * cols);
  const size = rows * cols;
  if (p === 0) return complement ? heap.slice(a, a + size) : new Float64Array(size);
  kernels.dotsNT(a, rows, cols, vt, p, cols, cols, bOff, p);
  kernels.gemmNN(bOff, rows, p, p, vt, cols, cols, cOff, cols);
  const output = heap.slice(cOff, cOff + size);
  if (complement) {
    for (let i = 0; i < size; i++) output[i] = heap[a + i]! - output[i]!;
  }
  return output;
}

/**
 * A_k = B Vᵀ from B = A V given transposed (the p rows of Bᵀ, each of length rows, at `bt`) and
 * the p rows of Vᵀ at `vt`; returns a new array. Uses the heap from `scratch` on.
 */
export function rebuildFromProducts(
  kernels: Kernels,
  bt: number,
  rows: number,
  cols: number,
  vt: number,
  p: number,
  scratch: number,
): Float64Array {
  const bOff = scratch;
  const cOff = bOff + rows * p;
  const heap = kernels.reserve(cOff + rows * cols);
  for (let r = 0; r < p; r++) {
    for (let i = 0; i < rows; i++) heap[bOff + i * p + r] = heap[bt + r * rows + i]!;
  }
  kernels.gemmNN(bOff, rows, p, p, vt, cols, cols, cOff, cols);
  return heap.slice(cOff, cOff + rows * cols);
}
