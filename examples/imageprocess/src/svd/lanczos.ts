import { u8LimbBytes, u8Stride } from './kernels.js';
import type { Kernels } from './kernels.js';
import { TridiagonalError, descendingOrder, plainHypot, tridiagonalEigen } from './tridiagonal.js';

/**
 * Residual tolerance relative to the largest Ritz value of AᵀA. 1e-8 left 0.08 % of the samples
 * of a real photo one level off at rank 100 and 1e-9 0.01 %; 1e-10 is where the output becomes
 * the exact one (measured on a prototype before this code); 1e-11 buys margin for a few steps.
 */
const TOLERANCE = 1e-11;

/** What {@link lanczosLowRank} returns: the factors of A_k in the heap, or that it gave up. */
export type LanczosResult =
  | { readonly converged: true; readonly factors: LowRankFactors; readonly steps: number }
  | {
      readonly converged: false;
      readonly steps: number;
      /** Stopped at a near-invariant subspace that only precision 'full' can tell apart. */
      readonly needsFullPrecision?: true;
    };

/**
 * A_k = B Vᵀ of a rows x cols matrix as two factors in the heap: the p rows of Bᵀ = (A V_k)ᵀ
 * at `bt` (each of length rows) and the p rows of V_kᵀ at `vt` (each of length cols); the heap
 * is free from `free` on. Valid until the heap is next used.
 */
export interface LowRankFactors {
  readonly bt: number;
  readonly vt: number;
  readonly p: number;
  readonly free: number;
}

/** Deterministic uniform numbers in [-0.5, 0.5): the start vector must not vary between runs. */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
}

/**
 * How the matrix lies in the heap from byte 0: float64 values, or (for integers 0..255, such as
 * 8-bit samples) bytes, A and then Aᵀ as {@link u8HeapLayout} places them, which the Gram step
 * reads with exact integer arithmetic (an eighth of the bytes of float64 per pass).
 */
export type MatrixStorage = 'float64' | 'uint8';

/**
 * How exactly the uint8 Gram step rounds its vectors. 'full': to 46 bits (three int16 limbs),
 * about 2^-46 of each vector's largest entry, so that A_k is accurate to the stopping tolerance
 * and invariant subspaces show as a β at round-off level. 'floors': to 31 bits (two limbs,
 * about 0.6x the time per step), for callers that only floor A_k to integers: on the 21 test
 * images at ranks 20, 50 and 100, 2 of 102 million floored samples differed from 'full'. A
 * β that small rounding can hide behind (below {@link FLOORS_INVARIANT} of the largest Ritz
 * value) stops the run with `needsFullPrecision`. float64 storage is always 'full'.
 */
export type LanczosPrecision = 'full' | 'floors';

/**
 * The β, relative to ‖AᵀA‖, under which precision 'floors' hands over to 'full': above the
 * rounding of 31-bit vectors (at most about 2^-31 (√rows + √cols), 3e-8 for a 1064x1064 band)
 * and below every β of the test photographs and noise images (the smallest, 2.9e-7).
 */
export const FLOORS_INVARIANT = 2 ** -24;
/**
 * Where the uint8 storage of a rows x cols matrix puts A and Aᵀ (byte addresses, rows padded to
 * 16 bytes with zeros) and how many float64 elements of the heap the two take (a multiple of 2,
 * so that what follows stays 16-byte aligned).
 */
export function u8HeapLayout(rows: number, cols: number): { at8: number; elements: number } {
  const at8 = rows * u8Stride(cols);
  const bytes = at8 + cols * u8Stride(rows);
  return { at8, elements: 2 * Math.ceil(bytes / 16) };
}

/**
 * Best rank-k approximation of the rows x cols matrix already at the start of the heap (rows >=
 * cols), stored as `storage` says, by Lanczos on AᵀA with full
 * reorthogonalization (Gram-Schmidt against the whole basis every step) and a residual
 * stopping test; A_k = (A V_k) V_kᵀ comes back as its two factors, A V_k = (A Q) Y_k from the
 * stored A q_j.
 * Gives up (converged: false) when the Krylov dimension reaches `maxSteps` without every top-k
 * residual below tolerance, or on an invariant subspace outside which AᵀA is not null (repeated
 * singular values); the caller then uses the dense method. Under precision 'floors' a nearly
 * invariant subspace stops it with `needsFullPrecision`, for the caller to run it again with
 * 'full'.
 */
export function lanczosLowRank(
  kernels: Kernels,
  rows: number,
  cols: number,
  rank: number,
  maxSteps: number,
  storage: MatrixStorage = 'float64',
  precision: LanczosPrecision = 'full',
): LanczosResult {
  const n = cols;
  const cap = Math.min(n, Math.max(maxSteps, rank + 2));
  const aOff = 0;
  const bytes = storage === 'uint8' ? u8HeapLayout(rows, n) : undefined;
  const floors = bytes !== undefined && precision === 'floors';
  const limbCount = floors ? 2 : 3;
  const qOff = aOff + (bytes ? bytes.elements : rows * n);
  const zOff = qOff + (cap + 1) * n;
  // Row j of T holds A q_j, a by-product of the Gram step: A V_k = T Y_k then costs a small
  // GEMM instead of a pass over A per singular vector.
  const tOff = zOff + n;
  const hOff = tOff + (cap + 1) * rows;
  const localOff = hOff + cap + 1;
  // The limbs of the uint8 Gram step (bytes), from a 16-byte boundary.
  const limbsOff = localOff + 3 + ((localOff + 3) % 2);
  // The stopping test's tridiagonal eigenproblem (3 rows of up to cap values).
  const testOff = limbsOff + (bytes ? Math.ceil(u8LimbBytes(rows, n) / 8) : 0);
  const end = testOff + 3 * cap;
  let heap = kernels.reserve(end);
  const gram = bytes
    ? (q: number, t: number, z: number) =>
        kernels.gramStepU8(0, bytes.at8, rows, n, q, t, z, 8 * limbsOff, limbCount)
    : (q: number, t: number, z: number) => kernels.gramStep(aOff, rows, n, q, t, z);

  const alpha = new Float64Array(cap);
  const beta = new Float64Array(cap);
  const random = xorshift(0x5eed + rows * 31 + cols);
  let normG = 0;

  // Norms by the kernels' dot product (SIMD, the same bits in both kernel sets), into the
  // third local slot.
  const norm = (off: number): number => {
    kernels.dotRows(off, 1, n, off, n, localOff + 2);
    return Math.sqrt(heap[localOff + 2]!);
  };
  const scale = (off: number, factor: number): void => {
    for (let j = 0; j < n; j++) heap[off + j]! *= factor;
  };
  // Two passes of classical Gram-Schmidt against the first `count` basis vectors ("twice is
  // enough"); returns the coefficient on the last one (the Lanczos alpha when z = AᵀA q_last).
  const orthogonalize = (count: number): number => {
    let last = 0;
    for (let pass = 0; pass < 2; pass++) {
      kernels.dotRows(qOff, count, n, zOff, n, hOff);
      kernels.subtractRows(qOff, count, n, hOff, zOff, n);
      last += heap[hOff + count - 1]!;
    }
    return last;
  };

  // The step's own orthogonalization: the three-term recurrence first, z -= β q_{j-1} + α q_j,
  // which removes the large components, then one classical Gram-Schmidt pass against the whole
  // basis for what round-off left, and a second pass only where the first removed much (the
  // norm fell below 1/√2 of its value: Daniel, Gragg, Kaufman and Stewart's criterion). Full
  // reorthogonalization as before, at about half the cost. Returns α and leaves ‖z‖ in zNorm.
  let zNorm = 0;
  const lanczosOrthogonalize = (j: number): number => {
    kernels.dotRows(qOff + j * n, 1, n, zOff, n, localOff + 1);
    let a = heap[localOff + 1]!;
    if (j > 0) {
      heap[localOff] = beta[j - 1]!;
      kernels.subtractRows(qOff + (j - 1) * n, 2, n, localOff, zOff, n);
    } else {
      kernels.subtractRows(qOff, 1, n, localOff + 1, zOff, n);
    }
    zNorm = norm(zOff);
    for (let pass = 0; pass < 2; pass++) {
      const before = zNorm;
      kernels.dotRows(qOff, j + 1, n, zOff, n, hOff);
      kernels.subtractRows(qOff, j + 1, n, hOff, zOff, n);
      a += heap[hOff + j]!;
      zNorm = norm(zOff);
      if (zNorm >= Math.SQRT1_2 * before) break;
    }
    return a;
  };

  for (let j = 0; j < n; j++) heap[qOff + j] = random();
  scale(qOff, 1 / norm(qOff));

  const restOfSpaceIsNull = (count: number): boolean => {
    for (let j = 0; j < n; j++) heap[zOff + j] = random();
    const before = norm(zOff);
    orthogonalize(count);
    const after = norm(zOff);
    // Nothing left outside the basis (to round-off): the basis spans the whole space.
    if (after <= 1e-8 * before) return true;
    scale(zOff, 1 / after);
    const probe = qOff + count * n;
    heap.copyWithin(probe, zOff, zOff + n);
    gram(probe, tOff + count * rows, zOff);
    return norm(zOff) <= TOLERANCE * normG;
  };

  let steps = 0;
  let converged = false;
  const schedule = new TestSchedule(rank);
  let nextTest = Math.min(schedule.first, cap);
  while (steps < cap) {
    const j = steps;
    gram(qOff + j * n, tOff + j * rows, zOff);
    normG = Math.max(normG, norm(zOff));
    alpha[j] = lanczosOrthogonalize(j);
    const b = zNorm;
    steps = j + 1;
    if (floors && b <= FLOORS_INVARIANT * normG) {
      return { converged: false, steps, needsFullPrecision: true };
    }
    if (b <= 64 * Number.EPSILON * normG) {
      // An invariant subspace: its Ritz pairs are exact, but eigenvalues outside it stay
      // invisible to Lanczos. Probe the rest of the space with one random vector: if AᵀA maps
      // it to (numerically) nothing, the matrix's rank is exhausted (flat colours, gradients,
      // exactly low-rank data) and the basis found so far gives A_k. Otherwise the spectrum has
      // repeated values in several directions: leave those rare inputs to the dense method.
      if (steps < n && !restOfSpaceIsNull(steps)) return { converged: false, steps };
      beta[j] = 0;
      converged = true;
      break;
    } else {
      scale(zOff, 1 / b);
    }
    beta[j] = b;
    if (steps < n) heap.copyWithin(qOff + steps * n, zOff, zOff + n);

    if (steps >= nextTest || steps >= cap) {
      const worst =
        steps >= rank ? worstResidual(kernels, testOff, alpha, beta, steps, rank) : Infinity;
      if (worst <= 1) {
        converged = true;
        break;
      }
      nextTest = steps + schedule.wait(steps, worst);
    }
  }
  if (!converged) return { converged: false, steps };

  // Ritz vectors: the top-k eigenvectors of T_m (rows of Y_kᵀ in the heap), then V_kᵀ = Y_kᵀ Q.
  // After an exhausted rank the basis may hold fewer than k vectors: the missing ones add
  // nothing to A_k.
  const m = steps;
  const p = Math.min(rank, m);
  const vtOff = end;
  const ySel = vtOff + p * n;
  heap = tridiagonalEigenvectorRows(kernels, alpha.subarray(0, m), beta.subarray(0, m), p, ySel);
  const btOff = ySel + p * m;
  heap = kernels.reserve(btOff + p * rows);
  kernels.gemmNN(ySel, p, m, m, qOff, n, n, vtOff, n);
  kernels.gemmNN(ySel, p, m, m, tOff, rows, rows, btOff, rows);
  return { converged: true, factors: { bt: btOff, vt: vtOff, p, free: btOff + p * rows }, steps };
}

/**
 * The eigenvectors of the k largest eigenvalues of the m x m symmetric tridiagonal matrix with
 * diagonal `diagonal` and off-diagonal `offDiagonal` (both left as they are), in descending
 * order of eigenvalue, as the k rows (m values each) of a block at element `out`; the heap is
 * free after it. Returns the heap.
 *
 * Zᵀ = G_N ⋯ G_1 for QL's N rotations (tridiagonalEigen), so its k wanted rows are the unit
 * rows E_kᵀ times G_N ⋯ G_1: the rotations are recorded (about m² of them), then applied to
 * E_k from the last one back (rotateBack), each on rows of k values instead of Zᵀ's m. Same
 * eigenvectors as accumulating all of Zᵀ, to rounding, in (k/m)-th of the flops and one call;
 * the record takes about 24-30 m² bytes of the heap where Zᵀ took 8 m² (QL makes 0.95-1.05 m²
 * rotations on the photographs).
 */
export function tridiagonalEigenvectorRows(
  kernels: Kernels,
  diagonal: Float64Array,
  offDiagonal: Float64Array,
  k: number,
  out: number,
  /** Rotations the heap first makes room for (tests pass a small one to exercise growth). */
  initialCapacity = Math.ceil(1.25 * diagonal.length * diagonal.length) + 16,
): Float64Array {
  const m = diagonal.length;
  const d = diagonal.slice();
  const e = offDiagonal.slice();
  // The rotations go straight into the heap after W, as float64 triples (i, c, s); QL makes
  // about m² of them, and the heap grows (its contents kept) if it makes more.
  const wOff = out + k * m;
  const rotOff = wOff + m * k;
  let capacity = Math.max(1, initialCapacity);
  let heap = kernels.reserve(rotOff + 3 * capacity);
  let count = 0;
  tridiagonalEigen(
    d,
    e,
    (i, c, s) => {
      if (count === capacity) {
        capacity *= 2;
        heap = kernels.reserve(rotOff + 3 * capacity);
      }
      const at = rotOff + 3 * count;
      heap[at] = i;
      heap[at + 1] = c;
      heap[at + 2] = s;
      count++;
    },
    plainHypot,
  );
  const order = descendingOrder(d);
  // W (m x k) from the unit columns e_order[r], then W <- W G_N ⋯ G_1 in the transposed sense
  // (rotateBack), then the k rows of Wᵀ into `out`.
  heap.fill(0, wOff, wOff + m * k);
  for (let r = 0; r < k; r++) heap[wOff + order[r]! * k + r] = 1;
  kernels.rotateBack(wOff, k, k, rotOff, count);
  for (let r = 0; r < k; r++) {
    for (let i = 0; i < m; i++) heap[out + r * m + i] = heap[wOff + i * k + r]!;
  }
  return heap;
}

/**
 * When to run the stopping test. Photographs converge at a Krylov dimension of 1.5k to 2.4k (the
 * generated images from 1.5k), and white noise later still: a fixed test interval either
 * overshoots (every step past convergence is a wasted pass over A) or costs a QL sweep per step.
 * The first test is at 1.5k. The worst residual falls roughly geometrically with the dimension,
 * so after two tests the next one is placed where the trend crosses the tolerance (rounded
 * down, never more than k/5 steps ahead). The fall speeds up towards the end, so the trend of
 * the last two tests tends to overestimate the distance: aiming half way, as this once did,
 * tested at every one of the last four or five steps. A test costs 0.3-4 Gram steps (a QL of
 * the m x m tridiagonal against a pass over the band: 0.03 ms at rank 20 to 0.4 ms at rank 100,
 * against 0.1 ms a step for a 1064x1064 band). On the 17 photographs at ranks 20, 50 and 100,
 * starting at 1.5k and capping at k/5 instead of 1.25k and k/10 took 46, 49 and 49 % fewer
 * tests for 0, 0.9 and 1.6 % more steps, 0.97x, 0.96x and 0.97x the time (paired); on 16
 * generated images 0.97x, 0.98x and 0.99x.
 */
export class TestSchedule {
  /** The dimension of the first test. */
  readonly first: number;
  readonly #longest: number;
  readonly #initial: number;
  #previous: { steps: number; worst: number } | undefined;

  constructor(rank: number) {
    this.first = Math.max(rank + 2, Math.ceil(1.5 * rank));
    this.#initial = Math.max(2, Math.floor(rank / 10));
    this.#longest = Math.max(2, Math.ceil(rank / 5));
  }

  /** Steps to the next test, after a test at `steps` whose worst residual/tolerance was `worst`. */
  wait(steps: number, worst: number): number {
    const previous = this.#previous;
    this.#previous = { steps, worst };
    if (!previous || !Number.isFinite(worst) || !(worst < previous.worst)) return this.#initial;
    const perStep = Math.log(previous.worst / worst) / (steps - previous.steps);
    const needed = Math.log(worst) / perStep;
    return Math.min(this.#longest, Math.max(1, Math.floor(needed)));
  }
}

/**
 * The Lanczos stopping test: every one of the top-k Ritz pairs (θ, y) of T_m has residual
 * ‖AᵀA x − θ x‖ = β_m |y_m| at most TOLERANCE times the largest Ritz value. Only the last
 * components of the eigenvectors are needed, so the QL rotations are applied to one row (by the
 * kernels, in the heap from `scratch`, which has room for 3m values). Returns the largest
 * residual over the top k in units of that bound: converged when <= 1.
 */
function worstResidual(
  kernels: Kernels,
  scratch: number,
  alpha: Float64Array,
  beta: Float64Array,
  m: number,
  rank: number,
): number {
  const heap = kernels.heap;
  const [d, e, last] = [scratch, scratch + m, scratch + 2 * m];
  heap.set(alpha.subarray(0, m), d);
  heap.set(beta.subarray(0, m), e);
  heap.fill(0, last, last + m);
  heap[last + m - 1] = 1;
  const failed = kernels.lastRowEigen(d, e, last, m);
  if (failed !== 0) throw new TridiagonalError(failed - 1, m);
  const theta = heap.slice(d, d + m);
  const order = descendingOrder(theta);
  const top = theta[order[0]!]!;
  const bm = beta[m - 1]!;
  if (top <= 0) return 0;
  let worst = 0;
  for (let r = 0; r < rank; r++) {
    worst = Math.max(worst, (bm * Math.abs(heap[last + order[r]!]!)) / (TOLERANCE * top));
  }
  return worst;
}
