import type { Kernels } from './kernels.js';
import { rebuildFromRightVectors } from './rebuild.js';
import { descendingOrder, tridiagonalEigen } from './tridiagonal.js';

/** Rows of the Gram matrix computed per kernel call (only blocks on or below the diagonal). */
const GRAM_BLOCK = 16;

/**
 * Best rank-k approximation of the rows x cols matrix already at heap offset 0 (rows >= cols),
 * by the full eigendecomposition of G = AᵀA: Householder tridiagonalization, implicit QL with
 * the eigenvectors carried along, then A_k = (A V_k) V_kᵀ, or A − (A V_r) V_rᵀ with the
 * discarded vectors V_r when fewer of those are needed. Squaring the singular values costs
 * accuracy only in directions whose σ² is below ε·σ₁², which contribute nothing visible to A_k.
 * Returns the heap offset of the result (valid until the heap is next used).
 */
export function denseLowRank(kernels: Kernels, rows: number, cols: number, rank: number): number {
  const n = cols;
  const aOff = 0;
  const atOff = rows * n;
  const gOff = atOff + rows * n;
  const pOff = gOff + n * n;
  const wOff = pOff + n;
  // Zᵀ reuses the transposed copy of A, which is dead once G is formed.
  const ztOff = atOff;
  let heap = kernels.reserve(wOff + n);

  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < n; j++) heap[atOff + j * rows + i] = heap[aOff + i * n + j]!;
  }
  for (let i0 = 0; i0 < n; i0 += GRAM_BLOCK) {
    const count = Math.min(GRAM_BLOCK, n - i0);
    kernels.dotsNT(atOff + i0 * rows, count, rows, atOff, i0 + count, rows, rows, gOff + i0 * n, n);
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) heap[gOff + i * n + j] = heap[gOff + j * n + i]!;
  }

  // Householder tridiagonalization G = Q T Qᵀ; reflector j is stored over row j of G, right of
  // the diagonal, scaled so that its first entry is 1.
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const betas = new Float64Array(n);
  for (let j = 0; j + 2 < n; j++) {
    const len = n - j - 1;
    const x = gOff + j * n + j + 1;
    d[j] = heap[gOff + j * n + j]!;
    let sigma = 0;
    for (let i = 1; i < len; i++) sigma += heap[x + i]! * heap[x + i]!;
    const x0 = heap[x]!;
    if (sigma === 0) {
      e[j] = x0;
      betas[j] = 0;
      continue;
    }
    const mu = Math.sqrt(x0 * x0 + sigma);
    // Householder vector without cancellation (Parlett): v0 = x0 - mu computed stably.
    const v0 = x0 <= 0 ? x0 - mu : -sigma / (x0 + mu);
    const beta = (2 * v0 * v0) / (sigma + v0 * v0);
    heap[x] = 1;
    for (let i = 1; i < len; i++) heap[x + i]! /= v0;
    e[j] = mu;
    betas[j] = beta;
    const trailing = gOff + (j + 1) * n + j + 1;
    kernels.dotRows(trailing, len, n, x, len, pOff);
    let pv = 0;
    for (let i = 0; i < len; i++) {
      heap[pOff + i]! *= beta;
      pv += heap[pOff + i]! * heap[x + i]!;
    }
    const half = (beta * pv) / 2;
    for (let i = 0; i < len; i++) heap[wOff + i] = heap[pOff + i]! - half * heap[x + i]!;
    kernels.rank2Rows(trailing, len, n, x, wOff, len);
  }
  if (n >= 2) {
    d[n - 2] = heap[gOff + (n - 2) * n + n - 2]!;
    e[n - 2] = heap[gOff + (n - 1) * n + n - 2]!;
  }
  d[n - 1] = heap[gOff + (n - 1) * n + n - 1]!;

  heap.fill(0, ztOff, ztOff + n * n);
  for (let i = 0; i < n; i++) heap[ztOff + i * n + i] = 1;
  tridiagonalEigen(d, e, (i, c, s) => kernels.rotate(ztOff + i * n, ztOff + (i + 1) * n, n, c, s));
  const order = descendingOrder(d);

  // Keep whichever side needs fewer vectors: the top k, or the n - k discarded ones.
  const complement = n - rank < rank;
  const p = complement ? n - rank : rank;
  const vtOff = gOff + n * n;
  const coefOff = vtOff + p * n;
  heap = kernels.reserve(coefOff + p);
  for (let r = 0; r < p; r++) {
    const src = ztOff + order[complement ? rank + r : r]! * n;
    heap.copyWithin(vtOff + r * n, src, src + n);
  }
  // Back to G's basis: apply the reflectors in reverse order to each selected row.
  for (let j = n - 3; j >= 0; j--) {
    const beta = betas[j]!;
    if (beta === 0) continue;
    const len = n - j - 1;
    const v = gOff + j * n + j + 1;
    kernels.dotRows(vtOff + j + 1, p, n, v, len, coefOff);
    for (let r = 0; r < p; r++) heap[coefOff + r]! *= beta;
    kernels.rank1Rows(vtOff + j + 1, p, n, coefOff, v, len);
  }
  return rebuildFromRightVectors(kernels, aOff, rows, n, vtOff, p, coefOff + p, complement);
}
