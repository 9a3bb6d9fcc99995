/*
 * Unpacked "skinny" products for few rows of A (decode and small batches): x·Wᵀ with f32, f16
 * and bf16 weights, and plain a·b. Same memory rules as kernels.c: byte-offset pointers into the
 * shared memory, no C stack.
 */
#include "simd.h"

/* Skinny x·Wᵀ (decode, small batches): each output is a dot product along K. W is read one row
 * at a time, front to back: measured here, a single sequential stream reaches ~45 GB/s while
 * even two interleaved row streams drop to ~25 GB/s (the prefetcher stops at page boundaries).
 * U vectors per step give U independent accumulator chains per row of A. */
#define GEMV_FN(NAME, MM, U)                                                                       \
  static NOINLINE void NAME(int N, int K, const float* A, const float* B, float* C,      \
                                    int accumulate, int j0, int j1) {                              \
    (void)N;                                                                                       \
    for (int j = j0; j < j1; j++) {                                                                \
      const float* w = B + (long)j * K;                                                            \
      v4 acc[MM][U];                                                                               \
      for (int i = 0; i < MM; i++) for (int u = 0; u < U; u++) acc[i][u] = wasm_f32x4_splat(0.0f); \
      int k = 0;                                                                                   \
      for (; k + 4 * U <= K; k += 4 * U) {                                                         \
        for (int u = 0; u < U; u++) {                                                              \
          v4 y = wasm_v128_load(w + k + 4 * u);                                                    \
          for (int i = 0; i < MM; i++)                                                             \
            acc[i][u] = FMA(acc[i][u], wasm_v128_load(A + (long)i * K + k + 4 * u), y);            \
        }                                                                                          \
      }                                                                                            \
      for (; k + 4 <= K; k += 4) {                                                                 \
        v4 y = wasm_v128_load(w + k);                                                              \
        for (int i = 0; i < MM; i++) acc[i][0] = FMA(acc[i][0], wasm_v128_load(A + (long)i * K + k), y); \
      }                                                                                            \
      for (int i = 0; i < MM; i++) {                                                               \
        v4 t = acc[i][0];                                                                          \
        for (int u = 1; u < U; u++) t = wasm_f32x4_add(t, acc[i][u]);                              \
        float s = hsum(t);                                                                         \
        for (int kk = k; kk < K; kk++) s += A[(long)i * K + kk] * w[kk];                           \
        float* o = C + (long)i * N + j;                                                            \
        *o = accumulate ? *o + s : s;                                                              \
      }                                                                                            \
    }                                                                                              \
  }
/* From 3 rows of A on the loads of x dominate, so two W rows share each loaded x vector: the
 * second stream costs bandwidth, but these shapes are load-bound rather than memory-bound. */
#define GEMV2_FN(MM)                                                                               \
  static NOINLINE void gemv_tb_##MM(int N, int K, const float* A, const float* B, float* C,      \
                                    int accumulate, int j0, int j1) {                              \
    int j = j0;                                                                                    \
    for (; j + 2 <= j1; j += 2) {                                                                  \
      const float* w0 = B + (long)j * K;                                                           \
      const float* w1 = w0 + K;                                                                    \
      v4 acc[MM][2];                                                                               \
      for (int i = 0; i < MM; i++) acc[i][0] = acc[i][1] = wasm_f32x4_splat(0.0f);                 \
      int k = 0;                                                                                   \
      for (; k + 4 <= K; k += 4) {                                                                 \
        v4 y0 = wasm_v128_load(w0 + k), y1 = wasm_v128_load(w1 + k);                               \
        for (int i = 0; i < MM; i++) {                                                             \
          v4 x = wasm_v128_load(A + (long)i * K + k);                                              \
          acc[i][0] = FMA(acc[i][0], x, y0);                                                       \
          acc[i][1] = FMA(acc[i][1], x, y1);                                                       \
        }                                                                                          \
      }                                                                                            \
      for (int i = 0; i < MM; i++)                                                                 \
        for (int t = 0; t < 2; t++) {                                                              \
          const float* w = t ? w1 : w0;                                                            \
          float s = hsum(acc[i][t]);                                                               \
          for (int kk = k; kk < K; kk++) s += A[(long)i * K + kk] * w[kk];                         \
          float* o = C + (long)i * N + j + t;                                                      \
          *o = accumulate ? *o + s : s;                                                            \
        }                                                                                          \
    }                                                                                              \
    if (j < j1) gemv_tb_1x##MM(N, K, A, B, C, accumulate, j, j1);                                 \
  }
GEMV_FN(gemv_tb_1, 1, 4)
GEMV_FN(gemv_tb_2, 2, 2)
GEMV_FN(gemv_tb_1x3, 3, 2)
GEMV_FN(gemv_tb_1x4, 4, 2)
GEMV2_FN(3)
GEMV2_FN(4)

/* Columns j0..j1 of C(M,N) = A(M,K) · B(N,K)ᵀ without packing, for small M (decode, small
 * batches): W is streamed from memory once, in blocks of rows small enough to stay in L2 while
 * every group of 4 rows of A passes over them. */
static int row_block(int K, int bytes_per) {
  int cb = (262144 / (K * bytes_per + 1)) & ~3;
  return cb < 4 ? 4 : cb;
}

EXPORT(gemv_tb) void gemv_tb(int M, int N, int K, const float* A, const float* B, float* C, int accumulate, int j0, int j1) {
  int cb = row_block(K, 4);
  for (int jb = j0; jb < j1; jb += cb) {
    int je = j1 - jb < cb ? j1 : jb + cb;
    for (int i = 0; i < M; i += 4) {
      const float* a = A + (long)i * K;
      float* c = C + (long)i * N;
      switch (M - i) {
        case 1: gemv_tb_1(N, K, a, B, c, accumulate, jb, je); break;
        case 2: gemv_tb_2(N, K, a, B, c, accumulate, jb, je); break;
        case 3: gemv_tb_3(N, K, a, B, c, accumulate, jb, je); break;
        default: gemv_tb_4(N, K, a, B, c, accumulate, jb, je); break;
      }
    }
  }
}

/* Same with f16 weights, decoded 8 at a time in registers; one W row at a time as above. */
#define GEMVH_FN(NAME, TYPE, MM, U)                                                                \
  static NOINLINE void NAME(int N, int K, const float* A, const uint16_t* B, float* C, \
                                        int accumulate, int j0, int j1) {                          \
    for (int j = j0; j < j1; j++) {                                                                \
      const uint16_t* w = B + (long)j * K;                                                         \
      v4 acc[MM][2 * U];                                                                           \
      for (int i = 0; i < MM; i++) for (int u = 0; u < 2 * U; u++) acc[i][u] = wasm_f32x4_splat(0.0f); \
      int k = 0;                                                                                   \
      for (; k + 8 * U <= K; k += 8 * U) {                                                         \
        for (int u = 0; u < U; u++) {                                                              \
          v4 lo, hi;                                                                               \
          dec8(TYPE, w + k + 8 * u, &lo, &hi);                                                     \
          for (int i = 0; i < MM; i++) {                                                           \
            const float* x = A + (long)i * K + k + 8 * u;                                          \
            acc[i][2 * u] = FMA(acc[i][2 * u], wasm_v128_load(x), lo);                             \
            acc[i][2 * u + 1] = FMA(acc[i][2 * u + 1], wasm_v128_load(x + 4), hi);                 \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
      for (int i = 0; i < MM; i++) {                                                               \
        v4 t = acc[i][0];                                                                          \
        for (int u = 1; u < 2 * U; u++) t = wasm_f32x4_add(t, acc[i][u]);                          \
        float s = hsum(t);                                                                         \
        for (int kk = k; kk < K; kk++) s += A[(long)i * K + kk] * dec1(TYPE, w[kk]);               \
        float* o = C + (long)i * N + j;                                                            \
        *o = accumulate ? *o + s : s;                                                              \
      }                                                                                            \
    }                                                                                              \
  }
GEMVH_FN(gemv_tb_f16_1, B_F16, 1, 2)
GEMVH_FN(gemv_tb_f16_2, B_F16, 2, 1)
GEMVH_FN(gemv_tb_f16_3, B_F16, 3, 1)
GEMVH_FN(gemv_tb_f16_4, B_F16, 4, 1)
GEMVH_FN(gemv_tb_bf16_1, B_BF16, 1, 2)
GEMVH_FN(gemv_tb_bf16_2, B_BF16, 2, 1)
GEMVH_FN(gemv_tb_bf16_3, B_BF16_WIDE, 3, 1)
GEMVH_FN(gemv_tb_bf16_4, B_BF16_WIDE, 4, 1)

EXPORT(gemv_tb_f16) void gemv_tb_f16(int M, int N, int K, const float* A, const uint16_t* B, float* C, int accumulate, int j0, int j1) {
  int cb = row_block(K, 2);
  for (int jb = j0; jb < j1; jb += cb) {
    int je = j1 - jb < cb ? j1 : jb + cb;
    for (int i = 0; i < M; i += 4) {
      const float* a = A + (long)i * K;
      float* c = C + (long)i * N;
      switch (M - i) {
        case 1: gemv_tb_f16_1(N, K, a, B, c, accumulate, jb, je); break;
        case 2: gemv_tb_f16_2(N, K, a, B, c, accumulate, jb, je); break;
        case 3: gemv_tb_f16_3(N, K, a, B, c, accumulate, jb, je); break;
        default: gemv_tb_f16_4(N, K, a, B, c, accumulate, jb, je); break;
      }
    }
  }
}

EXPORT(gemv_tb_bf16) void gemv_tb_bf16(int M, int N, int K, const float* A, const uint16_t* B, float* C, int accumulate, int j0, int j1) {
  int cb = row_block(K, 2);
  for (int jb = j0; jb < j1; jb += cb) {
    int je = j1 - jb < cb ? j1 : jb + cb;
    for (int i = 0; i < M; i += 4) {
      const float* a = A + (long)i * K;
      float* c = C + (long)i * N;
      switch (M - i) {
        case 1: gemv_tb_bf16_1(N, K, a, B, c, accumulate, jb, je); break;
        case 2: gemv_tb_bf16_2(N, K, a, B, c, accumulate, jb, je); break;
        case 3: gemv_tb_bf16_3(N, K, a, B, c, accumulate, jb, je); break;
        default: gemv_tb_bf16_4(N, K, a, B, c, accumulate, jb, je); break;
      }
    }
  }
}

/* Skinny plain product C(M,N) = A(M,K) · B(K,N) for M <= 4 (decode attention: probabilities ·
 * V). The packed GEMM would pad M to MR rows and copy B first; here each block of 4·NV columns
 * keeps its M x NV accumulators in registers while B is read one cache line per row. */
#define GEMV_NN_FN(NAME, MM, NV)                                                                   \
  static NOINLINE void NAME(int N, int K, const float* A, const float* B, float* C, int accumulate, \
                            int j0, int j1) {                                                      \
    int j = j0;                                                                                    \
    for (; j + 4 * NV <= j1; j += 4 * NV) {                                                        \
      v4 acc[MM][NV];                                                                              \
      for (int i = 0; i < MM; i++)                                                                 \
        for (int v = 0; v < NV; v++)                                                               \
          acc[i][v] = accumulate ? wasm_v128_load(C + (long)i * N + j + 4 * v) : wasm_f32x4_splat(0.0f); \
      for (int k = 0; k < K; k++) {                                                                \
        const float* b = B + (long)k * N + j;                                                      \
        for (int i = 0; i < MM; i++) {                                                             \
          v4 x = wasm_v128_load32_splat(A + (long)i * K + k);                                      \
          for (int v = 0; v < NV; v++) acc[i][v] = FMA(acc[i][v], x, wasm_v128_load(b + 4 * v));   \
        }                                                                                          \
      }                                                                                            \
      for (int i = 0; i < MM; i++)                                                                 \
        for (int v = 0; v < NV; v++) wasm_v128_store(C + (long)i * N + j + 4 * v, acc[i][v]);      \
    }                                                                                              \
    for (; j < j1; j++)                                                                            \
      for (int i = 0; i < MM; i++) {                                                               \
        float s = accumulate ? C[(long)i * N + j] : 0.0f;                                          \
        for (int k = 0; k < K; k++) s += A[(long)i * K + k] * B[(long)k * N + j];                  \
        C[(long)i * N + j] = s;                                                                    \
      }                                                                                            \
  }
GEMV_NN_FN(gemv_nn_1, 1, 4)
GEMV_NN_FN(gemv_nn_2, 2, 4)
GEMV_NN_FN(gemv_nn_3, 3, 2)
GEMV_NN_FN(gemv_nn_4, 4, 2)

/* Columns j0..j1 of C(M,N) = A(M,K) · B(K,N), 1 <= M <= 4. */
EXPORT(gemv_nn) void gemv_nn(int M, int N, int K, const float* A, const float* B, float* C, int accumulate, int j0, int j1) {
  switch (M) {
    case 1: gemv_nn_1(N, K, A, B, C, accumulate, j0, j1); break;
    case 2: gemv_nn_2(N, K, A, B, C, accumulate, j0, j1); break;
    case 3: gemv_nn_3(N, K, A, B, C, accumulate, j0, j1); break;
    default: gemv_nn_4(N, K, A, B, C, accumulate, j0, j1); break;
  }
}
