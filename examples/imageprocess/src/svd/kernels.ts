import { TridiagonalError, plainHypot, tridiagonalEigen } from './tridiagonal.js';

/**
 * The arithmetic kernels of the fast SVD methods, over one float64 heap.
 *
 * Every array argument is an offset into `heap` counted in float64 elements, so the same
 * algorithm code drives the plain TypeScript kernels below and the WebAssembly SIMD kernels
 * (wasm-kernels.ts), whose heap is the module's linear memory. Both implementations perform the
 * same IEEE operations in the same order (no fused multiply-add exists in either), so they give
 * bit-identical results: dot products accumulate four interleaved partial sums, index mod 4,
 * combined as (s0 + s2) + (s1 + s3) plus a sequential tail, which is how two f64x2 accumulators
 * reduce; every other sum runs in index order.
 */
export interface Kernels {
  /** Which implementation this is. */
  readonly kind: 'wasm' | 'js';
  /** The heap: valid until the next {@link Kernels.reserve}. */
  readonly heap: Float64Array;
  /** Make the heap hold at least `elements` float64 values (contents preserved); returns the heap. */
  reserve(elements: number): Float64Array;
  /**
   * One application of AᵀA, fused so that A is read once: for each row i of the rows x cols
   * matrix `a` (row-major), t[i] = a_i · q, then z = Σ t[i] a_i (z is overwritten).
   */
  gramStep(a: number, rows: number, cols: number, q: number, t: number, z: number): void;
  /**
   * {@link Kernels.gramStep} for a matrix of integers 0..255 stored as bytes, in exact integer
   * arithmetic: A (rows x cols) from byte `a8` of the heap's buffer and Aᵀ (cols x rows) from
   * byte `at8`, each row padded with zeros to a multiple of 16 bytes ({@link u8Stride}); `limbs`
   * is a byte address with room for {@link u8LimbBytes} bytes. q (then t) is rounded to a
   * fixed-point image of the vector cut into `limbCount` int16 limbs (see {@link splitLimbs}):
   * 3 limbs hold 46 bits (precise: the result differs from gramStep's by about 2^-46 of the
   * vector's largest entry), 2 limbs 31 bits (fast: 2^-30, in about 0.6x the time). Every
   * product and sum is an exact integer and only the final combination rounds, so the result
   * is the same on every engine, and the same bits from both kernel sets whatever order they
   * sum in.
   */
  gramStepU8(
    a8: number,
    at8: number,
    rows: number,
    cols: number,
    q: number,
    t: number,
    z: number,
    limbs: number,
    limbCount: 2 | 3,
  ): void;
  /**
   * dst[j * dstStride + i] = src[i * srcStride + j] for i < rows, j < cols, and zeros in
   * dst[j * dstStride + i] for rows <= i < dstStride: bytes at byte addresses of the heap's
   * buffer (the uint8 storage's A from Aᵀ or back, padding included).
   */
  transposeBytes(
    src: number,
    rows: number,
    cols: number,
    srcStride: number,
    dst: number,
    dstStride: number,
  ): void;
  /**
   * One channel of interleaved byte samples, a JavaScript array, into the rows of a matrix in
   * the heap: bytes dst + i * dstStride + j = source[first + (i * cols + j) * step] for i < rows,
   * j < cols, and zeros for cols <= j < dstStride (byte addresses of the heap's buffer, which
   * must hold the rows). The heap from byte `spare` on is free for the kernels' use (the
   * WebAssembly ones copy `source` there: the samples cross into the heap in one copy, and a
   * strided loop in JavaScript would cost several times more). Returns 1 if any value is not 0,
   * else 0. Throws a RangeError when the samples fall outside `source`.
   */
  gatherBytes(
    source: Uint8Array,
    first: number,
    rows: number,
    cols: number,
    step: number,
    dst: number,
    dstStride: number,
    spare: number,
  ): number;
  /**
   * target[3 p + c] = planes[c * pixels + p] for p < pixels, c < 3: three planes of bytes
   * interleaved into RGB samples, JavaScript arrays both. The heap from byte `spare` on is free
   * for the kernels' use (the WebAssembly ones interleave there). Throws a RangeError when
   * `planes` or `target` is shorter than 3 * pixels.
   */
  interleave3(planes: Uint8Array, pixels: number, target: Uint8Array, spare: number): void;
  /**
   * The rows x cols float64 matrix at `src`, floored and clamped to 0..255, into interleaved
   * byte samples: element (r, c) is pixel r * rowStep + c * colStep, written to byte out +
   * pixel * step. Returns Σ (value − samples[pixel * step])² over the matrix (`samples` and
   * `out` are byte addresses), or NaN as soon as it meets a NaN.
   */
  floorToSamples(
    src: number,
    rows: number,
    cols: number,
    rowStep: number,
    colStep: number,
    samples: number,
    out: number,
    step: number,
  ): number;
  /**
   * C = Lᵀ R, floored and clamped to 0..255, into interleaved byte samples: with the p rows of L
   * at `l` (row stride `ldl`, `rows` values each) and of R at `r` (stride `ldr`, `cols` values),
   * c_ij = Σ_t l_ti r_tj summed in order of t from 0 (as {@link Kernels.gemmNN} sums), and its
   * byte goes to target[targetAt + (i * cols + j) * step] (a JavaScript array; its other bytes
   * are left as they were). Returns Σ (byte − planar sample)² over C, the samples being the
   * rows x cols bytes at `planar` (row stride `planarStride`, at least cols rounded up to 8,
   * zero-padded), or NaN when a value is NaN. The heap from byte `scratch` (16-aligned) on is
   * free for the kernels' use: it must hold {@link floorProductScratchBytes} bytes there (the
   * WebAssembly kernel grows it for its output after them). The WebAssembly kernel sums in
   * float32 and redoes in float64 every entry whose floor float32 could get wrong (a rigorous
   * error bound), so every kernel set writes the same bytes. Throws a RangeError when C falls
   * outside `target`.
   */
  floorProduct(
    l: number,
    ldl: number,
    r: number,
    ldr: number,
    p: number,
    rows: number,
    cols: number,
    planar: number,
    planarStride: number,
    target: Uint8Array,
    targetAt: number,
    step: number,
    scratch: number,
  ): number;
  /** out[r] = x_r · y for r < count, where x_r starts at x + r * ldx; vectors of `len`. */
  dotRows(x: number, count: number, ldx: number, y: number, len: number, out: number): void;
  /** y -= Σ_r coef[r] x_r for r < count in order, where x_r starts at x + r * ldx. */
  subtractRows(x: number, count: number, ldx: number, coef: number, y: number, len: number): void;
  /** y_r -= coef[r] v for r < count, where y_r starts at y + r * ldy (a rank-1 update). */
  rank1Rows(y: number, count: number, ldy: number, coef: number, v: number, len: number): void;
  /**
   * g_r = (g_r - v[r] w) - w[r] v for r < count, where g_r starts at g + r * ldg: the symmetric
   * rank-2 update of Householder tridiagonalization (the full square is updated).
   */
  rank2Rows(g: number, count: number, ldg: number, v: number, w: number, len: number): void;
  /**
   * c[i * ldc + j] = x_i · y_j for i < xCount, j < yCount, where x_i starts at x + i * ldx and
   * y_j at y + j * ldy, vectors of `len` (C = X Yᵀ).
   */
  dotsNT(
    x: number,
    xCount: number,
    ldx: number,
    y: number,
    yCount: number,
    ldy: number,
    len: number,
    c: number,
    ldc: number,
  ): void;
  /**
   * C = B V: c[i * ldc + j] = Σ_p b[i * ldb + p] v[p * ldv + j], p in order, for i < m, j < n,
   * p < k (C is overwritten).
   */
  gemmNN(
    b: number,
    m: number,
    k: number,
    ldb: number,
    v: number,
    n: number,
    ldv: number,
    c: number,
    ldc: number,
  ): void;
  /**
   * The Lanczos stopping test's eigenproblem: {@link tridiagonalEigen} on the n values at `d`
   * (diagonal) and `e` (off-diagonal), in place, every rotation applied to the one row at
   * `last`, with √(a² + b²) computed plainly (the test's entries are far from overflow).
   * Returns 0, or l + 1 when eigenvalue l did not converge.
   */
  lastRowEigen(d: number, e: number, last: number, n: number): number;
  /** Plane rotation of two vectors: x' = c x - s y, y' = s x + c y. */
  rotate(x: number, y: number, len: number, c: number, s: number): void;
  /**
   * Applies `count` recorded rotations, float64 triples (i, c, s) from element `rot`, last
   * first, each as rotate(w + i ld, w + (i + 1) ld, len, c, -s): W becomes W G_1ᵀ⋯ (rows of W
   * indexed like the rows of Zᵀ that rotate turns). Started from the unit rows of the wanted
   * eigenvectors, W ends as those eigenvectors' transpose (see tridiagonalEigenvectorRows).
   */
  rotateBack(w: number, ld: number, len: number, rot: number, count: number): void;
}

function dot(h: Float64Array, x: number, y: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = len - (len % 4);
  let p = 0;
  for (; p < end4; p += 4) {
    s0 += h[x + p]! * h[y + p]!;
    s1 += h[x + p + 1]! * h[y + p + 1]!;
    s2 += h[x + p + 2]! * h[y + p + 2]!;
    s3 += h[x + p + 3]! * h[y + p + 3]!;
  }
  let r = s0 + s2 + (s1 + s3);
  for (; p < len; p++) r += h[x + p]! * h[y + p]!;
  return r;
}

/** Two dot products with the same vector y, each summed exactly as {@link dot} sums it. */
function dot2(h: Float64Array, x0: number, x1: number, y: number, len: number): [number, number] {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  const end4 = len - (len % 4);
  let p = 0;
  for (; p < end4; p += 4) {
    const y0 = h[y + p]!;
    const y1 = h[y + p + 1]!;
    const y2 = h[y + p + 2]!;
    const y3 = h[y + p + 3]!;
    a0 += h[x0 + p]! * y0;
    a1 += h[x0 + p + 1]! * y1;
    a2 += h[x0 + p + 2]! * y2;
    a3 += h[x0 + p + 3]! * y3;
    b0 += h[x1 + p]! * y0;
    b1 += h[x1 + p + 1]! * y1;
    b2 += h[x1 + p + 2]! * y2;
    b3 += h[x1 + p + 3]! * y3;
  }
  let r = a0 + a2 + (a1 + a3);
  let s = b0 + b2 + (b1 + b3);
  for (; p < len; p++) {
    r += h[x0 + p]! * h[y + p]!;
    s += h[x1 + p]! * h[y + p]!;
  }
  return [r, s];
}

/**
 * z += Σ t_i a_i with t_i = a_i · q over the rows of the rows x cols matrix at a (z is not
 * cleared). Two rows at a time halve the traffic on q and z; each row's sums keep their own
 * order, and z takes the rows in order.
 */
function gramRows(
  h: Float64Array,
  a: number,
  rows: number,
  cols: number,
  q: number,
  t: number,
  z: number,
): void {
  let i = 0;
  for (; i + 2 <= rows; i += 2) {
    const r0 = a + i * cols;
    const r1 = r0 + cols;
    const [t0, t1] = dot2(h, r0, r1, q, cols);
    h[t + i] = t0;
    h[t + i + 1] = t1;
    for (let j = 0; j < cols; j++) h[z + j] = h[z + j]! + t0 * h[r0 + j]! + t1 * h[r1 + j]!;
  }
  if (i < rows) {
    const row = a + i * cols;
    const ti = dot(h, row, q, cols);
    h[t + i] = ti;
    for (let j = 0; j < cols; j++) h[z + j]! += ti * h[row + j]!;
  }
}

/** The plain TypeScript kernels over a growable Float64Array heap. */
export function createJsKernels(): Kernels {
  let heap = new Float64Array(0);
  return {
    kind: 'js',
    get heap() {
      return heap;
    },
    reserve(elements) {
      if (heap.length < elements) {
        const next = new Float64Array(Math.max(elements, Math.ceil(heap.length * 1.5)));
        next.set(heap);
        heap = next;
      }
      return heap;
    },
    gramStep(a, rows, cols, q, t, z) {
      heap.fill(0, z, z + cols);
      gramRows(heap, a, rows, cols, q, t, z);
    },
    gramStepU8(a8, at8, rows, cols, q, t, z, limbs, limbCount) {
      const h = heap;
      const bytes = new Uint8Array(h.buffer, h.byteOffset);
      const limb = new Int16Array(h.buffer, h.byteOffset + limbs, 3 * u8LimbStride(rows, cols));
      const strideA = u8Stride(cols);
      const strideT = u8Stride(rows);
      const scaleQ = splitLimbs(h, q, cols, limb, strideA, limbCount);
      dotsU8(bytes, a8, rows, cols, strideA, limb, limbCount, h, t, scaleQ);
      const scaleT = splitLimbs(h, t, rows, limb, strideT, limbCount);
      dotsU8(bytes, at8, cols, rows, strideT, limb, limbCount, h, z, scaleT);
    },
    transposeBytes(src, rows, cols, srcStride, dst, dstStride) {
      const bytes = new Uint8Array(heap.buffer, heap.byteOffset);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++)
          bytes[dst + j * dstStride + i] = bytes[src + i * srcStride + j]!;
      }
      for (let j = 0; j < cols; j++) {
        bytes.fill(0, dst + j * dstStride + rows, dst + (j + 1) * dstStride);
      }
    },
    gatherBytes(source, first, rows, cols, step, dst, dstStride) {
      checkSpan('gatherBytes', 'source', source, first, rows * cols, step);
      const bytes = new Uint8Array(heap.buffer, heap.byteOffset);
      let any = 0;
      for (let i = 0, s = first; i < rows; i++) {
        const row = dst + i * dstStride;
        for (let o = row, end = o + cols; o < end; o++, s += step) {
          const v = source[s]!;
          bytes[o] = v;
          any |= v;
        }
        bytes.fill(0, row + cols, row + dstStride);
      }
      return any === 0 ? 0 : 1;
    },
    interleave3(planes, pixels, target) {
      checkSpan('interleave3', 'planes', planes, 0, 3 * pixels, 1);
      checkSpan('interleave3', 'target', target, 0, 3 * pixels, 1);
      for (let p = 0, o = 0; p < pixels; p++, o += 3) {
        target[o] = planes[p]!;
        target[o + 1] = planes[pixels + p]!;
        target[o + 2] = planes[2 * pixels + p]!;
      }
    },
    floorToSamples(src, rows, cols, rowStep, colStep, samples, out, step) {
      const h = heap;
      const bytes = new Uint8Array(h.buffer, h.byteOffset);
      let e = 0;
      for (let r = 0, p = src; r < rows; r++) {
        for (let c = 0, pixel = r * rowStep * step; c < cols; c++, p++, pixel += colStep * step) {
          const x = h[p]!;
          if (Number.isNaN(x)) return x;
          const v = Math.min(Math.max(Math.floor(x), 0), 255);
          bytes[out + pixel] = v;
          const d = v - bytes[samples + pixel]!;
          e += d * d;
        }
      }
      return e;
    },
    floorProduct(l, ldl, r, ldr, p, rows, cols, planar, planarStride, target, targetAt, step) {
      checkSpan('floorProduct', 'target', target, targetAt, rows * cols, step);
      const h = heap;
      const bytes = new Uint8Array(h.buffer, h.byteOffset);
      let e = 0;
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let s = 0;
          for (let t = 0; t < p; t++) s += h[l + t * ldl + i]! * h[r + t * ldr + j]!;
          if (Number.isNaN(s)) return s;
          const v = Math.min(Math.max(Math.floor(s), 0), 255);
          target[targetAt + (i * cols + j) * step] = v;
          const d = v - bytes[planar + i * planarStride + j]!;
          e += d * d;
        }
      }
      return e;
    },
    dotRows(x, count, ldx, y, len, out) {
      const h = heap;
      for (let r = 0; r < count; r++) h[out + r] = dot(h, x + r * ldx, y, len);
    },
    subtractRows(x, count, ldx, coef, y, len) {
      const h = heap;
      for (let r = 0; r < count; r++) {
        const c = h[coef + r]!;
        const xr = x + r * ldx;
        for (let j = 0; j < len; j++) h[y + j]! -= c * h[xr + j]!;
      }
    },
    rank1Rows(y, count, ldy, coef, v, len) {
      const h = heap;
      for (let r = 0; r < count; r++) {
        const c = h[coef + r]!;
        const yr = y + r * ldy;
        for (let j = 0; j < len; j++) h[yr + j]! -= c * h[v + j]!;
      }
    },
    rank2Rows(g, count, ldg, v, w, len) {
      const h = heap;
      for (let r = 0; r < count; r++) {
        const vr = h[v + r]!;
        const wr = h[w + r]!;
        const gr = g + r * ldg;
        for (let j = 0; j < len; j++) h[gr + j] = h[gr + j]! - vr * h[w + j]! - wr * h[v + j]!;
      }
    },
    dotsNT(x, xCount, ldx, y, yCount, ldy, len, c, ldc) {
      const h = heap;
      for (let i = 0; i < xCount; i++) {
        for (let j = 0; j < yCount; j++) h[c + i * ldc + j] = dot(h, x + i * ldx, y + j * ldy, len);
      }
    },
    gemmNN(b, m, k, ldb, v, n, ldv, c, ldc) {
      const h = heap;
      for (let i = 0; i < m; i++) {
        const ci = c + i * ldc;
        h.fill(0, ci, ci + n);
        for (let p = 0; p < k; p++) {
          const bip = h[b + i * ldb + p]!;
          const vp = v + p * ldv;
          for (let j = 0; j < n; j++) h[ci + j]! += bip * h[vp + j]!;
        }
      }
    },
    lastRowEigen(d, e, last, n) {
      const h = heap;
      try {
        tridiagonalEigen(
          h.subarray(d, d + n),
          h.subarray(e, e + n),
          (i, c, s) => {
            const x = h[last + i]!;
            const y = h[last + i + 1]!;
            h[last + i] = c * x - s * y;
            h[last + i + 1] = s * x + c * y;
          },
          plainHypot,
        );
      } catch (error) {
        if (error instanceof TridiagonalError) return error.index + 1;
        throw error;
      }
      return 0;
    },
    rotate(x, y, len, c, s) {
      const h = heap;
      for (let j = 0; j < len; j++) {
        const xj = h[x + j]!;
        const yj = h[y + j]!;
        h[x + j] = c * xj - s * yj;
        h[y + j] = s * xj + c * yj;
      }
    },
    rotateBack(w, ld, len, rot, count) {
      for (let k = count - 1; k >= 0; k--) {
        const at = rot + 3 * k;
        const row = w + heap[at]! * ld;
        this.rotate(row, row + ld, len, heap[at + 1]!, -heap[at + 2]!);
      }
    },
  };
}

/**
 * Throws a RangeError unless `count` bytes `step` apart from `at` (at >= 0, step >= 1) lie in
 * `array`, the argument `what` of kernel `kernel`; returns the byte after the last of them.
 * @internal
 */
export function checkSpan(
  kernel: string,
  what: string,
  array: Uint8Array,
  at: number,
  count: number,
  step: number,
): number {
  const end = count > 0 ? at + (count - 1) * step + 1 : at;
  if (!(array instanceof Uint8Array) || !(at >= 0) || !(step >= 1) || end > array.length) {
    throw new RangeError(
      `${kernel}'s ${what} must hold ${count} bytes ${step} apart from byte ${at} (to byte ${end}), got ${array instanceof Uint8Array ? `${array.length} bytes` : typeof array}`,
    );
  }
  return end;
}

/** The row stride, in bytes, of a uint8 matrix with `cols` columns for gramStepU8: a multiple of 16. */
export function u8Stride(cols: number): number {
  return Math.ceil(cols / 16) * 16;
}

/**
 * The scratch bytes {@link Kernels.floorProduct} needs for p terms and a rows x cols result:
 * float32 copies of L and R padded to 4 rows and 16 columns, float64 transposes for the entries
 * it redoes, the bounds, 16 bytes for a partial block, 64 for the epilogue's arguments (and 16
 * of alignment), and a strip of four rows of float32 sums (the WebAssembly kernel pads the
 * columns to 8 only; the native one, to 16).
 */
export function floorProductScratchBytes(p: number, rows: number, cols: number): number {
  const rows4 = Math.ceil(rows / 4) * 4;
  // 16 for the native kernel's tiles (native/svd-native.c); the WebAssembly's take 8.
  const cols16 = Math.ceil(cols / 16) * 16;
  return 4 * p * (rows4 + cols16) + 8 * p * (rows + cols) + 8 * (rows4 + cols16) + 96 + 16 * cols16;
}

/** The int16 elements between gramStepU8's limb rows for a rows x cols matrix. */
function u8LimbStride(rows: number, cols: number): number {
  return Math.max(u8Stride(rows), u8Stride(cols));
}

/** The bytes gramStepU8 needs at `limbs` for a rows x cols matrix (up to three int16 limb rows). */
export function u8LimbBytes(rows: number, cols: number): number {
  return 6 * u8LimbStride(rows, cols);
}

const exponentBits = new Float64Array(1);
const exponentWords = new Uint32Array(exponentBits.buffer);
/** The biased IEEE exponent of x (x > 0). Little-endian: the high word is the second. */
function biasedExponent(x: number): number {
  exponentBits[0] = x;
  return (exponentWords[1]! >>> 20) & 2047;
}
/** 2^e for an integer e in [-1022, 1023], exactly. */
function powerOfTwo(e: number): number {
  exponentWords[0] = 0;
  exponentWords[1] = (e + 1023) << 20;
  return exponentBits[0]!;
}

/**
 * Cuts the `len` float64 values at heap offset x into `count` int16 limb rows (limb l from
 * index l * stride of `limb`), every operation exact. With s = max |x_j|: for count 3, E =
 * min(1022, 45 - exponent(s)), X_j = floor(x_j 2^E + 0.5) has at most 46 bits and X_j = L0_j
 * 2^32 + L1_j 2^16 + L2_j with L1, L2 in [-32768, 32767] and |L0| <= 16385; for count 2, E =
 * min(1022, 29 - exponent(s)), |X_j| <= 2^30 and X_j = L0_j 2^16 + L1_j with |L0| <= 16384.
 * Returns 2^-E, or 0 for a zero vector. The WebAssembly $splitLimbs2 and $splitLimbs3 perform
 * the same operations.
 */
function splitLimbs(
  h: Float64Array,
  x: number,
  len: number,
  limb: Int16Array,
  stride: number,
  count: 2 | 3,
): number {
  let s = 0;
  for (let j = 0; j < len; j++) s = Math.max(s, Math.abs(h[x + j]!));
  if (s === 0) {
    for (let l = 0; l < count; l++) limb.fill(0, l * stride, l * stride + len);
    return 0;
  }
  const e = Math.min(1022, (count === 3 ? 1068 : 1052) - biasedExponent(s));
  const up = powerOfTwo(e);
  for (let j = 0; j < len; j++) {
    // The lowest limb first: v = 2^16 r + L_last, then r = 2^16 r' + L_middle for 3 limbs.
    let v = Math.floor(h[x + j]! * up + 0.5);
    for (let l = count - 1; l > 0; l--) {
      const low = v - Math.floor((v + 32768) * 2 ** -16) * 65536;
      limb[l * stride + j] = low;
      v = (v - low) * 2 ** -16;
    }
    limb[j] = v;
  }
  return powerOfTwo(-e);
}

/**
 * out[i] = (((D0 2^16 + D1) 2^16 + D2) scale (3 limbs; (D0 2^16 + D1) scale for 2) for the rows
 * < rows of the uint8 matrix at byte `mat` (row stride `stride`), D_l = Σ_j a_ij L_l_j: exact
 * integer sums, in any order.
 */
function dotsU8(
  bytes: Uint8Array,
  mat: number,
  rows: number,
  cols: number,
  stride: number,
  limb: Int16Array,
  count: 2 | 3,
  h: Float64Array,
  out: number,
  scale: number,
): void {
  for (let i = 0; i < rows; i++) {
    const row = mat + i * stride;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    for (let j = 0; j < cols; j++) {
      const a = bytes[row + j]!;
      d0 += a * limb[j]!;
      d1 += a * limb[stride + j]!;
      if (count === 3) d2 += a * limb[2 * stride + j]!;
    }
    h[out + i] = (count === 3 ? (d0 * 65536 + d1) * 65536 + d2 : d0 * 65536 + d1) * scale;
  }
}
