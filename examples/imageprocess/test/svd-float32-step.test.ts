import { describe, expect, it } from 'vitest';
import { lowRankApproximation, lowRankApproximationDetailed } from '../src/svd/index.js';
import { createJsKernels } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { wasmKernels } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

/**
 * Runs gramStep on `values` stored as float64 and gramStepF32 on the same values stored as
 * float32, with the same q; returns both t and z.
 */
function bothSteps(kernels: Kernels, values: Float64Array, rows: number, cols: number) {
  const next = random(rows * 100 + cols);
  const q = Float64Array.from({ length: cols }, () => next() - 0.5);
  // float32 A from byte 0 (rounded to 16 bytes), then the float64 copy and the vectors.
  const a64 = 2 * Math.ceil((rows * cols) / 4);
  const qOff = a64 + rows * cols;
  const tOff = qOff + cols;
  const zOff = tOff + rows;
  const scratch = zOff + cols;
  const heap = kernels.reserve(scratch + 3 * cols);
  new Float32Array(heap.buffer, heap.byteOffset, rows * cols).set(values);
  heap.set(values, a64);
  heap.set(q, qOff);
  const run = (float32: boolean) => {
    heap.fill(Number.NaN, tOff, zOff + cols);
    if (float32) kernels.gramStepF32(0, rows, cols, qOff, tOff, zOff, scratch);
    else kernels.gramStep(a64, rows, cols, qOff, tOff, zOff);
    return kernels.heap.slice(tOff, zOff + cols);
  };
  return { f64: run(false), f32: run(true) };
}

const KERNELS: [string, () => Kernels][] = [
  ['wasm', () => wasmKernels()!],
  ['js', () => createJsKernels()],
];

describe.each(KERNELS)('the float32 Gram step (%s kernels)', (_, make) => {
  it('gives the float64 step bit for bit, for every row count mod 4 and odd widths', () => {
    const kernels = make();
    for (const [rows, cols] of [
      [1, 1],
      [2, 3],
      [3, 5],
      [4, 4],
      [5, 7],
      [6, 9],
      [7, 2],
      [13, 17],
      [64, 33],
    ] as const) {
      const next = random(rows + 7 * cols);
      const values = Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
      const { f64, f32 } = bothSteps(kernels, values, rows, cols);
      expect(Array.from(f32), `${rows}x${cols}`).toEqual(Array.from(f64));
    }
  });

  it('computes t = A q and z = Aᵀ t (not only the same wrong thing twice)', () => {
    const kernels = make();
    const rows = 9;
    const cols = 6;
    const values = Float64Array.from({ length: rows * cols }, (_, i) => (i * 37) % 256);
    const { f32 } = bothSteps(kernels, values, rows, cols);
    const next = random(rows * 100 + cols);
    const q = Array.from({ length: cols }, () => next() - 0.5);
    const t = Array.from({ length: rows }, (_, i) =>
      q.reduce((s, x, j) => s + values[i * cols + j]! * x, 0),
    );
    for (let i = 0; i < rows; i++) expect(f32[i]).toBeCloseTo(t[i]!, 9);
    for (let j = 0; j < cols; j++) {
      const z = t.reduce((s, x, i) => s + values[i * cols + j]! * x, 0);
      expect(f32[rows + j]).toBeCloseTo(z, 7);
    }
  });
});

describe('Lanczos on float32 storage', () => {
  it('gives the same bits with the WebAssembly and the TypeScript kernels', () => {
    const rows = 90;
    const cols = 70;
    const next = random(5);
    const band = Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
    const wasm = lowRankApproximation(band, rows, cols, 8, { method: 'lanczos', kernels: 'wasm' });
    const js = lowRankApproximation(band, rows, cols, 8, { method: 'lanczos', kernels: 'js' });
    expect(wasm).toEqual(js);
  });

  it('agrees with float64 storage, which a value that is not a float32 forces', () => {
    const rows = 80;
    const cols = 60;
    const next = random(11);
    const ints = Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
    // 1 + 2^-40 is not a float32: the whole band then runs on float64 storage.
    const shifted = ints.map((v, i) => (i === 0 ? v + 2 ** -40 : v));
    const a = lowRankApproximationDetailed(ints, rows, cols, 6, { method: 'lanczos' });
    const b = lowRankApproximationDetailed(shifted, rows, cols, 6, { method: 'lanczos' });
    expect(a.method).toBe('lanczos');
    expect(b.method).toBe('lanczos');
    let differ = 0;
    for (let i = 0; i < a.output.length; i++) {
      if (Math.floor(a.output[i]!) !== Math.floor(b.output[i]!)) differ++;
      expect(Math.abs(a.output[i]! - b.output[i]!)).toBeLessThan(1e-6);
    }
    expect(differ).toBeLessThanOrEqual(1);
  });
});
