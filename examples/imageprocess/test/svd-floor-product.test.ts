import { describe, expect, it } from 'vitest';
import { createJsKernels, floorProductScratchBytes } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { nativeKernels } from '../src/svd/native-kernels.js';
import { wasmKernelsOf } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

interface Case {
  p: number;
  rows: number;
  cols: number;
  /** The p rows of L (rows values each) and of R (cols values each), row-major. */
  l: Float64Array;
  r: Float64Array;
  /** rows x cols samples 0..255. */
  samples: Uint8Array;
  step: number;
  /** The channel written (0 unless given), of `step` interleaved ones. */
  channel?: number;
}

const planarStride = (cols: number) => Math.ceil(cols / 16) * 16;

/**
 * Runs floorProduct on a case laid out in the heap with row strides larger than the rows (as
 * the caller's are not always tight), the output interleaved `step` bytes apart in a target
 * array, after 5 bytes of junk, with junk in the other channels and step - 1 bytes of junk
 * after them. Returns the written channel, whether the other channels, the bytes around them
 * and the heap before `scratch` are as they were, and the result.
 */
function run(kernels: Kernels, c: Case) {
  const { p, rows, cols, step } = c;
  const channel = c.channel ?? 0;
  const ldl = rows + 3;
  const ldr = cols + 5;
  const lOff = 2;
  const rOff = lOff + p * ldl;
  const planarAt = 8 * (rOff + p * ldr);
  const stride = planarStride(cols);
  const scratch = 16 * Math.ceil((planarAt + rows * stride) / 16);
  const heap = kernels.reserve(Math.ceil((scratch + floorProductScratchBytes(p, rows, cols)) / 8));
  const bytes = new Uint8Array(heap.buffer, heap.byteOffset, heap.byteLength);
  heap.fill(Number.NaN, 0, planarAt / 8);
  for (let t = 0; t < p; t++) {
    for (let i = 0; i < rows; i++) heap[lOff + t * ldl + i] = c.l[t * rows + i]!;
    for (let j = 0; j < cols; j++) heap[rOff + t * ldr + j] = c.r[t * cols + j]!;
  }
  bytes.fill(0, planarAt, scratch);
  for (let i = 0; i < rows; i++)
    bytes.set(c.samples.subarray(i * cols, (i + 1) * cols), planarAt + i * stride);
  bytes.fill(0x5c, scratch, scratch + floorProductScratchBytes(p, rows, cols));
  const before = bytes.slice(0, scratch);
  const targetAt = 5;
  const outEnd = targetAt + rows * cols * step;
  const target = new Uint8Array(outEnd + step - 1).fill(0xa7);
  const error = kernels.floorProduct(
    lOff,
    ldl,
    rOff,
    ldr,
    p,
    rows,
    cols,
    planarAt,
    stride,
    target,
    targetAt + channel,
    step,
    scratch,
  );
  const after = new Uint8Array(kernels.heap.buffer, kernels.heap.byteOffset, scratch);
  const out = new Uint8Array(rows * cols);
  let othersIntact = after.every((b, k) => b === before[k]);
  for (let k = 0; k < rows * cols; k++) {
    out[k] = target[targetAt + k * step + channel]!;
    for (let s = 0; s < step; s++) {
      if (s !== channel) othersIntact &&= target[targetAt + k * step + s] === 0xa7;
    }
  }
  for (let b = 0; b < targetAt; b++) othersIntact &&= target[b] === 0xa7;
  for (let b = outEnd; b < outEnd + step - 1; b++) othersIntact &&= target[b] === 0xa7;
  return { out, error, othersIntact };
}

/** floor(Σ_t l_ti r_tj) summed in order of t, clamped to 0..255, and Σ (out - samples)². */
function reference(c: Case) {
  const out = new Uint8Array(c.rows * c.cols);
  let error = 0;
  for (let i = 0; i < c.rows; i++) {
    for (let j = 0; j < c.cols; j++) {
      let s = 0;
      for (let t = 0; t < c.p; t++) s += c.l[t * c.rows + i]! * c.r[t * c.cols + j]!;
      const v = Math.min(Math.max(Math.floor(s), 0), 255);
      out[i * c.cols + j] = v;
      error += (v - c.samples[i * c.cols + j]!) ** 2;
    }
  }
  return { out, error };
}

/** Entry (i, j) summed in float32 alone, in order of t, and its floor clamped to 0..255. */
function float32Floor(c: Case, i: number, j: number): { x: number; v: number } {
  let x = 0;
  for (let t = 0; t < c.p; t++) {
    x = Math.fround(
      x + Math.fround(Math.fround(c.l[t * c.rows + i]!) * Math.fround(c.r[t * c.cols + j]!)),
    );
  }
  return { x, v: Math.min(Math.max(Math.floor(x), 0), 255) };
}

/** Random factors whose products cover -40..300, like a photo's A_k with ringing. */
function randomCase(p: number, rows: number, cols: number, step: number, seed: number): Case {
  const next = random(seed);
  const l = Float64Array.from(
    { length: p * rows },
    (_, k) => (k < rows ? 4000 : 300) * (next() - 0.3),
  );
  const r = Float64Array.from(
    { length: p * cols },
    (_, k) => (k < cols ? 0.03 : 0.1) * (next() - 0.2),
  );
  const samples = Uint8Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
  return { p, rows, cols, l, r, samples, step };
}

/**
 * Entries on and next to integers: with p = 2, c_ij = n_ij + δ_ij with n an integer and δ in
 * {0, ±2^-30, ±1e-7, ±3e-5}: float32 rounds most of them onto the integer, so only the float64
 * path gets their floors right (n - 1 for a negative δ).
 */
function nearIntegerCase(rows: number, cols: number, step: number, integerFirst = true): Case {
  const next = random(rows * 7 + cols);
  const deltas = [0, 2 ** -30, -(2 ** -30), 1e-7, -1e-7, 3e-5, -3e-5];
  const l = new Float64Array(2 * rows);
  const r = new Float64Array(2 * cols);
  // c_ij = l_0i r_0j + l_1i r_1j = n_i * 1 + 1 * δ_j.
  for (let i = 0; i < rows; i++) {
    l[i] = Math.floor(next() * 300) - 20;
    l[rows + i] = 1;
  }
  for (let j = 0; j < cols; j++) {
    r[j] = 1;
    r[cols + j] = deltas[j % deltas.length]!;
  }
  const samples = Uint8Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
  if (!integerFirst) {
    // c_ij = 1 * δ_j + n_i * 1: the large term second, where the kernel's bound treats the
    // terms after the first as a whole (Cauchy-Schwarz) and the first on its own.
    const swap = (x: Float64Array, n: number) =>
      Float64Array.from({ length: 2 * n }, (_, k) => x[(k + n) % (2 * n)]!);
    return { p: 2, rows, cols, l: swap(l, rows), r: swap(r, cols), samples, step };
  }
  return { p: 2, rows, cols, l, r, samples, step };
}

/**
 * Large cancelling terms after a small first one: c_ij = 1 * δ_j + X_i * 1 + 3 (n_i - X_i) / 3
 * with X_i near 10^4, so float32's roundings (about 10^-3 here) move many entries across an
 * integer while their float32 fractions stay well inside (0, 1). Only a bound that covers the
 * terms after the first catches them.
 */
function cancellingCase(rows: number, cols: number, step: number): Case {
  const next = random(rows * 11 + cols);
  const deltas = [1e-4, -1e-4, 3e-4, -3e-4, 7e-4, -7e-4, 0];
  const l = new Float64Array(3 * rows);
  const r = new Float64Array(3 * cols);
  for (let i = 0; i < rows; i++) {
    const n = Math.floor(next() * 300) - 20;
    const x = 9000 + 2000 * next();
    l[i] = 1;
    l[rows + i] = x;
    l[2 * rows + i] = 3 * (n - x);
  }
  for (let j = 0; j < cols; j++) {
    r[j] = deltas[j % deltas.length]!;
    r[cols + j] = 1;
    r[2 * cols + j] = 1 / 3;
  }
  const samples = Uint8Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
  return { p: 3, rows, cols, l, r, samples, step };
}

const SHAPES = [
  [1, 1, 1, 1],
  [3, 5, 7, 1],
  [20, 33, 41, 3],
  [7, 64, 64, 1],
  [50, 61, 37, 4],
  [1, 9, 200, 2],
] as const;

// The relaxed-SIMD binary (fused multiply-adds where the CPU has them) compiles on Node 22 and
// later only; CI runs this file under those too.
const HAS_RELAXED = wasmKernelsOf('relaxed') !== undefined;
const KERNELS: [string, () => Kernels][] = [
  ['wasm baseline', () => wasmKernelsOf('baseline')!],
  ...(HAS_RELAXED
    ? [['wasm relaxed', () => wasmKernelsOf('relaxed')!] as [string, () => Kernels]]
    : []),
  ...(nativeKernels()
    ? [['native AVX2', () => wasmKernelsOf('baseline', true)!] as [string, () => Kernels]]
    : []),
  ['js', () => createJsKernels()],
];

it.skipIf(HAS_RELAXED)(
  '(the relaxed-SIMD binary is checked only where the engine has relaxed SIMD)',
  () => {
    expect(wasmKernelsOf('relaxed')).toBeUndefined();
  },
);

describe.each(KERNELS)('floorProduct (%s kernels)', (_, make) => {
  it('writes floor(Lᵀ R) clamped to 0..255, the float64 sums exactly, with the squared error', () => {
    const kernels = make();
    for (const [p, rows, cols, step] of SHAPES) {
      const c = randomCase(p, rows, cols, step, p * 1000 + rows * 10 + cols);
      const got = run(kernels, c);
      const want = reference(c);
      expect(Array.from(got.out), `${p} ${rows}x${cols}`).toEqual(Array.from(want.out));
      expect(got.error).toBe(want.error);
      expect(got.othersIntact).toBe(true);
    }
  });

  it('writes any one of 2 to 4 interleaved channels, the others and the bytes after them kept', () => {
    const kernels = make();
    for (const [p, rows, cols, step] of [
      [6, 17, 40, 3],
      [6, 9, 67, 3],
      [4, 11, 48, 4],
      [3, 5, 33, 2],
    ] as const) {
      for (let channel = 0; channel < step; channel++) {
        const c = { ...randomCase(p, rows, cols, step, 7 * rows + cols + channel), channel };
        const got = run(kernels, c);
        const want = reference(c);
        expect(Array.from(got.out), `${rows}x${cols} step ${step} channel ${channel}`).toEqual(
          Array.from(want.out),
        );
        expect(got.error).toBe(want.error);
        expect(got.othersIntact, `step ${step} channel ${channel}`).toBe(true);
      }
    }
  });

  it('gets the floors of entries within 2^-30 of an integer right (float32 alone would not)', () => {
    const kernels = make();
    for (const [rows, cols, step, integerFirst] of [
      [4, 8, 1, true],
      [13, 29, 3, true],
      [4, 8, 1, false],
      [13, 29, 3, false],
    ] as const) {
      const c = nearIntegerCase(rows, cols, step, integerFirst);
      const got = run(kernels, c);
      const want = reference(c);
      expect(Array.from(got.out)).toEqual(Array.from(want.out));
      expect(got.error).toBe(want.error);
      // The case is what it claims: float32 sums would floor some entries differently.
      let float32Wrong = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          if (float32Floor(c, i, j).v !== want.out[i * cols + j]) float32Wrong++;
        }
      }
      expect(float32Wrong).toBeGreaterThan(0);
    }
  });

  it('gets the floors right when float32 rounding of large cancelling terms crosses an integer', () => {
    const kernels = make();
    for (const [rows, cols, step] of [
      [8, 14, 1],
      [13, 29, 3],
    ] as const) {
      const c = cancellingCase(rows, cols, step);
      const got = run(kernels, c);
      const want = reference(c);
      expect(Array.from(got.out)).toEqual(Array.from(want.out));
      expect(got.error).toBe(want.error);
      // The case is what it claims: float32 sums floor some entries differently, at fractions
      // a bound on the first term alone would call sure.
      let float32Wrong = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const { x, v } = float32Floor(c, i, j);
          const frac = x - Math.floor(x);
          if (v !== want.out[i * cols + j] && frac > 1e-6 && frac < 1 - 1e-6) float32Wrong++;
        }
      }
      expect(float32Wrong).toBeGreaterThan(0);
    }
  });

  it('sums the squared error exactly past what 32-bit lanes hold (a very wide band)', () => {
    // Every output 0 against samples of 255: 255² per sample, 140 000 of them per row, more
    // than a 32-bit lane of the SIMD sum can take (2^31 / 2 / 255² blocks of 8): the kernel
    // must flush its lanes within a row.
    const kernels = make();
    const [p, rows, cols] = [1, 5, 140_000];
    const c: Case = {
      p,
      rows,
      cols,
      l: new Float64Array(p * rows),
      r: new Float64Array(p * cols).fill(1),
      samples: new Uint8Array(rows * cols).fill(255),
      step: 1,
    };
    const got = run(kernels, c);
    expect(got.error).toBe(rows * cols * 255 * 255);
    expect(got.out.every((v) => v === 0)).toBe(true);
  });

  it('refuses a target too short for the product with a RangeError, writing nothing', () => {
    const kernels = make();
    const [p, rows, cols] = [2, 3, 4];
    const scratch = 16 * Math.ceil((8 * p * (rows + cols) + rows * 16) / 16);
    kernels.reserve(Math.ceil((scratch + floorProductScratchBytes(p, rows, cols)) / 8));
    for (const [length, at, step] of [
      [rows * cols - 1, 0, 1],
      [rows * cols, 1, 1],
      [3 * rows * cols - 2, 1, 3],
    ] as const) {
      const target = new Uint8Array(length).fill(0xa7);
      expect(() =>
        kernels.floorProduct(
          0,
          rows,
          p * rows,
          cols,
          p,
          rows,
          cols,
          8 * p * (rows + cols),
          16,
          target,
          at,
          step,
          scratch,
        ),
      ).toThrow(RangeError);
      expect(target.every((b) => b === 0xa7)).toBe(true);
    }
  });

  it('returns NaN when a sum is NaN', () => {
    const kernels = make();
    const c = randomCase(5, 9, 12, 1, 3);
    c.r[2 * 12 + 7] = Number.NaN;
    expect(run(kernels, c).error).toBeNaN();
  });

  it('handles infinite and huge sums through the float64 path', () => {
    const kernels = make();
    const c = randomCase(3, 6, 10, 1, 4);
    c.l[0] = 1e300;
    c.l[1] = -1e300;
    c.l[2] = 1e39; // past float32's range
    const got = run(kernels, c);
    const want = reference(c);
    expect(Array.from(got.out)).toEqual(Array.from(want.out));
    expect(got.error).toBe(want.error);
  });
});

it('gives the same bytes with every kernel set on a photo-sized case', () => {
  const c = randomCase(20, 203, 157, 3, 99);
  const want = run(createJsKernels(), c);
  for (const [name, make] of KERNELS) {
    const got = run(make(), c);
    expect(Array.from(got.out), name).toEqual(Array.from(want.out));
    expect(got.error, name).toBe(want.error);
  }
});
