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
#include "simd.h"

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

/* Scratch one thread needs for `gemm` (floats), exported so JS can size the per-thread area. */
EXPORT(scratch_floats) int scratch_floats(void) { return MC * KC + KC * NC + MR * NR; }
EXPORT(micro_rows) int micro_rows(void) { return MR; }

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
#if MR == 4
    if (h == MR && sai == 1) {
      /* A column-major in this block (dyᵀ of dW = dyᵀ·x): each p is one contiguous vector. */
      const float* s = A + (i0 + r) + (long)p0 * sap;
      for (int p = 0; p < kc; p++) wasm_v128_store(d + p * MR, wasm_v128_load(s + (long)p * sap));
      continue;
    }
    if (h == MR && sap == 1) {
      /* Row-major A: 4 rows x 4 values through a register transpose, full-vector loads/stores. */
      const float* s = A + (long)(i0 + r) * sai + p0;
      int p = 0;
      for (; p + 4 <= kc; p += 4) {
        v4 r0 = wasm_v128_load(s + p), r1 = wasm_v128_load(s + sai + p);
        v4 r2 = wasm_v128_load(s + 2L * sai + p), r3 = wasm_v128_load(s + 3L * sai + p);
        v4 t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
        v4 t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
        v4 t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
        v4 t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
        wasm_v128_store(d + p * MR, wasm_i64x2_shuffle(t0, t1, 0, 2));
        wasm_v128_store(d + p * MR + 4, wasm_i64x2_shuffle(t0, t1, 1, 3));
        wasm_v128_store(d + p * MR + 8, wasm_i64x2_shuffle(t2, t3, 0, 2));
        wasm_v128_store(d + p * MR + 12, wasm_i64x2_shuffle(t2, t3, 1, 3));
      }
      for (; p < kc; p++)
        for (int ii = 0; ii < MR; ii++) d[p * MR + ii] = s[(long)ii * sai + p];
      continue;
    }
#endif
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
