// SVD kernels of wasm/svd-kernels.wat in C with 256-bit AVX2, for x86-64 CPUs that have it: the
// uint8 Gram step, floorProduct, dotRows, subtractRows and gemmNN on the WebAssembly heap itself
// (the memory's ArrayBuffer is passed in with each call), and the byte moves gatherBytes and
// interleave3 on the JavaScript arrays themselves (where the WebAssembly must copy them into its
// memory and out), with the same results bit for bit. WebAssembly SIMD stops at 128 bits; this
// does twice the work per instruction. Built by scripts/build-native.mjs when a C compiler and
// Node's headers are present, loaded by src/svd/native-kernels.ts when the CPU has AVX2;
// everywhere else the WebAssembly kernels run.
//
// Bit-identity: the vector's rounding to 31 or 46 bits and its cut into int16 limbs are the
// WebAssembly's float64 operations in the same order (compiled with -ffp-contract=off, so no
// multiply-add is fused); the dot products of bytes and limbs are exact integers whatever the
// order; the last combination is the same float64 expression.
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>

static double pow2(int e) {
  uint64_t bits = (uint64_t)(e + 1023) << 52;
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static int biasedExponent(double s) {
  uint64_t bits;
  memcpy(&bits, &s, sizeof bits);
  return (int)((bits >> 52) & 2047);
}

// Rounds x (len values) to X = round(x 2^E), E = bias - exponent of max |x| (at most 1022), and
// cuts X into `count` int16 limb rows (limb 0 the most significant), limbStride int16 apart.
// Returns 2^-E, or 0 for a zero vector (its limbs all zero).
__attribute__((target("avx2"))) static double splitLimbs(const double *x, int len, int16_t *limbs, int limbStride, int count) {
  double s = 0;
  for (int i = 0; i < len; i++) {
    double a = fabs(x[i]);
    if (a > s) s = a;
  }
  if (s == 0) {
    for (int l = 0; l < count; l++) memset(limbs + l * limbStride, 0, 2 * (size_t)len);
    return 0;
  }
  int e = (count == 2 ? 1052 : 1068) - biasedExponent(s);
  if (e > 1022) e = 1022;
  const double up = pow2(e);
  for (int i = 0; i < len; i++) {
    double v = floor(x[i] * up + 0.5);
    double l = v - floor((v + 32768) * 0x1p-16) * 65536;
    if (count == 2) {
      limbs[limbStride + i] = (int16_t)(int32_t)l;
      limbs[i] = (int16_t)(int32_t)((v - l) * 0x1p-16);
    } else {
      limbs[2 * limbStride + i] = (int16_t)(int32_t)l;
      double r = (v - l) * 0x1p-16;
      double l1 = r - floor((r + 32768) * 0x1p-16) * 65536;
      limbs[limbStride + i] = (int16_t)(int32_t)l1;
      limbs[i] = (int16_t)(int32_t)((r - l1) * 0x1p-16);
    }
  }
  return pow2(-e);
}

// Sums of the eight 32-bit lanes of each of a, b, c and d, widened to 64 bits first (exact):
// the int64 vector [Σa, Σb, Σc, Σd].
__attribute__((target("avx2"))) static inline __m256i laneSums4(__m256i a, __m256i b, __m256i c,
                                                                __m256i d) {
#define WIDEN(v)                                                                                \
  _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)),                          \
                   _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)))
  const __m256i wa = WIDEN(a), wb = WIDEN(b), wc = WIDEN(c), wd = WIDEN(d);
#undef WIDEN
  // [a0+a1, b0+b1, a2+a3, b2+b3] and the same of c and d, then the two halves added.
  const __m256i ab = _mm256_add_epi64(_mm256_unpacklo_epi64(wa, wb), _mm256_unpackhi_epi64(wa, wb));
  const __m256i cd = _mm256_add_epi64(_mm256_unpacklo_epi64(wc, wd), _mm256_unpackhi_epi64(wc, wd));
  return _mm256_add_epi64(_mm256_permute2x128_si256(ab, cd, 0x20),
                          _mm256_permute2x128_si256(ab, cd, 0x31));
}

// Columns between flushes of the 32-bit sums into 64 bits. A lane takes two products of a
// sample (at most 255) and a limb (at least -32768, and a top limb is at most 2^14 + 1 in size)
// per 16 columns, at most 16711680 in size: 128 of those, 2139095040, still fit below 2^31.
// Bands up to 2048 samples wide (a 1064x1064 photo's 1072 columns) need no flush inside a row.
#define FLUSH_COLUMNS 2048

// out[i] = row_i . X 2^-E for the `rows` rows of the uint8 matrix at mat (stride bytes apart, a
// multiple of 16, zero padding), X in `count` limb rows of `stride` int16 values each (limb l at
// limbs + l * stride), combined as the WebAssembly does: ((d0 2^16 + d1) 2^16 + d2) scale.

// Two limbs, four rows at a time (a last group of fewer repeats its last row; only the real
// rows are stored). The loop is written in assembly: from the same code in intrinsics GCC 12
// keeps the eight sums in registers only with eight register copies per 16 columns, 0.57
// against 0.54 ns per 16 columns of a row on the 1064x1072 band of the test machine.
#define DOT_ROW(K, X, HI, LO)                                                                   \
  "vpmovzxbw (%[r" #K "],%[j]), %%ymm" #X "\n\t"                                              \
  "vpmaddwd %%ymm14, %%ymm" #X ", %%ymm13\n\t"                                                \
  "vpaddd %%ymm13, %%ymm" #HI ", %%ymm" #HI "\n\t"                                            \
  "vpmaddwd %%ymm15, %%ymm" #X ", %%ymm" #X "\n\t"                                            \
  "vpaddd %%ymm" #X ", %%ymm" #LO ", %%ymm" #LO "\n\t"
__attribute__((target("avx2"))) static void dotsU8x2(const uint8_t *mat, int rows, int stride,
                                                     const int16_t *limbs, double *out,
                                                     double scale) {
  __m256i sums[8];
  for (int i = 0; i < rows; i += 4) {
    const uint8_t *r[4];
    for (int k = 0; k < 4; k++) r[k] = mat + (size_t)(i + k < rows ? i + k : rows - 1) * stride;
    __m256i top = _mm256_setzero_si256(), low = _mm256_setzero_si256();
    for (long off = 0; off < stride; off += FLUSH_COLUMNS) {
      long j = off;
      const long end = off + FLUSH_COLUMNS < stride ? off + FLUSH_COLUMNS : stride;
      // ymm0-7: the sums (row k's top limb in 2k, its low limb in 2k + 1); ymm14, ymm15: the
      // limbs of 16 columns; ymm8-11: the rows' samples widened to 16 bits; ymm13: a product.
      __asm__ volatile(
          "vpxor %%xmm0, %%xmm0, %%xmm0\n\tvpxor %%xmm1, %%xmm1, %%xmm1\n\t"
          "vpxor %%xmm2, %%xmm2, %%xmm2\n\tvpxor %%xmm3, %%xmm3, %%xmm3\n\t"
          "vpxor %%xmm4, %%xmm4, %%xmm4\n\tvpxor %%xmm5, %%xmm5, %%xmm5\n\t"
          "vpxor %%xmm6, %%xmm6, %%xmm6\n\tvpxor %%xmm7, %%xmm7, %%xmm7\n\t"
          "1:\n\t"
          "vmovdqu (%[l0],%[j],2), %%ymm14\n\t"
          "vmovdqu (%[l1],%[j],2), %%ymm15\n\t"
          DOT_ROW(0, 8, 0, 1) DOT_ROW(1, 9, 2, 3) DOT_ROW(2, 10, 4, 5) DOT_ROW(3, 11, 6, 7)
          "add $16, %[j]\n\t"
          "cmp %[end], %[j]\n\t"
          "jl 1b\n\t"
          "vmovdqu %%ymm0, 0(%[sums])\n\tvmovdqu %%ymm2, 32(%[sums])\n\t"
          "vmovdqu %%ymm4, 64(%[sums])\n\tvmovdqu %%ymm6, 96(%[sums])\n\t"
          "vmovdqu %%ymm1, 128(%[sums])\n\tvmovdqu %%ymm3, 160(%[sums])\n\t"
          "vmovdqu %%ymm5, 192(%[sums])\n\tvmovdqu %%ymm7, 224(%[sums])\n\t"
          : [j] "+r"(j)
          : [r0] "r"(r[0]), [r1] "r"(r[1]), [r2] "r"(r[2]), [r3] "r"(r[3]), [l0] "r"(limbs),
            [l1] "r"(limbs + stride), [end] "r"(end), [sums] "r"(sums)
          : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
            "xmm10", "xmm11", "xmm13", "xmm14", "xmm15", "memory", "cc");
      top = _mm256_add_epi64(top, laneSums4(sums[0], sums[1], sums[2], sums[3]));
      low = _mm256_add_epi64(low, laneSums4(sums[4], sums[5], sums[6], sums[7]));
    }
    int64_t d0[4], d1[4];
    _mm256_storeu_si256((__m256i *)d0, top);
    _mm256_storeu_si256((__m256i *)d1, low);
    for (int k = 0; k < 4 && i + k < rows; k++) out[i + k] = ((double)d0[k] * 65536 + (double)d1[k]) * scale;
  }
}
#undef DOT_ROW

// Three limbs (the precise step), three rows at a time, in intrinsics.
__attribute__((target("avx2"))) static void dotsU8x3(const uint8_t *mat, int rows, int stride,
                                                     const int16_t *limbs, double *out,
                                                     double scale) {
  for (int i = 0; i < rows; i += 3) {
    const uint8_t *r[3];
    for (int k = 0; k < 3; k++) r[k] = mat + (size_t)(i + k < rows ? i + k : rows - 1) * stride;
    // Lanes of row k, limb l at 3k + l; the ninth sum stays zero.
    __m256i wide[3] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
    for (int off = 0; off < stride; off += FLUSH_COLUMNS) {
      const int end = off + FLUSH_COLUMNS < stride ? off + FLUSH_COLUMNS : stride;
      __m256i c[9];
      for (int s = 0; s < 9; s++) c[s] = _mm256_setzero_si256();
      for (int j = off; j < end; j += 16) {
        __m256i m[3];
        for (int l = 0; l < 3; l++) m[l] = _mm256_loadu_si256((const __m256i *)(limbs + l * stride + j));
        for (int k = 0; k < 3; k++) {
          __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r[k] + j)));
          for (int l = 0; l < 3; l++) c[3 * k + l] = _mm256_add_epi32(c[3 * k + l], _mm256_madd_epi16(x, m[l]));
        }
      }
      wide[0] = _mm256_add_epi64(wide[0], laneSums4(c[0], c[1], c[2], c[3]));
      wide[1] = _mm256_add_epi64(wide[1], laneSums4(c[4], c[5], c[6], c[7]));
      wide[2] = _mm256_add_epi64(wide[2], laneSums4(c[8], c[8], c[8], c[8]));
    }
    int64_t d[12];
    for (int w = 0; w < 3; w++) _mm256_storeu_si256((__m256i *)(d + 4 * w), wide[w]);
    for (int k = 0; k < 3 && i + k < rows; k++) {
      const double v = ((double)d[3 * k] * 65536 + (double)d[3 * k + 1]) * 65536 + (double)d[3 * k + 2];
      out[i + k] = v * scale;
    }
  }
}

__attribute__((target("avx2"))) static void dotsU8(const uint8_t *mat, int rows, int stride,
                                                   const int16_t *limbs, int count, double *out,
                                                   double scale) {
  if (count == 2) dotsU8x2(mat, rows, stride, limbs, out, scale);
  else dotsU8x3(mat, rows, stride, limbs, out, scale);
}

static unsigned roundUp16(unsigned n) { return (n + 15) & ~15u; }

// The bytes of a JavaScript argument: the WebAssembly memory's ArrayBuffer, or a Uint8Array.
typedef struct {
  uint8_t *data;
  size_t length;
} Bytes;

// Reads the arguments of kernel `name` as `spec` says, one letter each: 'M' the memory's
// ArrayBuffer, 'B' a Uint8Array (both into `bytes`, in order), 'u' a non-negative integer below
// 2^32 (into `nums`, in order). Throws a TypeError naming the kernel and returns 0 when they do
// not match.
static int getArgs(napi_env env, napi_callback_info info, const char *name, const char *spec,
                   Bytes *bytes, uint32_t *nums) {
  napi_value argv[20];
  size_t argc = 20;
  const size_t count = strlen(spec);
  char message[200];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) {
    snprintf(message, sizeof message, "%s takes %zu arguments, got %zu", name, count, argc);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  for (size_t k = 0; k < count; k++) {
    int ok;
    if (spec[k] == 'M') {
      void *data = NULL;
      ok = napi_get_arraybuffer_info(env, argv[k], &data, &bytes->length) == napi_ok;
      bytes->data = data;
      bytes++;
    } else if (spec[k] == 'B') {
      napi_typedarray_type type;
      void *data = NULL;
      ok = napi_get_typedarray_info(env, argv[k], &type, &bytes->length, &data, NULL, NULL) ==
               napi_ok &&
           type == napi_uint8_array;
      bytes->data = data;
      bytes++;
    } else {
      ok = napi_get_value_uint32(env, argv[k], nums++) == napi_ok;
    }
    if (!ok) {
      snprintf(message, sizeof message, "%s's argument %zu must be %s", name, k + 1,
               spec[k] == 'M'   ? "the WebAssembly memory's ArrayBuffer"
               : spec[k] == 'B' ? "a Uint8Array"
                                : "a non-negative integer");
      napi_throw_type_error(env, NULL, message);
      return 0;
    }
  }
  return 1;
}

// Whether `array` (a JavaScript array) shares no byte with the memory.
static int apart(const Bytes *array, const Bytes *memory) {
  return array->data + array->length <= memory->data || memory->data + memory->length <= array->data;
}

// gramStepU8(memory, a8, at8, rows, cols, q, t, z, limbs, count): the WebAssembly export's
// arguments (byte offsets a8, at8 and limbs; float64 element offsets q, t and z) after the
// WebAssembly memory's ArrayBuffer. Offsets are trusted (the TypeScript caller computes them)
// but checked against the buffer's length, so that a bad one throws instead of corrupting memory.
static napi_value gramStepU8(napi_env env, napi_callback_info info) {
  Bytes memory;
  uint32_t a[9];
  if (!getArgs(env, info, "gramStepU8", "Muuuuuuuuu", &memory, a)) return NULL;
  const size_t length = memory.length;
  const uint32_t a8 = a[0], at8 = a[1], rows = a[2], cols = a[3], q = a[4], t = a[5], z = a[6];
  const uint32_t limbs = a[7], count = a[8];
  const uint64_t strideA = roundUp16(cols), strideT = roundUp16(rows);
  const uint64_t limbStride = strideA > strideT ? strideA : strideT;
  const uint64_t need[] = {
      a8 + rows * strideA, at8 + cols * strideT, 8 * ((uint64_t)q + cols),
      8 * ((uint64_t)t + rows), 8 * ((uint64_t)z + cols), limbs + 2 * 3 * limbStride,
  };
  int fits = (count == 2 || count == 3) && limbs % 2 == 0;
  for (int k = 0; k < 6; k++) fits = fits && need[k] <= length;
  if (!fits) {
    napi_throw_range_error(env, NULL, "gramStepU8's offsets fall outside the memory");
    return NULL;
  }
  uint8_t *heap = memory.data;
  int16_t *limbRows = (int16_t *)(heap + limbs);
  double *qv = (double *)heap + q, *tv = (double *)heap + t, *zv = (double *)heap + z;
  double scale = splitLimbs(qv, (int)cols, limbRows, (int)strideA, (int)count);
  dotsU8(heap + a8, (int)rows, (int)strideA, limbRows, (int)count, tv, scale);
  scale = splitLimbs(tv, (int)rows, limbRows, (int)strideT, (int)count);
  dotsU8(heap + at8, (int)cols, (int)strideT, limbRows, (int)count, zv, scale);
  return NULL;
}

// floorProduct (see src/svd/kernels.ts): out = floor(Σ_t l_ti r_tj) clamped to 0..255, the sum
// meant in float64 in order of t, without forming it: float32 sums in 4 x 16 register tiles
// (fused multiply-adds), and every entry whose floor float32 could get wrong summed again in
// float64 in order of t. The test is the WebAssembly kernel's (its comments give the bound: with
// γ' as computed below, the float64 sum lies within γ' (|l_i0| |r_j0| + ‖l_i'‖ ‖r_j'‖) of the
// float32 one, fused or not), so the bytes are floor(float64 sum) exactly, as there.
// Returns Σ (out - sample)² (exact), or NaN when a sum is NaN.
typedef struct {
  const double *l, *r;
  int ldl, ldr, p, rows, cols, step, planarStride;
  const uint8_t *planar;
  uint8_t *out;
} Product;

// The float64 sum of entry (i, j) in order of t (the transposed copies lt, rt), floored and
// clamped; NaN flags *sawNaN and gives 0.
static int fixEntry(const double *lt, const double *rt, int p, int *sawNaN) {
  double s = 0;
  for (int t = 0; t < p; t++) s += lt[t] * rt[t];
  if (s != s) {
    *sawNaN = 1;
    return 0;
  }
  double v = floor(s);
  return v < 0 ? 0 : v > 255 ? 255 : (int)v;
}

static size_t up4(size_t n) { return (n + 3) & ~(size_t)3; }
static size_t up16(size_t n) { return (n + 15) & ~(size_t)15; }

// The scratch bytes floorProduct needs (src/svd/kernels.ts's floorProductScratchBytes covers it).
static size_t floorScratchBytes(size_t p, size_t rows, size_t cols) {
  const size_t rows4 = up4(rows), cols16 = up16(cols);
  return 4 * p * (rows4 + cols16) + 8 * p * (rows + cols) + 8 * (rows4 + cols16) + 16 * cols16 + 96;
}

__attribute__((target("avx2,fma"))) static double floorProductAvx2(const Product *a, uint8_t *scratch) {
  const int p = a->p, rows = a->rows, cols = a->cols;
  const size_t rows4 = up4(rows), cols16 = up16(cols);
  float *l32 = (float *)scratch;                 // panels of 4 rows: [i/4][t][i%4]
  float *r32 = l32 + p * rows4;                  // panels of 16 columns: [j/16][t][j%16]
  double *lt = (double *)(r32 + p * cols16);     // lt[i p + t] = l_ti
  double *rt = lt + (size_t)rows * p;            // rt[j p + t] = r_tj
  float *rowB = (float *)(rt + (size_t)cols * p); // γ' |l_i0|, rounded up, at least 2^-60
  float *rowB2 = rowB + rows4;                   // γ' ‖l_i'‖
  float *colN = rowB2 + rows4;                   // |r_j0|
  float *colN2 = colN + cols16;                  // ‖r_j'‖
  float *strip = colN2 + cols16;                 // 4 rows of cols16 float32 sums
  for (int t = 0; t < p; t++) {
    const double *src = a->l + (size_t)t * a->ldl;
    for (size_t i = 0; i < rows4; i++) {
      double v = i < (size_t)rows ? src[i] : 0;
      if (i < (size_t)rows) lt[i * p + t] = v;
      l32[(i / 4) * 4 * p + t * 4 + i % 4] = (float)v;
    }
    src = a->r + (size_t)t * a->ldr;
    for (size_t j = 0; j < cols16; j++) {
      double v = j < (size_t)cols ? src[j] : 0;
      if (j < (size_t)cols) rt[j * p + t] = v;
      r32[(j / 16) * 16 * p + t * 16 + j % 16] = (float)v;
    }
  }
  double g = (double)(p + 2) * 0x1p-24;
  double gamma = g / (1 - g);
  g = (double)p * 0x1p-53;
  gamma = 1.001 * (gamma + g / (1 - g));
  for (size_t i = 0; i < rows4; i++) {
    double s = 0, s1 = 0;
    if (i < (size_t)rows) {
      const double *row = lt + i * p;
      for (int t = 1; t < p; t++) s += row[t] * row[t];
      s1 = p ? fabs(row[0]) : 0;
      s1 = fmax(gamma * s1, 0x1p-60) * 0x1.00001p0;
      s = fmax(gamma * sqrt(s), 0x1p-60) * 0x1.00001p0;
    }
    rowB[i] = (float)s1;
    rowB2[i] = (float)s;
  }
  for (size_t j = 0; j < cols16; j++) {
    double s = 0, s1 = 0;
    if (j < (size_t)cols) {
      const double *col = rt + j * p;
      for (int t = 1; t < p; t++) s += col[t] * col[t];
      s1 = p ? fabs(col[0]) : 0;
      s1 = fmax(s1, 0x1p-60) * 0x1.00001p0;
      s = fmax(sqrt(s), 0x1p-60) * 0x1.00001p0;
    }
    colN[j] = (float)s1;
    colN2[j] = (float)s;
  }
  int sawNaN = 0;
  int64_t error = 0;
  const __m256 one = _mm256_set1_ps(1), zero = _mm256_setzero_ps(), top = _mm256_set1_ps(255);
  for (int i0 = 0; i0 < rows; i0 += 4) {
    for (size_t j0 = 0; j0 < (size_t)cols; j0 += 16) {
      __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
      __m256 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
      const float *lp = l32 + (size_t)i0 * p, *rp = r32 + j0 * p;
      for (int t = 0; t < p; t++, lp += 4, rp += 16) {
        __m256 w0 = _mm256_loadu_ps(rp), w1 = _mm256_loadu_ps(rp + 8);
        __m256 b = _mm256_broadcast_ss(lp);
        c00 = _mm256_fmadd_ps(b, w0, c00);
        c01 = _mm256_fmadd_ps(b, w1, c01);
        b = _mm256_broadcast_ss(lp + 1);
        c10 = _mm256_fmadd_ps(b, w0, c10);
        c11 = _mm256_fmadd_ps(b, w1, c11);
        b = _mm256_broadcast_ss(lp + 2);
        c20 = _mm256_fmadd_ps(b, w0, c20);
        c21 = _mm256_fmadd_ps(b, w1, c21);
        b = _mm256_broadcast_ss(lp + 3);
        c30 = _mm256_fmadd_ps(b, w0, c30);
        c31 = _mm256_fmadd_ps(b, w1, c31);
      }
      float *at = strip + j0;
      _mm256_storeu_ps(at, c00);
      _mm256_storeu_ps(at + 8, c01);
      _mm256_storeu_ps(at + cols16, c10);
      _mm256_storeu_ps(at + cols16 + 8, c11);
      _mm256_storeu_ps(at + 2 * cols16, c20);
      _mm256_storeu_ps(at + 2 * cols16 + 8, c21);
      _mm256_storeu_ps(at + 3 * cols16, c30);
      _mm256_storeu_ps(at + 3 * cols16 + 8, c31);
    }
    const int n = rows - i0 < 4 ? rows - i0 : 4;
    for (int k = 0; k < n; k++) {
      const int row = i0 + k;
      const __m256 bv = _mm256_set1_ps(rowB[row]), bw = _mm256_set1_ps(rowB2[row]);
      const float *x = strip + (size_t)k * cols16;
      const uint8_t *samples = a->planar + (size_t)row * a->planarStride;
      uint8_t *outRow = a->out + (size_t)row * cols * a->step;
      __m128i err = _mm_setzero_si128();
      for (int j0 = 0; j0 < cols; j0 += 8) {
        if ((j0 & 8191) == 0) {
          // Each 32-bit lane takes at most 2 * 255² per 8 columns: flushed every 8192.
          int32_t e4[4];
          _mm_storeu_si128((__m128i *)e4, err);
          error += (int64_t)e4[0] + e4[1] + e4[2] + e4[3];
          err = _mm_setzero_si128();
        }
        __m256 v = _mm256_loadu_ps(x + j0);
        __m256 f = _mm256_floor_ps(v);
        // Sure: b < frac and frac + b < 1 (frac = x - floor(x) is exact; the sum reaches 1 only
        // if the exact one does); b from float32 products and a sum, as in the WebAssembly.
        __m256 kb = _mm256_add_ps(_mm256_mul_ps(bv, _mm256_loadu_ps(colN + j0)),
                                  _mm256_mul_ps(bw, _mm256_loadu_ps(colN2 + j0)));
        __m256 d = _mm256_sub_ps(v, f);
        __m256 sure = _mm256_and_ps(_mm256_cmp_ps(d, kb, _CMP_GT_OQ),
                                    _mm256_cmp_ps(_mm256_add_ps(d, kb), one, _CMP_LT_OQ));
        f = _mm256_min_ps(_mm256_max_ps(f, zero), top);
        __m256i ints = _mm256_cvttps_epi32(f);
        const int mask = _mm256_movemask_ps(sure);
        const int last = cols - j0 < 8 ? cols - j0 : 8;
        if (mask != 0xff) {
          int32_t lanes[8];
          _mm256_storeu_si256((__m256i *)lanes, ints);
          for (int q = 0; q < 8; q++) {
            if (!(mask >> q & 1)) {
              lanes[q] = q < last
                  ? fixEntry(lt + (size_t)row * p, rt + (size_t)(j0 + q) * p, p, &sawNaN)
                  : 0;
            }
          }
          ints = _mm256_loadu_si256((const __m256i *)lanes);
        }
        __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(ints), _mm256_extracti128_si256(ints, 1));
        __m128i bytes = _mm_packus_epi16(words, words);
        uint8_t *dst = outRow + (size_t)j0 * a->step;
        if (last == 8 && a->step == 1) {
          _mm_storel_epi64((__m128i *)dst, bytes);
        } else {
          uint8_t b8[16];
          _mm_storeu_si128((__m128i *)b8, bytes);
          for (int q = 0; q < last; q++) dst[(size_t)q * a->step] = b8[q];
        }
        // Columns past cols are 0 against zeros (the rows of samples are zero-padded to 16).
        __m128i diff = _mm_sub_epi16(words, _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(samples + j0))));
        err = _mm_add_epi32(err, _mm_madd_epi16(diff, diff));
      }
      int32_t e4[4];
      _mm_storeu_si128((__m128i *)e4, err);
      error += (int64_t)e4[0] + e4[1] + e4[2] + e4[3];
    }
  }
  return sawNaN ? NAN : (double)error;
}


// The float64 kernels of the Lanczos loop and the Ritz vectors, in the WebAssembly's order of
// operations (multiplies and adds, never fused): the same bits.

// x . y as the WebAssembly's $dot sums it: four partial sums over the elements 0, 1, 2 and 3
// mod 4 (one 256-bit register here, two 128-bit ones there), combined as (P0 + P2) + (P1 + P3),
// then the len mod 4 last products added one by one.
__attribute__((target("avx2"))) static double dot(const double *x, const double *y, size_t len) {
  __m256d a = _mm256_setzero_pd();
  size_t j = 0;
  for (; j + 4 <= len; j += 4) a = _mm256_add_pd(a, _mm256_mul_pd(_mm256_loadu_pd(x + j), _mm256_loadu_pd(y + j)));
  __m128d v = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
  double r = _mm_cvtsd_f64(v) + _mm_cvtsd_f64(_mm_unpackhi_pd(v, v));
  for (; j < len; j++) r += x[j] * y[j];
  return r;
}

__attribute__((target("avx2"))) static void dotRowsAvx2(const double *x, size_t count, size_t ldx,
                                                        const double *y, size_t len, double *out) {
  size_t r = 0;
  // Four rows share each load of y.
  for (; r + 4 <= count; r += 4) {
    const double *x0 = x + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
    size_t j = 0;
    for (; j + 4 <= len; j += 4) {
      __m256d yv = _mm256_loadu_pd(y + j);
      a0 = _mm256_add_pd(a0, _mm256_mul_pd(_mm256_loadu_pd(x0 + j), yv));
      a1 = _mm256_add_pd(a1, _mm256_mul_pd(_mm256_loadu_pd(x1 + j), yv));
      a2 = _mm256_add_pd(a2, _mm256_mul_pd(_mm256_loadu_pd(x2 + j), yv));
      a3 = _mm256_add_pd(a3, _mm256_mul_pd(_mm256_loadu_pd(x3 + j), yv));
    }
    __m256d acc[4] = {a0, a1, a2, a3};
    const double *rows[4] = {x0, x1, x2, x3};
    for (int k = 0; k < 4; k++) {
      __m128d v = _mm_add_pd(_mm256_castpd256_pd128(acc[k]), _mm256_extractf128_pd(acc[k], 1));
      double s = _mm_cvtsd_f64(v) + _mm_cvtsd_f64(_mm_unpackhi_pd(v, v));
      for (size_t t = j; t < len; t++) s += rows[k][t] * y[t];
      out[r + k] = s;
    }
  }
  for (; r < count; r++) out[r] = dot(x + r * ldx, y, len);
}

// y -= c_r x_r for r = 0, 1, ... in order: elementwise, so any grouping of rows gives the bits
// of the WebAssembly's (four rows per pass there, as here).
__attribute__((target("avx2"))) static void subtractRowsAvx2(const double *x, size_t count, size_t ldx,
                                                             const double *coef, double *y, size_t len) {
  size_t r = 0;
  for (; r + 4 <= count; r += 4) {
    const double *x0 = x + r * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
    const double c0 = coef[r], c1 = coef[r + 1], c2 = coef[r + 2], c3 = coef[r + 3];
    const __m256d v0 = _mm256_set1_pd(c0), v1 = _mm256_set1_pd(c1), v2 = _mm256_set1_pd(c2), v3 = _mm256_set1_pd(c3);
    size_t j = 0;
    for (; j + 4 <= len; j += 4) {
      __m256d a = _mm256_loadu_pd(y + j);
      a = _mm256_sub_pd(a, _mm256_mul_pd(v0, _mm256_loadu_pd(x0 + j)));
      a = _mm256_sub_pd(a, _mm256_mul_pd(v1, _mm256_loadu_pd(x1 + j)));
      a = _mm256_sub_pd(a, _mm256_mul_pd(v2, _mm256_loadu_pd(x2 + j)));
      a = _mm256_sub_pd(a, _mm256_mul_pd(v3, _mm256_loadu_pd(x3 + j)));
      _mm256_storeu_pd(y + j, a);
    }
    for (; j < len; j++) y[j] = (((y[j] - c0 * x0[j]) - c1 * x1[j]) - c2 * x2[j]) - c3 * x3[j];
  }
  for (; r < count; r++) {
    const double c = coef[r], *xr = x + r * ldx;
    const __m256d cv = _mm256_set1_pd(c);
    size_t j = 0;
    for (; j + 4 <= len; j += 4) {
      _mm256_storeu_pd(y + j, _mm256_sub_pd(_mm256_loadu_pd(y + j), _mm256_mul_pd(cv, _mm256_loadu_pd(xr + j))));
    }
    for (; j < len; j++) y[j] = y[j] - c * xr[j];
  }
}

// C = B V (B m x k, V k x n, row strides ldb, ldv, ldc), each c_ij summed in order of p from 0
// (from +0), as the WebAssembly's gemmNN: 8 columns by 4 rows per register tile, the block's 8
// columns of V copied into `panel` (k x 8, contiguous) first, so that it stays in L1 and in few
// pages while every row group passes over it.
__attribute__((target("avx2"))) static void gemmNNAvx2(const double *b, size_t m, size_t k, size_t ldb,
                                                       const double *v, size_t n, size_t ldv, double *c,
                                                       size_t ldc, double *panel) {
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (size_t p = 0; p < k; p++) {
      _mm256_storeu_pd(panel + 8 * p, _mm256_loadu_pd(v + p * ldv + j));
      _mm256_storeu_pd(panel + 8 * p + 4, _mm256_loadu_pd(v + p * ldv + j + 4));
    }
    size_t i = 0;
    for (; i + 4 <= m; i += 4) {
      const double *b0 = b + i * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
      __m256d e0 = _mm256_setzero_pd(), e1 = e0, f0 = e0, f1 = e0, g0 = e0, g1 = e0, h0 = e0, h1 = e0;
      for (size_t p = 0; p < k; p++) {
        const __m256d w0 = _mm256_loadu_pd(panel + 8 * p), w1 = _mm256_loadu_pd(panel + 8 * p + 4);
        __m256d s = _mm256_broadcast_sd(b0 + p);
        e0 = _mm256_add_pd(e0, _mm256_mul_pd(s, w0));
        e1 = _mm256_add_pd(e1, _mm256_mul_pd(s, w1));
        s = _mm256_broadcast_sd(b1 + p);
        f0 = _mm256_add_pd(f0, _mm256_mul_pd(s, w0));
        f1 = _mm256_add_pd(f1, _mm256_mul_pd(s, w1));
        s = _mm256_broadcast_sd(b2 + p);
        g0 = _mm256_add_pd(g0, _mm256_mul_pd(s, w0));
        g1 = _mm256_add_pd(g1, _mm256_mul_pd(s, w1));
        s = _mm256_broadcast_sd(b3 + p);
        h0 = _mm256_add_pd(h0, _mm256_mul_pd(s, w0));
        h1 = _mm256_add_pd(h1, _mm256_mul_pd(s, w1));
      }
      double *c0 = c + i * ldc + j;
      _mm256_storeu_pd(c0, e0);
      _mm256_storeu_pd(c0 + 4, e1);
      _mm256_storeu_pd(c0 + ldc, f0);
      _mm256_storeu_pd(c0 + ldc + 4, f1);
      _mm256_storeu_pd(c0 + 2 * ldc, g0);
      _mm256_storeu_pd(c0 + 2 * ldc + 4, g1);
      _mm256_storeu_pd(c0 + 3 * ldc, h0);
      _mm256_storeu_pd(c0 + 3 * ldc + 4, h1);
    }
    for (; i < m; i++) {
      const double *b0 = b + i * ldb;
      __m256d e0 = _mm256_setzero_pd(), e1 = e0;
      for (size_t p = 0; p < k; p++) {
        const __m256d s = _mm256_broadcast_sd(b0 + p);
        e0 = _mm256_add_pd(e0, _mm256_mul_pd(s, _mm256_loadu_pd(panel + 8 * p)));
        e1 = _mm256_add_pd(e1, _mm256_mul_pd(s, _mm256_loadu_pd(panel + 8 * p + 4)));
      }
      _mm256_storeu_pd(c + i * ldc + j, e0);
      _mm256_storeu_pd(c + i * ldc + j + 4, e1);
    }
  }
  for (; j < n; j++) {
    for (size_t i = 0; i < m; i++) {
      double s = 0;
      for (size_t p = 0; p < k; p++) s += b[i * ldb + p] * v[p * ldv + j];
      c[i * ldc + j] = s;
    }
  }
}

// floorProduct(memory, l, ldl, r, ldr, p, rows, cols, planar, planarStride, target, targetAt,
// step, scratch): Kernels.floorProduct after the memory's ArrayBuffer (l and r float64 element
// offsets, planar and scratch bytes of the memory; target a Uint8Array apart from the memory,
// written in place). Returns the squared error, or NaN.
static napi_value floorProduct(napi_env env, napi_callback_info info) {
  Bytes b[2];
  uint32_t a[12];
  if (!getArgs(env, info, "floorProduct", "MuuuuuuuuuBuuu", b, a)) return NULL;
  const size_t length = b[0].length;
  const uint64_t l = a[0], ldl = a[1], r = a[2], ldr = a[3], p = a[4], rows = a[5], cols = a[6];
  const uint64_t planar = a[7], planarStride = a[8], targetAt = a[9], step = a[10];
  const uint64_t scratch = a[11];
  const uint64_t need[] = {
      p && rows ? 8 * (l + (p - 1) * ldl + rows) : 0,
      p && cols ? 8 * (r + (p - 1) * ldr + cols) : 0,
      rows ? planar + (rows - 1) * planarStride + ((cols + 7) & ~7ull) : 0,
      scratch + floorScratchBytes(p, rows, cols),
  };
  int fits = step >= 1 && scratch % 8 == 0 && planarStride >= ((cols + 7) & ~7ull);
  for (int k = 0; k < 4; k++) fits = fits && need[k] <= length;
  if (!fits) {
    napi_throw_range_error(env, NULL, "floorProduct's offsets fall outside the memory");
    return NULL;
  }
  if ((rows && cols && targetAt + (rows * cols - 1) * step + 1 > b[1].length) || !apart(&b[1], &b[0])) {
    napi_throw_range_error(env, NULL, "floorProduct's product falls outside its target (or the target lies in the memory)");
    return NULL;
  }
  uint8_t *heap = b[0].data;
  const Product product = {
      .l = (const double *)heap + l, .r = (const double *)heap + r, .ldl = (int)ldl,
      .ldr = (int)ldr, .p = (int)p, .rows = (int)rows, .cols = (int)cols, .step = (int)step,
      .planarStride = (int)planarStride, .planar = heap + planar, .out = b[1].data + targetAt,
  };
  napi_value result;
  napi_create_double(env, floorProductAvx2(&product, heap + scratch), &result);
  return result;
}

// The byte moves between the image's samples and the matrix, on JavaScript arrays in place.

// One channel of 16 pixels from their 48 interleaved bytes in three vectors v0, v1, v2: a
// shuffle of each (0x80 selects zero), or-ed together. gatherMasks[v][k] is the place of byte
// 3k in vector v.
static int8_t gatherMasks[3][16];
// interleaveMasks[o][c][k]: which byte of plane c goes to byte k of output vector o.
static int8_t interleaveMasks[3][3][16];

static void initByteMasks(void) {
  for (int v = 0; v < 3; v++) {
    for (int k = 0; k < 16; k++) {
      gatherMasks[v][k] = 3 * k / 16 == v ? (int8_t)(3 * k % 16) : (int8_t)0x80;
    }
  }
  for (int o = 0; o < 3; o++) {
    for (int c = 0; c < 3; c++) {
      for (int k = 0; k < 16; k++) {
        const int at = 16 * o + k;
        interleaveMasks[o][c][k] = at % 3 == c ? (int8_t)(at / 3) : (int8_t)0x80;
      }
    }
  }
}

// Kernels.gatherBytes: row i of the matrix (dst + i stride) takes samples first + (i cols + j)
// step of src, zero-padded to the stride. Returns the bytes or-ed together.
__attribute__((target("avx2"))) static unsigned gatherAvx2(const Bytes *src, size_t first,
                                                           size_t rows, size_t cols, size_t step,
                                                           uint8_t *dst, size_t stride) {
  const __m128i m0 = _mm_loadu_si128((const __m128i *)gatherMasks[0]);
  const __m128i m1 = _mm_loadu_si128((const __m128i *)gatherMasks[1]);
  const __m128i m2 = _mm_loadu_si128((const __m128i *)gatherMasks[2]);
  __m128i any = _mm_setzero_si128();
  unsigned tail = 0;
  for (size_t i = 0; i < rows; i++) {
    const uint8_t *s = src->data + first + i * cols * step;
    uint8_t *d = dst + i * stride;
    size_t j = 0;
    if (step == 3) {
      // 48 bytes read for each 16 samples: only while they lie in the array.
      const size_t room = src->length - (size_t)(s - src->data);
      for (; j + 16 <= cols && 3 * j + 48 <= room; j += 16) {
        const __m128i v0 = _mm_loadu_si128((const __m128i *)(s + 3 * j));
        const __m128i v1 = _mm_loadu_si128((const __m128i *)(s + 3 * j + 16));
        const __m128i v2 = _mm_loadu_si128((const __m128i *)(s + 3 * j + 32));
        const __m128i x = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(v0, m0), _mm_shuffle_epi8(v1, m1)),
                                       _mm_shuffle_epi8(v2, m2));
        _mm_storeu_si128((__m128i *)(d + j), x);
        any = _mm_or_si128(any, x);
      }
    } else if (step == 1) {
      for (; j + 16 <= cols; j += 16) {
        const __m128i x = _mm_loadu_si128((const __m128i *)(s + j));
        _mm_storeu_si128((__m128i *)(d + j), x);
        any = _mm_or_si128(any, x);
      }
    }
    for (; j < cols; j++) {
      d[j] = s[j * step];
      tail |= d[j];
    }
    memset(d + cols, 0, stride - cols);
  }
  return tail | !_mm_testz_si128(any, any);
}

// gatherBytes(memory, source, first, rows, cols, step, dst, dstStride, spare): Kernels.gatherBytes
// (spare unused: no copy is made).
static napi_value gatherBytes(napi_env env, napi_callback_info info) {
  Bytes b[2];
  uint32_t a[7];
  if (!getArgs(env, info, "gatherBytes", "MBuuuuuuu", b, a)) return NULL;
  const uint64_t first = a[0], rows = a[1], cols = a[2], step = a[3], dst = a[4], stride = a[5];
  if (step < 1 || stride < cols || (rows && dst + rows * stride > b[0].length)) {
    napi_throw_range_error(env, NULL, "gatherBytes's rows fall outside the memory");
    return NULL;
  }
  if ((rows && cols && first + (rows * cols - 1) * step + 1 > b[1].length) || !apart(&b[1], &b[0])) {
    napi_throw_range_error(env, NULL, "gatherBytes's samples fall outside its source (or the source lies in the memory)");
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, gatherAvx2(&b[1], first, rows, cols, step, b[0].data + dst, stride) ? 1 : 0, &result);
  return result;
}

// interleave3(memory, planes, pixels, target, spare): Kernels.interleave3 (the memory and spare
// unused), 16 pixels per three shuffles of each plane.
__attribute__((target("avx2"))) static void interleaveAvx2(const uint8_t *planes, size_t pixels, uint8_t *out) {
  const uint8_t *r = planes, *g = planes + pixels, *b = planes + 2 * pixels;
  size_t p = 0;
  __m128i m[3][3];
  for (int o = 0; o < 3; o++) {
    for (int c = 0; c < 3; c++) m[o][c] = _mm_loadu_si128((const __m128i *)interleaveMasks[o][c]);
  }
  for (; p + 16 <= pixels; p += 16) {
    const __m128i vr = _mm_loadu_si128((const __m128i *)(r + p));
    const __m128i vg = _mm_loadu_si128((const __m128i *)(g + p));
    const __m128i vb = _mm_loadu_si128((const __m128i *)(b + p));
    for (int o = 0; o < 3; o++) {
      const __m128i x = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(vr, m[o][0]), _mm_shuffle_epi8(vg, m[o][1])),
                                     _mm_shuffle_epi8(vb, m[o][2]));
      _mm_storeu_si128((__m128i *)(out + 3 * p + 16 * o), x);
    }
  }
  for (; p < pixels; p++) {
    out[3 * p] = r[p];
    out[3 * p + 1] = g[p];
    out[3 * p + 2] = b[p];
  }
}

static napi_value interleave3(napi_env env, napi_callback_info info) {
  Bytes b[3];
  uint32_t a[2];
  if (!getArgs(env, info, "interleave3", "MBuBu", b, a)) return NULL;
  const uint64_t pixels = a[0];
  const Bytes *planes = &b[1], *target = &b[2];
  if (3 * pixels > planes->length || 3 * pixels > target->length || !apart(planes, target)) {
    napi_throw_range_error(env, NULL, "interleave3's planes and target must each hold 3 * pixels bytes, apart");
    return NULL;
  }
  interleaveAvx2(planes->data, pixels, target->data);
  return NULL;
}

// Each row r < count of x (ldx apart), len values, and so on: true when [off, off + ...) lies in
// a buffer of `elements` float64 values.
static int rowsFit(uint64_t off, uint64_t count, uint64_t ld, uint64_t len, uint64_t elements) {
  return count == 0 || len == 0 || off + (count - 1) * ld + len <= elements;
}

// dotRows(memory, x, count, ldx, y, len, out): out[r] = x_r . y (float64 element offsets).
static napi_value dotRows(napi_env env, napi_callback_info info) {
  Bytes memory;
  uint32_t a[6];
  if (!getArgs(env, info, "dotRows", "Muuuuuu", &memory, a)) return NULL;
  const uint64_t elements = memory.length / 8;
  if (!rowsFit(a[0], a[1], a[2], a[4], elements) || !rowsFit(a[3], 1, 0, a[4], elements) ||
      !rowsFit(a[5], 1, 0, a[1], elements)) {
    napi_throw_range_error(env, NULL, "dotRows's offsets fall outside the memory");
    return NULL;
  }
  double *h = (double *)memory.data;
  dotRowsAvx2(h + a[0], a[1], a[2], h + a[3], a[4], h + a[5]);
  return NULL;
}

// subtractRows(memory, x, count, ldx, coef, y, len): y -= Σ_r coef[r] x_r, row after row.
static napi_value subtractRows(napi_env env, napi_callback_info info) {
  Bytes memory;
  uint32_t a[6];
  if (!getArgs(env, info, "subtractRows", "Muuuuuu", &memory, a)) return NULL;
  const uint64_t elements = memory.length / 8;
  if (!rowsFit(a[0], a[1], a[2], a[5], elements) || !rowsFit(a[3], 1, 0, a[1], elements) ||
      !rowsFit(a[4], 1, 0, a[5], elements)) {
    napi_throw_range_error(env, NULL, "subtractRows's offsets fall outside the memory");
    return NULL;
  }
  double *h = (double *)memory.data;
  subtractRowsAvx2(h + a[0], a[1], a[2], h + a[3], h + a[4], a[5]);
  return NULL;
}

// gemmNN(memory, b, m, k, ldb, v, n, ldv, c, ldc): C = B V (float64 element offsets).
static napi_value gemmNN(napi_env env, napi_callback_info info) {
  Bytes memory;
  uint32_t a[9];
  if (!getArgs(env, info, "gemmNN", "Muuuuuuuuu", &memory, a)) return NULL;
  const uint64_t elements = memory.length / 8;
  const uint64_t b = a[0], m = a[1], k = a[2], ldb = a[3], v = a[4], n = a[5], ldv = a[6];
  const uint64_t c = a[7], ldc = a[8];
  if (!rowsFit(b, m, ldb, k, elements) || !rowsFit(v, k, ldv, n, elements) ||
      !rowsFit(c, m, ldc, n, elements)) {
    napi_throw_range_error(env, NULL, "gemmNN's offsets fall outside the memory");
    return NULL;
  }
  double *panel = malloc(8 * sizeof(double) * (k ? k : 1));
  if (!panel) {
    napi_throw_error(env, NULL, "gemmNN could not allocate its panel");
    return NULL;
  }
  double *h = (double *)memory.data;
  gemmNNAvx2(h + b, m, k, ldb, h + v, n, ldv, h + c, ldc, panel);
  free(panel);
  return NULL;
}

// The kernels' calling convention: src/svd/native-kernels.ts refuses an addon built from a
// source whose number differs (raise it with any change to a kernel's arguments).
#define NATIVE_ABI 2

NAPI_MODULE_INIT() {
  napi_value abi;
  napi_create_uint32(env, NATIVE_ABI, &abi);
  napi_set_named_property(env, exports, "abi", abi);
  napi_value avx2;
  napi_get_boolean(env, __builtin_cpu_supports("avx2"), &avx2);
  napi_set_named_property(env, exports, "avx2", avx2);
  napi_value fn;
  napi_create_function(env, "gramStepU8", NAPI_AUTO_LENGTH, gramStepU8, NULL, &fn);
  napi_set_named_property(env, exports, "gramStepU8", fn);
  napi_create_function(env, "floorProduct", NAPI_AUTO_LENGTH, floorProduct, NULL, &fn);
  napi_set_named_property(env, exports, "floorProduct", fn);
  napi_create_function(env, "dotRows", NAPI_AUTO_LENGTH, dotRows, NULL, &fn);
  napi_set_named_property(env, exports, "dotRows", fn);
  napi_create_function(env, "subtractRows", NAPI_AUTO_LENGTH, subtractRows, NULL, &fn);
  napi_set_named_property(env, exports, "subtractRows", fn);
  napi_create_function(env, "gemmNN", NAPI_AUTO_LENGTH, gemmNN, NULL, &fn);
  napi_set_named_property(env, exports, "gemmNN", fn);
  initByteMasks();
  napi_create_function(env, "gatherBytes", NAPI_AUTO_LENGTH, gatherBytes, NULL, &fn);
  napi_set_named_property(env, exports, "gatherBytes", fn);
  napi_create_function(env, "interleave3", NAPI_AUTO_LENGTH, interleave3, NULL, &fn);
  napi_set_named_property(env, exports, "interleave3", fn);
  return exports;
}
