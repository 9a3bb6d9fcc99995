/*
 * Row-wise and elementwise transformer ops in wasm SIMD: RMSNorm, softmax, SwiGLU, residual add.
 * Same rules as kernels.c: pointers are byte offsets into the shared memory and the C stack is
 * never used. These are memory-bound; SIMD mainly removes the per-element cost of Math.exp.
 */
#include "simd.h"

#ifdef T1_RELAXED
#define MADD(x, y, acc) __builtin_wasm_relaxed_madd_f32x4((x), (y), (acc))
#else
#define MADD(x, y, acc) wasm_f32x4_add(wasm_f32x4_mul((x), (y)), (acc))
#endif

static inline float hmax(v4 x) {
  x = wasm_f32x4_pmax(x, wasm_i32x4_shuffle(x, x, 2, 3, 0, 1));
  x = wasm_f32x4_pmax(x, wasm_i32x4_shuffle(x, x, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(x, 0);
}

/* e^x: x = n·ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^7 (truncation error
 * < 6e-9 relative, below f32 rounding), 2^n assembled in the exponent bits. Inputs are clamped
 * to [-87.3, 88.7], so results stay normal: underflow gives ~1e-38 instead of 0 (harmless next
 * to the 1 that softmax's max term contributes) and overflow gives ~3e38 instead of infinity. */
static inline v4 exp4(v4 x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.7f));
  v4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  /* ln2 split in a part exact in f32 and a correction, so r keeps its low bits. */
  v4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.4286068203094172e-06f)));
  v4 p = wasm_f32x4_splat(1.0f / 5040.0f);
  p = MADD(p, r, wasm_f32x4_splat(1.0f / 720.0f));
  p = MADD(p, r, wasm_f32x4_splat(1.0f / 120.0f));
  p = MADD(p, r, wasm_f32x4_splat(1.0f / 24.0f));
  p = MADD(p, r, wasm_f32x4_splat(1.0f / 6.0f));
  p = MADD(p, r, wasm_f32x4_splat(0.5f));
  p = MADD(p, r, wasm_f32x4_splat(1.0f));
  p = MADD(p, r, wasm_f32x4_splat(1.0f));
  v4 scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline float exp1(float x) { return wasm_f32x4_extract_lane(exp4(wasm_f32x4_splat(x)), 0); }

/* out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w, for each of `rows` rows of `cols`. */
EXPORT(rmsnorm) void rmsnorm(float* out, const float* x, const float* w, int rows, int cols, float eps) {
  for (int r = 0; r < rows; r++) {
    const float* xr = x + (long)r * cols;
    float* o = out + (long)r * cols;
    v4 s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    int c = 0;
    for (; c + 8 <= cols; c += 8) {
      v4 a = wasm_v128_load(xr + c), b = wasm_v128_load(xr + c + 4);
      s0 = MADD(a, a, s0);
      s1 = MADD(b, b, s1);
    }
    float ss = hsum(wasm_f32x4_add(s0, s1));
    for (; c < cols; c++) ss += xr[c] * xr[c];
    float inv = 1.0f / __builtin_sqrtf(ss / (float)cols + eps);
    v4 vi = wasm_f32x4_splat(inv);
    c = 0;
    for (; c + 4 <= cols; c += 4)
      wasm_v128_store(o + c, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(xr + c), vi), wasm_v128_load(w + c)));
    for (; c < cols; c++) o[c] = xr[c] * inv * w[c];
  }
}

/* Each row of x(rows, cols) becomes its softmax, in place (max subtracted for stability). */
EXPORT(softmax_rows) void softmax_rows(float* x, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    float* xr = x + (long)r * cols;
    v4 m4 = wasm_f32x4_splat(-__builtin_inff());
    int c = 0;
    for (; c + 4 <= cols; c += 4) m4 = wasm_f32x4_pmax(m4, wasm_v128_load(xr + c));
    float m = hmax(m4);
    for (; c < cols; c++) m = xr[c] > m ? xr[c] : m;
    v4 vm = wasm_f32x4_splat(m), s4 = wasm_f32x4_splat(0.0f);
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      v4 e = exp4(wasm_f32x4_sub(wasm_v128_load(xr + c), vm));
      wasm_v128_store(xr + c, e);
      s4 = wasm_f32x4_add(s4, e);
    }
    float s = hsum(s4);
    for (; c < cols; c++) {
      xr[c] = exp1(xr[c] - m);
      s += xr[c];
    }
    v4 inv = wasm_f32x4_splat(1.0f / s);
    c = 0;
    for (; c + 4 <= cols; c += 4) wasm_v128_store(xr + c, wasm_f32x4_mul(wasm_v128_load(xr + c), inv));
    for (; c < cols; c++) xr[c] *= 1.0f / s;
  }
}

/* out = silu(gate) * up = gate / (1 + e^-gate) * up; out may alias gate or up. */
EXPORT(swiglu) void swiglu(float* out, const float* gate, const float* up, int n) {
  v4 one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 g = wasm_v128_load(gate + i);
    v4 sig = wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(g))));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(g, sig), wasm_v128_load(up + i)));
  }
  for (; i < n; i++) out[i] = gate[i] / (1.0f + exp1(-gate[i])) * up[i];
}

/* x += y. */
EXPORT(add_in_place) void add_in_place(float* x, const float* y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, wasm_f32x4_add(wasm_v128_load(x + i), wasm_v128_load(y + i)));
  for (; i < n; i++) x[i] += y[i];
}

/* One AdamW step over n elements in f32, as torch.optim.AdamW computes it:
 *   g' = g·gscale;  m = b1·m + (1−b1)·g';  v = b2·v + (1−b2)·g'²
 *   w = w·decay − step·m / (sqrt(v·inv_bc2) + eps)
 * Memory-bound (7 streams); SIMD mainly replaces the scalar sqrt and divide. */
EXPORT(adamw) void adamw(float* w, const float* g, float* m, float* v, int n, float gscale, float b1, float b2,
                         float step, float inv_bc2, float eps, float decay) {
  float c1 = 1.0f - b1, c2 = 1.0f - b2;
  v4 vgs = wasm_f32x4_splat(gscale), vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2);
  v4 vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2), vstep = wasm_f32x4_splat(step);
  v4 vbc = wasm_f32x4_splat(inv_bc2), veps = wasm_f32x4_splat(eps), vdec = wasm_f32x4_splat(decay);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 gi = wasm_f32x4_mul(wasm_v128_load(g + i), vgs);
    v4 mi = wasm_f32x4_add(wasm_f32x4_mul(vb1, wasm_v128_load(m + i)), wasm_f32x4_mul(vc1, gi));
    v4 vi = wasm_f32x4_add(wasm_f32x4_mul(vb2, wasm_v128_load(v + i)), wasm_f32x4_mul(wasm_f32x4_mul(vc2, gi), gi));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
    v4 den = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_mul(vi, vbc)), veps);
    v4 wi = wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(w + i), vdec), wasm_f32x4_div(wasm_f32x4_mul(vstep, mi), den));
    wasm_v128_store(w + i, wi);
  }
  for (; i < n; i++) {
    float gi = g[i] * gscale;
    float mi = m[i] = b1 * m[i] + c1 * gi;
    float vi = v[i] = b2 * v[i] + c2 * gi * gi;
    w[i] = w[i] * decay - step * mi / (__builtin_sqrtf(vi * inv_bc2) + eps);
  }
}

/* Σ x² over n floats, accumulated in f64 (the global gradient norm of clipping). */
EXPORT(sum_squares) double sum_squares(const float* x, int n) {
  v128_t s0 = wasm_f64x2_splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    v4 a = wasm_v128_load(x + i), b = wasm_v128_load(x + i + 4);
    v128_t a0 = wasm_f64x2_promote_low_f32x4(a), a1 = wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(a, a, 1, 0));
    v128_t b0 = wasm_f64x2_promote_low_f32x4(b), b1 = wasm_f64x2_promote_low_f32x4(wasm_i64x2_shuffle(b, b, 1, 0));
    s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(a0, a0));
    s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(a1, a1));
    s2 = wasm_f64x2_add(s2, wasm_f64x2_mul(b0, b0));
    s3 = wasm_f64x2_add(s3, wasm_f64x2_mul(b1, b1));
  }
  v128_t s = wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3));
  double ss = wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
  for (; i < n; i++) ss += (double)x[i] * (double)x[i];
  return ss;
}
