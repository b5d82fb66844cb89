/** The QL iteration did not converge (never seen in practice): which eigenvalue, of how many. */
export class TridiagonalError extends Error {
  constructor(
    readonly index: number,
    readonly size: number,
  ) {
    super(
      `The tridiagonal QL iteration did not converge for eigenvalue ${index} of ${size}; please report this input.`,
    );
    this.name = 'TridiagonalError';
  }
}

/**
 * √(a² + b²) computed plainly, for {@link tridiagonalEigen} on entries whose squares neither
 * overflow nor underflow (the Lanczos tridiagonals of 8- and 16-bit images: at most about
 * 65535² rows cols): cheaper than Math.hypot in V8, and within about an ulp of it.
 */
export const plainHypot = (a: number, b: number): number => Math.sqrt(a * a + b * b);

/**
 * Eigenvalues of a real symmetric tridiagonal matrix by the implicit QL algorithm with shifts,
 * reporting every plane rotation so that the caller decides which rows of the eigenvector
 * matrix to carry along: all of them (the eigenvectors) or only the last one (what the Lanczos
 * residual test needs, in O(n) per sweep instead of O(n²)).
 *
 * On entry `d` holds the diagonal and `e[i]` the entry coupling i and i + 1 (e[n - 1] unused);
 * on return `d` holds the eigenvalues (unsorted) and `e` is destroyed. `rotate(i, c, s)` means:
 * row i of Zᵀ becomes c·zᵢ − s·zᵢ₊₁ and row i + 1 becomes s·zᵢ + c·zᵢ₊₁, where Zᵀ starts as
 * the identity and its rows end up as the eigenvectors, in the order of `d`.
 *
 * `hypot` computes √(a² + b²): Math.hypot by default (safe from overflow, but slow in V8);
 * callers whose entries cannot overflow when squared may pass a faster one.
 */
export function tridiagonalEigen(
  d: Float64Array,
  e: Float64Array,
  rotate: (i: number, c: number, s: number) => void,
  hypot: (a: number, b: number) => number = Math.hypot,
): void {
  const n = d.length;
  if (n > 0) e[n - 1] = 0;
  // Deflate against the matrix's norm, not only the neighbouring diagonal: next to eigenvalues
  // near zero (rank-deficient Gram matrices) an off-diagonal entry stagnates at round-off of the
  // large entries, and a purely relative test then never passes. Eigenvalues are accurate to
  // ε‖T‖ in absolute terms, all that A_k needs.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i]!));
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * Math.max(dd, norm)) break;
      }
      if (m === l) break;
      if (++iterations > 100) {
        // Never seen in practice (QL converges cubically); refusing beats returning garbage.
        throw new TridiagonalError(l, n);
      }
      // Wilkinson-style shift from the leading 2x2 block, applied implicitly.
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // The rotation vanished: the matrix split here; restart the sweep on the part above.
          d[i + 1]! -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        rotate(i, c, s);
      }
      if (underflow) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** Indices of `values` ordered from the largest value to the smallest (ties by index). */
export function descendingOrder(values: Float64Array): number[] {
  const order = Array.from(values.keys());
  order.sort((a, b) => values[b]! - values[a]! || a - b);
  return order;
}
