import { describe, expect, it } from 'vitest';
import { lowRankApproximation, lowRankApproximationDetailed } from '../src/svd/index.js';
import { createJsKernels, u8LimbBytes, u8Stride } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { u8HeapLayout } from '../src/svd/lanczos.js';
import { nativeKernels, nativeKernelsMissing } from '../src/svd/native-kernels.js';
import { wasmKernelsOf } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

/**
 * Runs gramStepU8 on the integer matrix `values` (rows x cols, 0..255) with q: the matrix and
 * its transpose as bytes from byte 0 (padding zero, the limbs' area filled with junk first), q,
 * t and z after them. Returns t and z.
 */
function u8Step(
  kernels: Kernels,
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  q: ArrayLike<number>,
  limbCount: 2 | 3,
) {
  const { at8, elements } = u8HeapLayout(rows, cols);
  const qOff = elements;
  const tOff = qOff + cols;
  const zOff = tOff + rows;
  const limbs = zOff + cols + ((zOff + cols) % 2);
  const heap = kernels.reserve(limbs + Math.ceil(u8LimbBytes(rows, cols) / 8));
  const bytes = new Uint8Array(heap.buffer, heap.byteOffset, heap.byteLength);
  bytes.fill(0, 0, 8 * elements);
  bytes.fill(0xa5, 8 * limbs, 8 * limbs + u8LimbBytes(rows, cols));
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      bytes[i * u8Stride(cols) + j] = values[i * cols + j]!;
      bytes[at8 + j * u8Stride(rows) + i] = values[i * cols + j]!;
    }
  }
  heap.set(q, qOff);
  heap.fill(Number.NaN, tOff, zOff + cols);
  kernels.gramStepU8(0, at8, rows, cols, qOff, tOff, zOff, 8 * limbs, limbCount);
  const after = kernels.heap;
  return { t: after.slice(tOff, tOff + rows), z: after.slice(zOff, zOff + cols) };
}

/** t = A q and z = Aᵀ t in float64, sums in index order. */
function reference(values: ArrayLike<number>, rows: number, cols: number, q: ArrayLike<number>) {
  const t = Array.from({ length: rows }, (_, i) => {
    let s = 0;
    for (let j = 0; j < cols; j++) s += values[i * cols + j]! * q[j]!;
    return s;
  });
  const z = Array.from({ length: cols }, (_, j) => {
    let s = 0;
    for (let i = 0; i < rows; i++) s += values[i * cols + j]! * t[i]!;
    return s;
  });
  return { t, z };
}

const maxAbs = (x: ArrayLike<number>) =>
  Array.from(x).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

const SHAPES = [
  [1, 1],
  [2, 3],
  [3, 17],
  [5, 16],
  [16, 15],
  [33, 31],
  [64, 65],
  [7, 1500], // past the WebAssembly kernel's flush of its 32-bit sums (1024 samples)
  [1300, 9],
] as const;

/**
 * Every implementation of the step: the WebAssembly kernel, the native AVX2 one (where
 * build/svd-native.node is built and the CPU has AVX2) and the TypeScript one.
 */
const NATIVE = nativeKernels() !== undefined;
const SETS: [string, () => Kernels][] = [
  ['wasm', () => wasmKernelsOf('baseline')!],
  ...(NATIVE
    ? [['native AVX2', () => wasmKernelsOf('baseline', true)!] as [string, () => Kernels]]
    : []),
  ['js', () => createJsKernels()],
];

// CI builds the addon on machines where it must load (IMAGEPROCESS_EXPECT_NATIVE=1 in .ci/run):
// there an addon that did not build or load fails, where elsewhere it is skipped with the reason.
it.runIf(!NATIVE)(
  `(the native AVX2 Gram step is not checked here: ${nativeKernelsMissing()})`,
  () => {
    if (process.env['IMAGEPROCESS_EXPECT_NATIVE'] === '1') {
      expect(nativeKernelsMissing()).toMatch(/no AVX2|IMAGEPROCESS_SVD_NATIVE=0/);
    }
  },
);

/** 3 limbs (precise) round each vector to 2^-46 of its largest entry, 2 (fast) to 2^-30. */
const UNIT = { 2: 2 ** -30, 3: 2 ** -46 } as const;

describe.each([3, 2] as const)('the uint8 Gram step with %i limbs', (limbCount) => {
  it.each(SETS.filter(([name]) => name !== 'js'))(
    'gives the same bits with the %s and the TypeScript kernels, for every shape',
    (name, make) => {
      const kernels = make();
      const js = createJsKernels();
      for (const [rows, cols] of [...SHAPES, [1064, 700], [700, 1064], [257, 2100]] as const) {
        const next = random(rows * 31 + cols);
        const values = Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
        // Every bit of the mantissa set (random() gives 32): the rounding to 46 bits matters.
        const q = Array.from({ length: cols }, () => next() - 0.5 + next() * 2 ** -33);
        const a = u8Step(kernels, values, rows, cols, q, limbCount);
        const b = u8Step(js, values, rows, cols, q, limbCount);
        expect(Array.from(a.t), `${name} t ${rows}x${cols}`).toEqual(Array.from(b.t));
        expect(Array.from(a.z), `${name} z ${rows}x${cols}`).toEqual(Array.from(b.z));
      }
    },
  );

  it.each(SETS)(
    'computes t = A q and z = Aᵀ t with q and t rounded to their fixed-point images (%s)',
    (_, make) => {
      const kernels = make();
      const unit = UNIT[limbCount];
      let rounded = false;
      for (const [rows, cols] of SHAPES) {
        const next = random(rows + 7 * cols);
        const values = Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
        // Entries of very different sizes, and a sign change: the fixed-point image must hold both.
        const q = Array.from({ length: cols }, (_, j) => (next() - 0.5) * (j % 3 === 0 ? 1e-6 : 1));
        const got = u8Step(kernels, values, rows, cols, q, limbCount);
        const want = reference(values, rows, cols, q);
        // Each entry of q moves by at most unit * max |q| when rounded, each of t by unit *
        // max |t| (plus what q's rounding moved it): bounds through the row and column sums of
        // A, with a little room for the final float64 roundings.
        const rowSum = (i: number) =>
          values.slice(i * cols, (i + 1) * cols).reduce((a, b) => a + b, 0);
        const colSum = (j: number) =>
          Array.from({ length: rows }, (_, i) => values[i * cols + j]!).reduce((a, b) => a + b, 0);
        const tErr = Array.from({ length: rows }, (_, i) => unit * maxAbs(q) * rowSum(i));
        const tMax = maxAbs(want.t) + Math.max(...tErr);
        for (let i = 0; i < rows; i++) {
          const bound = tErr[i]! * (1 + 1e-9) + 1e-15 * Math.abs(want.t[i]!) + 1e-300;
          expect(Math.abs(got.t[i]! - want.t[i]!)).toBeLessThanOrEqual(bound);
        }
        for (let j = 0; j < cols; j++) {
          let bound = 0;
          for (let i = 0; i < rows; i++) bound += values[i * cols + j]! * (tErr[i]! + unit * tMax);
          bound = bound * (1 + 1e-9) + 1e-15 * colSum(j) * tMax + 1e-300;
          expect(Math.abs(got.z[j]! - want.z[j]!)).toBeLessThanOrEqual(bound);
        }
        // Some error is at least a thousandth of its bound: the rounding is really there.
        for (let i = 0; i < rows; i++) {
          const coarse = got.t[i]! - want.t[i]!;
          rounded ||= Math.abs(coarse) > 1e-3 * tErr[i]!;
        }
      }
      // Not a bound any result would meet: the rounding shows, within it.
      expect(rounded).toBe(true);
    },
  );

  it('does not overflow its 32-bit sums on the largest samples and limbs', () => {
    // q_j = 1 + unit * 2^16 makes every low limb -32768, and every sample is 255: a 32-bit lane
    // then gains 2 * -8355840 per 16 columns. The native kernel flushes its lanes into 64 bits
    // every 2048 columns, after 256 such products (-2139095040, just inside the range; 2064
    // columns would overflow), the WebAssembly one every 1024; 4096 columns take two flushes.
    const rows = 3;
    const cols = 4096;
    const values = new Array<number>(rows * cols).fill(255);
    const qj = 1 + UNIT[limbCount] * 2 ** 16;
    const q = new Array<number>(cols).fill(qj);
    for (const [, make] of SETS) {
      const kernels = make();
      const { t, z } = u8Step(kernels, values, rows, cols, q, limbCount);
      const ti = 255 * cols * qj;
      expect(Array.from(t)).toEqual([ti, ti, ti]);
      expect(z[0]).toBe(255 * rows * ti);
      const negative = u8Step(
        kernels,
        values,
        rows,
        cols,
        q.map((v) => -v),
        limbCount,
      );
      expect(Array.from(negative.t)).toEqual([-ti, -ti, -ti]);
    }
  });

  it('maps a zero vector to zeros', () => {
    for (const [, make] of SETS) {
      const { t, z } = u8Step(make(), [1, 2, 3, 4, 5, 6], 2, 3, [0, 0, 0], limbCount);
      expect([...t, ...z]).toEqual([0, 0, 0, 0, 0]);
    }
  });
});

describe('Lanczos on uint8 storage', () => {
  it('gives the same bits with the default kernels (WebAssembly, native where built) and the TypeScript ones', () => {
    const rows = 90;
    const cols = 70;
    const next = random(5);
    const band = Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
    const wasm = lowRankApproximation(band, rows, cols, 8, { method: 'lanczos', kernels: 'wasm' });
    const js = lowRankApproximation(band, rows, cols, 8, { method: 'lanczos', kernels: 'js' });
    expect(wasm).toEqual(js);
  });

  it('agrees with float64 storage, which a value that is not an integer 0..255 forces', () => {
    const rows = 80;
    const cols = 60;
    const next = random(11);
    const ints = Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
    // 1 + 2^-40 is not an integer: the whole band then runs on float64 storage.
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

  it('runs wide bands (stored transposed) like their transpose', () => {
    const rows = 40;
    const cols = 75;
    const next = random(21);
    const band = Float64Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
    const t = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) t[j * rows + i] = band[i * cols + j]!;
    const wide = lowRankApproximation(band, rows, cols, 5, { method: 'lanczos' });
    const tall = lowRankApproximation(t, cols, rows, 5, { method: 'lanczos' });
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) expect(wide[i * cols + j]).toBe(tall[j * rows + i]);
    }
  });
});
