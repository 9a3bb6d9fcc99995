/*
 * Shared by the wasm kernel sources: vector types, the multiply-add of each build (plain SIMD128
 * or relaxed SIMD), export/inlining attributes, 16-bit weight decoders and a horizontal sum.
 */
#ifndef T1_SIMD_H
#define T1_SIMD_H
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

#define NOINLINE __attribute__((noinline))
#define EXPORT(name) __attribute__((export_name(#name)))

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

static inline float hsum(v4 x) {
  x = wasm_f32x4_add(x, wasm_i32x4_shuffle(x, x, 2, 3, 0, 1));
  x = wasm_f32x4_add(x, wasm_i32x4_shuffle(x, x, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(x, 0);
}

#endif
