/*
 * t1 compute kernels, compiled twice to wasm32: plain SIMD128 and relaxed SIMD (fused
 * multiply-add). The JS side owns all memory (a shared WebAssembly.Memory): every pointer here is
 * a byte offset handed in by the caller, and the code never touches the C stack, because every
 * worker thread runs its own instance whose __stack_pointer would start at the same address.
 *
 * General matrix product, BLIS style: C[i][j] (+)= sum_p A(i,p) * B(p,j) where A(i,p) lives at
 * A[i*sai + p*sap] and B(p,j) at B[p*sbp + j*sbj]. One strided description covers the three
 * layouts of the contract (x·Wᵀ, dy·W, dyᵀ·x). Blocks of B (KC x NC) and A (MC x KC) are packed
 * into contiguous micro-panels so the MR x NR micro-kernel streams both from L1.
 */
#include <wasm_simd128.h>
#include <stdint.h>

typedef v128_t v4;
/* v128_t indexes as i64x2; this view indexes f32 lanes. */
typedef float f4 __attribute__((vector_size(16)));

#ifdef T1_RELAXED
#define FMA(acc, x, y) __builtin_wasm_relaxed_madd_f32x4((x), (y), (acc))
#else
#define FMA(acc, x, y) wasm_f32x4_add((acc), wasm_f32x4_mul((x), (y)))
#endif
/* 4 x 8 tile: 8 accumulators + 2 B vectors + broadcast (+ product temporary) stay within the 15
 * xmm registers V8 allocates on x64. Measured on Zen 5 with V8 11.3: 6 x 8 (which would fit
 * with FMA on paper) spills and runs at half the speed. */
#ifndef MR
#define MR 4
#endif
#define NR 8
#define KC 256
#define MC 96
#define NC 1024

#define NOINLINE __attribute__((noinline))
#define EXPORT(name) __attribute__((export_name(#name)))

/* Scratch one thread needs for `gemm` (floats), exported so JS can size the per-thread area. */
EXPORT(scratch_floats) int scratch_floats(void) { return MC * KC + KC * NC + MR * NR; }
EXPORT(micro_rows) int micro_rows(void) { return MR; }

/* Decodes 8 IEEE half bit patterns to f32 with 16-bit lane arithmetic: the high half of each
 * f32 gets the sign and the top 12 exponent+mantissa bits, the low half the last 3 mantissa bits
 * (so the f32 bits are (h & 0x7fff) << 13 with the sign on top), and one multiply by 2^112
 * rebiases the exponent, which also turns half subnormals into the right f32 value. 7 SIMD ops
 * per 8 weights. Limitation: half infinities and NaNs come out as finite values >= 2^16, which is
 * fine for weights (they must be finite anyway). */
static inline void half8_to_f32_v(v4 h, v4* lo, v4* hi) {
  v4 top = wasm_v128_and(wasm_i16x8_shr(h, 3), wasm_i16x8_splat((short)0x8fff));
  v4 bot = wasm_i16x8_shl(h, 13);
  v4 scale = wasm_f32x4_splat(0x1p112f);
  *lo = wasm_f32x4_mul(wasm_i16x8_shuffle(bot, top, 0, 8, 1, 9, 2, 10, 3, 11), scale);
  *hi = wasm_f32x4_mul(wasm_i16x8_shuffle(bot, top, 4, 12, 5, 13, 6, 14, 7, 15), scale);
}

static inline void half8_to_f32(const uint16_t* p, v4* lo, v4* hi) {
  half8_to_f32_v(wasm_v128_load(p), lo, hi);
}

static inline float half_to_f32(uint16_t h) {
  v4 lo, hi;
  half8_to_f32_v(wasm_i16x8_splat((short)h), &lo, &hi);
  return wasm_f32x4_extract_lane(lo, 0);
}

/* bfloat16 is the top half of an f32: decoding only moves each pattern into the high 16 bits. */
static inline void bf16x8_to_f32(const uint16_t* p, v4* lo, v4* hi) {
  v4 h = wasm_v128_load(p), z = wasm_i16x8_splat(0);
  *lo = wasm_i16x8_shuffle(z, h, 0, 8, 1, 9, 2, 10, 3, 11);
  *hi = wasm_i16x8_shuffle(z, h, 4, 12, 5, 13, 6, 14, 7, 15);
}

/* The same by widening: slower alone (1 thread, M = 1: 2.0 vs 0.9 ms for 2048x6144), but the
 * shuffle form makes V8 spill next to the 8 accumulators of the 3-4 row kernels (6.4 vs 5.0 ms). */
static inline void bf16x8_to_f32_wide(const uint16_t* p, v4* lo, v4* hi) {
  v4 h = wasm_v128_load(p);
  *lo = wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(h), 16);
  *hi = wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(h), 16);
}

static inline float bf16_to_f32(uint16_t h) {
  return wasm_f32x4_extract_lane(wasm_i32x4_splat((int)h << 16), 0);
}

/* Weight element types of B (the `b_type` argument). */
#define B_F32 0
#define B_F16 1
#define B_BF16 2
#define B_BF16_WIDE 3 /* bf16, decoded by widening (only inside the skinny kernels) */

static inline void dec8(int b_type, const uint16_t* p, v4* lo, v4* hi) {
  if (b_type == B_BF16) bf16x8_to_f32(p, lo, hi);
  else if (b_type == B_BF16_WIDE) bf16x8_to_f32_wide(p, lo, hi);
  else half8_to_f32(p, lo, hi);
}

static inline float dec1(int b_type, uint16_t h) {
  return b_type == B_BF16 || b_type == B_BF16_WIDE ? bf16_to_f32(h) : half_to_f32(h);
}

/* Stores the 4x4 block whose rows are r0..r3 transposed: column t goes to d + t*NR. */
static inline void store_transposed(float* d, v4 r0, v4 r1, v4 r2, v4 r3) {
  v4 t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
  v4 t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v4 t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v4 t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  wasm_v128_store(d, wasm_i64x2_shuffle(t0, t1, 0, 2));
  wasm_v128_store(d + NR, wasm_i64x2_shuffle(t0, t1, 1, 3));
  wasm_v128_store(d + 2 * NR, wasm_i64x2_shuffle(t2, t3, 0, 2));
  wasm_v128_store(d + 3 * NR, wasm_i64x2_shuffle(t2, t3, 1, 3));
}

/* Packs B(p0..p0+kc, j0..j0+nc) into NR-wide panels: panel q holds B(p, j0+q*NR+jj) at
 * [q*kc*NR + p*NR + jj], zero-padded past nc so the micro-kernel never branches on edges. */
static void pack_b(float* dst, const void* B, int b_type, int sbp, int sbj, int p0, int kc, int j0, int nc) {
  for (int q = 0; q < nc; q += NR) {
    int w = nc - q < NR ? nc - q : NR;
    float* d = dst + (q / NR) * kc * NR;
    if (b_type == B_F32 && sbj == 1 && w == NR) {
      const float* s = (const float*)B + (long)p0 * sbp + (j0 + q);
      for (int p = 0; p < kc; p++) {
        wasm_v128_store(d + p * NR, wasm_v128_load(s + (long)p * sbp));
        wasm_v128_store(d + p * NR + 4, wasm_v128_load(s + (long)p * sbp + 4));
      }
    } else if (sbp == 1 && w == NR) {
      /* Transposed source (rows of W contiguous in p): 4 rows x 4 values at a time through a
       * register transpose, so every load and store is a full vector. */
      for (int jj = 0; jj < NR; jj += 4) {
        long base = (long)(j0 + q + jj) * sbj + p0;
        int p = 0;
        if (b_type != B_F32) {
          const uint16_t* s = (const uint16_t*)B + base;
          for (; p + 8 <= kc; p += 8) {
            v4 lo0, hi0, lo1, hi1, lo2, hi2, lo3, hi3;
            dec8(b_type, s + p, &lo0, &hi0);
            dec8(b_type, s + (long)sbj + p, &lo1, &hi1);
            dec8(b_type, s + 2L * sbj + p, &lo2, &hi2);
            dec8(b_type, s + 3L * sbj + p, &lo3, &hi3);
            store_transposed(d + p * NR + jj, lo0, lo1, lo2, lo3);
            store_transposed(d + (p + 4) * NR + jj, hi0, hi1, hi2, hi3);
          }
          for (; p < kc; p++)
            for (int t = 0; t < 4; t++) d[p * NR + jj + t] = dec1(b_type, s[(long)t * sbj + p]);
        } else {
          const float* s = (const float*)B + base;
          for (; p + 4 <= kc; p += 4)
            store_transposed(d + p * NR + jj, wasm_v128_load(s + p), wasm_v128_load(s + sbj + p),
                             wasm_v128_load(s + 2L * sbj + p), wasm_v128_load(s + 3L * sbj + p));
          for (; p < kc; p++)
            for (int t = 0; t < 4; t++) d[p * NR + jj + t] = s[(long)t * sbj + p];
        }
      }
    } else {
      for (int p = 0; p < kc; p++)
        for (int jj = 0; jj < NR; jj++) {
          float x = 0.0f;
          if (jj < w) {
            long at = (long)(p0 + p) * sbp + (long)(j0 + q + jj) * sbj;
            x = b_type != B_F32 ? dec1(b_type, ((const uint16_t*)B)[at]) : ((const float*)B)[at];
          }
          d[p * NR + jj] = x;
        }
    }
  }
}

/* Packs A(i0..i0+mc, p0..p0+kc) into MR-tall panels: A(i0+r*MR+ii, p) at [r*kc*MR + p*MR + ii]. */
static void pack_a(float* dst, const float* A, int sai, int sap, int i0, int mc, int p0, int kc) {
  for (int r = 0; r < mc; r += MR) {
    int h = mc - r < MR ? mc - r : MR;
    float* d = dst + (r / MR) * kc * MR;
    for (int ii = 0; ii < MR; ii++) {
      if (ii >= h) {
        for (int p = 0; p < kc; p++) d[p * MR + ii] = 0.0f;
        continue;
      }
      const float* s = A + (long)(i0 + r + ii) * sai + (long)p0 * sap;
      if (sap == 1)
        for (int p = 0; p < kc; p++) d[p * MR + ii] = s[p];
      else
        for (int p = 0; p < kc; p++) d[p * MR + ii] = s[(long)p * sap];
    }
  }
}

/* C(MR x NR, row stride ldc) = (load_c ? C : 0) + Apanel · Bpanel over kc steps. */
static NOINLINE void micro_kernel(int kc, const float* a, const float* b, float* c, int ldc, int load_c) {
  v4 acc[MR][2];
  for (int i = 0; i < MR; i++) {
    acc[i][0] = load_c ? wasm_v128_load(c + i * ldc) : wasm_f32x4_splat(0.0f);
    acc[i][1] = load_c ? wasm_v128_load(c + i * ldc + 4) : wasm_f32x4_splat(0.0f);
  }
  for (int p = 0; p < kc; p++) {
    v4 b0 = wasm_v128_load(b);
    v4 b1 = wasm_v128_load(b + 4);
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
      v4 x = wasm_v128_load32_splat(a + i);
      acc[i][0] = FMA(acc[i][0], x, b0);
      acc[i][1] = FMA(acc[i][1], x, b1);
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; i++) {
    wasm_v128_store(c + i * ldc, acc[i][0]);
    wasm_v128_store(c + i * ldc + 4, acc[i][1]);
  }
}

/* Computes rows i0..i1 and columns j0..j1 of C; `scratch` holds scratch_floats() floats that no
 * other thread uses. Threads call this on disjoint column (or row) ranges of the same product. */
EXPORT(gemm) void gemm(int M, int N, int K, const float* A, int sai, int sap, const void* B, int b_type, int sbp, int sbj,
          float* C, int ldc, int accumulate, float* scratch, int i0, int i1, int j0, int j1) {
  (void)M; (void)N;
  float* pa = scratch;
  float* pb = scratch + MC * KC;
  float* tile = pb + KC * NC;
  if (K == 0) {
    if (!accumulate)
      for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) C[(long)i * ldc + j] = 0.0f;
    return;
  }
  for (int jc = j0; jc < j1; jc += NC) {
    int nc = j1 - jc < NC ? j1 - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      int load_c = pc > 0 || accumulate;
      pack_b(pb, B, b_type, sbp, sbj, pc, kc, jc, nc);
      for (int ic = i0; ic < i1; ic += MC) {
        int mc = i1 - ic < MC ? i1 - ic : MC;
        pack_a(pa, A, sai, sap, ic, mc, pc, kc);
        for (int jr = 0; jr < nc; jr += NR) {
          int w = nc - jr < NR ? nc - jr : NR;
          const float* bp = pb + (jr / NR) * kc * NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int h = mc - ir < MR ? mc - ir : MR;
            const float* ap = pa + (ir / MR) * kc * MR;
            float* c = C + (long)(ic + ir) * ldc + (jc + jr);
            if (h == MR && w == NR) {
              micro_kernel(kc, ap, bp, c, ldc, load_c);
            } else {
              micro_kernel(kc, ap, bp, tile, NR, 0);
              for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                  c[(long)i * ldc + j] = (load_c ? c[(long)i * ldc + j] : 0.0f) + tile[i * NR + j];
            }
          }
        }
      }
    }
  }
}

static inline float hsum(v4 x) {
  x = wasm_f32x4_add(x, wasm_i32x4_shuffle(x, x, 2, 3, 0, 1));
  x = wasm_f32x4_add(x, wasm_i32x4_shuffle(x, x, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(x, 0);
}

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
