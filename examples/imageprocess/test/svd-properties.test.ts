import { describe, expect, it } from 'vitest';
import { lowRankApproximation, lowRankApproximationDetailed } from '../src/svd/index.js';
import type { SvdMethod } from '../src/svd/index.js';
import { wasmKernels } from '../src/svd/wasm-kernels.js';
import {
  agreement,
  exactSvd,
  frobenius,
  noiseImage,
  random,
  rebuild,
  transpose,
  withSpectrum,
} from './svd-helpers.js';

const FAST: { method: SvdMethod; kernels: 'wasm' | 'js' }[] = [
  { method: 'lanczos', kernels: 'wasm' },
  { method: 'lanczos', kernels: 'js' },
  { method: 'dense', kernels: 'wasm' },
  { method: 'dense', kernels: 'js' },
];

/** A slowly decaying spectrum with a flat tail, like a photograph's. */
const photoLike = (n: number): number[] =>
  Array.from({ length: n }, (_, i) => 5000 / (1 + i) ** 0.8 + 20 * (1 - i / n));

describe.each(FAST)('$method with $kernels kernels', (options) => {
  it('returns the matrix itself for rank >= its rank', () => {
    const a = withSpectrum(60, 40, [9, 7, 5, 3, 1], 1);
    for (const k of [5, 8, 40]) {
      const out = lowRankApproximation(a, 60, 40, k, options);
      expect(frobenius(out, a) / frobenius(a)).toBeLessThan(1e-10);
    }
  });

  it('attains the Eckart-Young error, which never grows with the rank', () => {
    const sigma = photoLike(45);
    const a = withSpectrum(70, 45, sigma, 2);
    let previous = Number.POSITIVE_INFINITY;
    for (const k of [1, 3, 10, 20, 44]) {
      const error = frobenius(lowRankApproximation(a, 70, 45, k, options), a);
      const optimal = Math.hypot(...sigma.slice(k));
      expect(error).toBeCloseTo(optimal, 8);
      expect(error).toBeLessThanOrEqual(previous);
      previous = error;
    }
  });

  it('matches the exact method on tall, wide and square shapes', () => {
    for (const [rows, cols] of [
      [57, 31],
      [31, 57],
      [40, 40],
    ] as const) {
      const a = withSpectrum(rows, cols, photoLike(Math.min(rows, cols)), rows * 100 + cols);
      const svd = exactSvd(a, rows, cols);
      for (const k of [2, 7, Math.min(rows, cols) - 1]) {
        const out = lowRankApproximation(a, rows, cols, k, options);
        expect(frobenius(out, rebuild(svd, rows, cols, k)) / frobenius(a)).toBeLessThan(1e-10);
      }
    }
  });

  it('commutes with transposition', () => {
    const a = withSpectrum(48, 33, photoLike(33), 3);
    const direct = lowRankApproximation(a, 48, 33, 6, options);
    const viaTranspose = lowRankApproximation(transpose(a, 48, 33), 33, 48, 6, options);
    expect(frobenius(transpose(viaTranspose, 33, 48), direct) / frobenius(a)).toBeLessThan(1e-11);
  });

  it('is deterministic and leaves its input unchanged', () => {
    const a = noiseImage(40, 36, 4);
    const copy = a.slice();
    const first = lowRankApproximation(a, 40, 36, 5, options);
    expect(lowRankApproximation(a, 40, 36, 5, options)).toEqual(first);
    expect(a).toEqual(copy);
  });

  it('handles degenerate shapes: a zero matrix, a single row, a 1x1 matrix', () => {
    expect(lowRankApproximation(new Float64Array(12), 3, 4, 2, options)).toEqual(
      new Float64Array(12),
    );
    const row = Float64Array.of(3, -1, 4, 1, -5);
    const out = lowRankApproximation(row, 1, 5, 1, options);
    out.forEach((x, i) => expect(x).toBeCloseTo(row[i]!, 12));
    expect(lowRankApproximation(Float64Array.of(-7), 1, 1, 1, options)[0]).toBeCloseTo(-7, 12);
  });
});

describe('Lanczos on hard spectra', () => {
  it('hands repeated singular values over to the dense method and still returns a best approximation', () => {
    // The identity's Krylov space is one-dimensional: Lanczos alone cannot find 3 directions.
    const n = 50;
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    const details = lowRankApproximationDetailed(identity, n, n, 3, { method: 'lanczos' });
    expect(details.method).toBe('dense');
    expect(details.krylovDimension).toBeGreaterThan(0);
    // Any rank-3 orthogonal projector is optimal: error sqrt(n - 3), A_k idempotent.
    expect(frobenius(details.output, identity)).toBeCloseTo(Math.sqrt(n - 3), 10);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += details.output[i * n + i]!;
    expect(trace).toBeCloseTo(3, 10);
  });

  it('stays with Lanczos on exactly low-rank images (flat colour, gradient) and returns them', () => {
    const rows = 120;
    const cols = 90;
    const flat = new Float64Array(rows * cols).fill(137);
    const gradient = Float64Array.from(
      { length: rows * cols },
      (_, i) => Math.floor(i / cols) * 0.5 + (i % cols),
    );
    for (const [a, r] of [
      [flat, 1],
      [gradient, 2],
    ] as const) {
      for (const k of [r, r + 3, 20]) {
        const details = lowRankApproximationDetailed(a, rows, cols, k, { method: 'lanczos' });
        // The invariant subspace is detected and the rest of the space probed as null, so the
        // dense method is not needed.
        expect(details.method).toBe('lanczos');
        expect(details.krylovDimension).toBeLessThanOrEqual(r + 2);
        expect(frobenius(details.output, a) / frobenius(a)).toBeLessThan(1e-12);
      }
    }
    // Rank 1 of the gradient: the best approximation, not the matrix.
    const one = lowRankApproximation(gradient, rows, cols, 1, { method: 'lanczos' });
    const svd = exactSvd(gradient, rows, cols);
    expect(frobenius(one, rebuild(svd, rows, cols, 1)) / frobenius(gradient)).toBeLessThan(1e-10);
  });

  it('agrees with the exact result on white noise, whose spectrum is flat', () => {
    const rows = 150;
    const cols = 130;
    const a = noiseImage(rows, cols, 5);
    const svd = exactSvd(a, rows, cols);
    for (const k of [5, 12, 26]) {
      const details = lowRankApproximationDetailed(a, rows, cols, k, { method: 'lanczos' });
      // Converged by itself, without handing over to the dense method.
      expect(details.method).toBe('lanczos');
      const { equal, max } = agreement(details.output, rebuild(svd, rows, cols, k));
      expect(equal).toBeGreaterThanOrEqual(0.999);
      expect(max).toBeLessThanOrEqual(1);
    }
  });

  it('chooses Lanczos for small ranks and the dense method near min(rows, cols)', () => {
    const a = noiseImage(120, 100, 6);
    expect(lowRankApproximationDetailed(a, 120, 100, 10).method).toBe('lanczos');
    expect(lowRankApproximationDetailed(a, 120, 100, 90).method).toBe('dense');
  });
});

describe('regressions', () => {
  it('the dense method converges on a Gram matrix with a large null space (30 distinct rows)', () => {
    // Saved input: the QL iteration used a purely relative deflation test and stalled at
    // round-off next to the zero eigenvalues ("did not converge for eigenvalue 0 of 200").
    const rows = 300;
    const cols = 200;
    const next = random(300 + 200 + 30);
    const distinct = Array.from({ length: 30 }, () =>
      Array.from({ length: cols }, () => Math.floor(next() * 256)),
    );
    const a = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const source = distinct[Math.floor(next() * 30)]!;
      for (let j = 0; j < cols; j++) a[i * cols + j] = source[j]!;
    }
    const svd = exactSvd(a, rows, cols);
    for (const kernels of ['wasm', 'js'] as const) {
      const five = lowRankApproximation(a, rows, cols, 5, { method: 'dense', kernels });
      expect(frobenius(five, rebuild(svd, rows, cols, 5)) / frobenius(a)).toBeLessThan(1e-10);
      for (const k of [30, 100, 197]) {
        const out = lowRankApproximation(a, rows, cols, k, { method: 'dense', kernels });
        expect(frobenius(out, a) / frobenius(a)).toBeLessThan(1e-10);
      }
    }
  });
});

describe('WebAssembly and TypeScript kernels', () => {
  it('the WebAssembly kernels load on this Node (a broken build must not fall back silently)', () => {
    // Node 20, the project's floor, has WebAssembly SIMD: only a broken build lands here.
    expect(wasmKernels()).toBeDefined();
  });

  it('give bit-identical results, odd sizes included', () => {
    for (const [rows, cols, k] of [
      [67, 45, 3],
      [45, 67, 11],
      [33, 33, 30],
    ] as const) {
      const a = noiseImage(rows, cols, rows + cols);
      for (const method of ['lanczos', 'dense'] as const) {
        const wasm = lowRankApproximation(a, rows, cols, k, { method, kernels: 'wasm' });
        const js = lowRankApproximation(a, rows, cols, k, { method, kernels: 'js' });
        expect(wasm).toEqual(js);
      }
    }
  });
});
