// The uint8 Gram step of the SVD kernels (wasm/svd-kernels.wat, gramStepU8) in C with 256-bit
// AVX2, for x86-64 CPUs that have it: the same results, bit for bit, on the WebAssembly heap
// itself (the memory's ArrayBuffer is passed in with each call). WebAssembly SIMD stops at 128
// bits; this does twice the work per instruction. Built by scripts/build-native.mjs when a C
// compiler and Node's headers are present, loaded by src/svd/native-kernels.ts when the CPU has
// AVX2; everywhere else the WebAssembly kernel runs.
//
// Bit-identity: the vector's rounding to 31 or 46 bits and its cut into int16 limbs are the
// WebAssembly's float64 operations in the same order (compiled with -ffp-contract=off, so no
// multiply-add is fused); the dot products of bytes and limbs are exact integers whatever the
// order; the last combination is the same float64 expression.
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
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

__attribute__((target("avx2"))) static inline int64_t laneSum(__m256i c) {
  // The eight 32-bit lanes, each widened to 64 bits and added: exact.
  __m256i lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(c));
  __m256i hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(c, 1));
  __m256i s = _mm256_add_epi64(lo, hi);
  __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  return _mm_cvtsi128_si64(t) + _mm_extract_epi64(t, 1);
}

// out[i] = row_i . X 2^-E for the `rows` rows of the uint8 matrix at mat (stride bytes apart, a
// multiple of 16, zero padding), X in `count` limb rows of `stride` int16 values each (limb l at
// limbs + l * stride), combined as the WebAssembly does: ((d0 2^16 + d1) 2^16 + d2) scale.
// R rows at a time (a last group of fewer repeats its last row; only the real rows are stored);
// each 32-bit lane takes at most 2 * 255 * 32768 per 16 columns, so the lanes are flushed into
// 64 bits every 1024 columns (64 steps), far from overflowing.
#define DOTS_U8(NAME, R, C)                                                                     \
  __attribute__((target("avx2"))) static void NAME(const uint8_t *mat, int rows, int stride,    \
                                                   const int16_t *limbs, double *out,           \
                                                   double scale) {                              \
    for (int i = 0; i < rows; i += R) {                                                         \
      const uint8_t *r[R];                                                                      \
      for (int k = 0; k < R; k++) r[k] = mat + (size_t)(i + k < rows ? i + k : rows - 1) * stride; \
      int64_t d[R][C];                                                                          \
      memset(d, 0, sizeof d);                                                                   \
      for (int off = 0; off < stride; off += 1024) {                                            \
        const int end = off + 1024 < stride ? off + 1024 : stride;                              \
        __m256i c[R][C];                                                                        \
        for (int k = 0; k < R; k++)                                                             \
          for (int l = 0; l < C; l++) c[k][l] = _mm256_setzero_si256();                         \
        for (int j = off; j < end; j += 16) {                                                   \
          __m256i m[C];                                                                         \
          for (int l = 0; l < C; l++)                                                           \
            m[l] = _mm256_loadu_si256((const __m256i *)(limbs + l * stride + j));               \
          for (int k = 0; k < R; k++) {                                                         \
            __m256i x = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r[k] + j)));     \
            for (int l = 0; l < C; l++) c[k][l] = _mm256_add_epi32(c[k][l], _mm256_madd_epi16(x, m[l])); \
          }                                                                                     \
        }                                                                                       \
        for (int k = 0; k < R; k++)                                                             \
          for (int l = 0; l < C; l++) d[k][l] += laneSum(c[k][l]);                              \
      }                                                                                         \
      for (int k = 0; k < R && i + k < rows; k++) {                                             \
        double v = (double)d[k][0] * 65536 + (double)d[k][1];                                   \
        if (C == 3) v = v * 65536 + (double)d[k][C - 1];                                        \
        out[i + k] = v * scale;                                                                 \
      }                                                                                         \
    }                                                                                           \
  }
DOTS_U8(dotsU8x2, 4, 2)
DOTS_U8(dotsU8x3, 3, 3)

__attribute__((target("avx2"))) static void dotsU8(const uint8_t *mat, int rows, int stride,
                                                   const int16_t *limbs, int count, double *out,
                                                   double scale) {
  if (count == 2) dotsU8x2(mat, rows, stride, limbs, out, scale);
  else dotsU8x3(mat, rows, stride, limbs, out, scale);
}

static unsigned roundUp16(unsigned n) { return (n + 15) & ~15u; }

// gramStepU8(memory, a8, at8, rows, cols, q, t, z, limbs, count): the WebAssembly export's
// arguments (byte offsets a8, at8 and limbs; float64 element offsets q, t and z) after the
// WebAssembly memory's ArrayBuffer. Offsets are trusted (the TypeScript caller computes them)
// but checked against the buffer's length, so that a bad one throws instead of corrupting memory.
static napi_value gramStepU8(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 10) {
    napi_throw_type_error(env, NULL, "gramStepU8 takes the memory's ArrayBuffer and 9 offsets");
    return NULL;
  }
  void *base = NULL;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, argv[0], &base, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "gramStepU8's first argument must be an ArrayBuffer");
    return NULL;
  }
  uint32_t a[9];
  for (int k = 0; k < 9; k++) {
    if (napi_get_value_uint32(env, argv[k + 1], &a[k]) != napi_ok) {
      napi_throw_type_error(env, NULL, "gramStepU8's offsets must be non-negative integers");
      return NULL;
    }
  }
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
  uint8_t *heap = base;
  int16_t *limbRows = (int16_t *)(heap + limbs);
  double *qv = (double *)heap + q, *tv = (double *)heap + t, *zv = (double *)heap + z;
  double scale = splitLimbs(qv, (int)cols, limbRows, (int)strideA, (int)count);
  dotsU8(heap + a8, (int)rows, (int)strideA, limbRows, (int)count, tv, scale);
  scale = splitLimbs(tv, (int)rows, limbRows, (int)strideT, (int)count);
  dotsU8(heap + at8, (int)cols, (int)strideT, limbRows, (int)count, zv, scale);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value avx2;
  napi_get_boolean(env, __builtin_cpu_supports("avx2"), &avx2);
  napi_set_named_property(env, exports, "avx2", avx2);
  napi_value fn;
  napi_create_function(env, "gramStepU8", NAPI_AUTO_LENGTH, gramStepU8, NULL, &fn);
  napi_set_named_property(env, exports, "gramStepU8", fn);
  return exports;
}
