import type { Kernels } from './kernels.js';

/**
 * A_k from right singular vectors: with the p rows of Vᵀ at `vt` (each of length cols), computes
 * (A V) Vᵀ, or A − (A V) Vᵀ when `complement` is set (V then spans the discarded directions),
 * in the heap from `scratch` on (A V, rows x p, then the product). Returns the heap offset of
 * the rows x cols result, which stays valid until the heap is next used.
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
): number {
  const bOff = scratch;
  const cOff = bOff + rows * p;
  const heap = kernels.reserve(cOff + rows * cols);
  const size = rows * cols;
  if (p === 0) {
    if (complement) return a;
    heap.fill(0, cOff, cOff + size);
    return cOff;
  }
  kernels.dotsNT(a, rows, cols, vt, p, cols, cols, bOff, p);
  kernels.gemmNN(bOff, rows, p, p, vt, cols, cols, cOff, cols);
  if (complement) {
    for (let i = 0; i < size; i++) heap[cOff + i] = heap[a + i]! - heap[cOff + i]!;
  }
  return cOff;
}

/**
 * A_k = B Vᵀ from B = A V given transposed (the p rows of Bᵀ, each of length rows, at `bt`) and
 * the p rows of Vᵀ at `vt`, computed in the heap from `scratch` on. Returns the heap offset of
 * the rows x cols result, which stays valid until the heap is next used.
 */
export function rebuildFromProducts(
  kernels: Kernels,
  bt: number,
  rows: number,
  cols: number,
  vt: number,
  p: number,
  scratch: number,
): number {
  const bOff = scratch;
  const cOff = bOff + rows * p;
  const heap = kernels.reserve(cOff + rows * cols);
  for (let r = 0; r < p; r++) {
    const src = bt + r * rows;
    for (let i = 0, dst = bOff + r; i < rows; i++, dst += p) heap[dst] = heap[src + i]!;
  }
  kernels.gemmNN(bOff, rows, p, p, vt, cols, cols, cOff, cols);
  return cOff;
}
