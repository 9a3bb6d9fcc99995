/*
 * Training-only row and elementwise ops in wasm SIMD: RMSNorm forward that saves 1/rms, its
 * backward, and the SwiGLU backward. Same rules as kernels.c (byte-offset pointers, no C stack).
 * f32 throughout, as PyTorch computes these ops on CPU.
 */
#include "simd.h"

/* e^x, as in elementwise.c (clamped to [-87.3, 88.7], degree-7 polynomial on the reduced argument). */
static inline v4 exp4t(v4 x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.7f));
  v4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145751953125f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(1.4286068203094172e-06f)));
  v4 p = wasm_f32x4_splat(1.0f / 5040.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 720.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v4 scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_mul(p, scale);
}

static inline float sum_sq_row(const float* x, int C) {
  v4 s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  int c = 0;
  for (; c + 8 <= C; c += 8) {
    v4 a = wasm_v128_load(x + c), b = wasm_v128_load(x + c + 4);
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(a, a));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(b, b));
  }
  float ss = hsum(wasm_f32x4_add(s0, s1));
  for (; c < C; c++) ss += x[c] * x[c];
  return ss;
}

/* y = x·rstd·w per row of x(R, C), rstd[r] = 1/sqrt(mean(x[r]²) + eps) saved for backward. */
EXPORT(rmsnorm_fwd) void rmsnorm_fwd(float* y, float* rstd, const float* x, const float* w, int R, int C, float eps) {
  for (int r = 0; r < R; r++) {
    const float* xr = x + (long)r * C;
    float* yr = y + (long)r * C;
    float s = 1.0f / __builtin_sqrtf(sum_sq_row(xr, C) / (float)C + eps);
    rstd[r] = s;
    v4 vs = wasm_f32x4_splat(s);
    int c = 0;
    for (; c + 4 <= C; c += 4)
      wasm_v128_store(yr + c, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(xr + c), vs), wasm_v128_load(w + c)));
    for (; c < C; c++) yr[c] = xr[c] * s * w[c];
  }
}

/* With x̂ = x·rstd and g = dy ⊙ w: dw += Σ_r dy ⊙ x̂ (skipped when dw is 0) and
 * dx += rstd · (g − x̂ · mean(g ⊙ x̂)). */
EXPORT(rmsnorm_bwd) void rmsnorm_bwd(float* dx, float* dw, const float* dy, const float* x, const float* w, const float* rstd, int R, int C) {
  for (int r = 0; r < R; r++) {
    const float* xr = x + (long)r * C;
    const float* dyr = dy + (long)r * C;
    float* dxr = dx + (long)r * C;
    float s = rstd[r];
    v4 vs = wasm_f32x4_splat(s), acc = wasm_f32x4_splat(0.0f);
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v4 xh = wasm_f32x4_mul(wasm_v128_load(xr + c), vs), d = wasm_v128_load(dyr + c);
      acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_mul(d, wasm_v128_load(w + c)), xh));
      if (dw) wasm_v128_store(dw + c, wasm_f32x4_add(wasm_v128_load(dw + c), wasm_f32x4_mul(d, xh)));
    }
    float dot = hsum(acc);
    for (; c < C; c++) {
      float xh = xr[c] * s;
      dot += dyr[c] * w[c] * xh;
      if (dw) dw[c] += dyr[c] * xh;
    }
    dot /= (float)C;
    v4 vd = wasm_f32x4_splat(dot);
    c = 0;
    for (; c + 4 <= C; c += 4) {
      v4 xh = wasm_f32x4_mul(wasm_v128_load(xr + c), vs);
      v4 g = wasm_f32x4_mul(wasm_v128_load(dyr + c), wasm_v128_load(w + c));
      wasm_v128_store(dxr + c, wasm_f32x4_add(wasm_v128_load(dxr + c), wasm_f32x4_mul(vs, wasm_f32x4_sub(g, wasm_f32x4_mul(xh, vd)))));
    }
    for (; c < C; c++) dxr[c] += s * (dyr[c] * w[c] - xr[c] * s * dot);
  }
}

/* SwiGLU backward for s = silu(g) ⊙ u: dg = ds·u·σ(g)(1 + g(1 − σ(g))), du = ds·silu(g).
 * Writes (=) dg and du; dg may alias ds. */
EXPORT(swiglu_bwd) void swiglu_bwd(float* dg, float* du, const float* ds, const float* g, const float* u, int n) {
  v4 one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v4 x = wasm_v128_load(g + i), d = wasm_v128_load(ds + i), uu = wasm_v128_load(u + i);
    v4 sg = wasm_f32x4_div(one, wasm_f32x4_add(one, exp4t(wasm_f32x4_neg(x))));
    v4 sl = wasm_f32x4_mul(x, sg);
    wasm_v128_store(dg + i, wasm_f32x4_mul(wasm_f32x4_mul(d, uu), wasm_f32x4_add(sg, wasm_f32x4_mul(sl, wasm_f32x4_sub(one, sg)))));
    wasm_v128_store(du + i, wasm_f32x4_mul(d, sl));
  }
  for (; i < n; i++) {
    v4 x = wasm_f32x4_splat(g[i]), d = wasm_f32x4_splat(ds[i]), uu = wasm_f32x4_splat(u[i]);
    v4 sg = wasm_f32x4_div(one, wasm_f32x4_add(one, exp4t(wasm_f32x4_neg(x))));
    v4 sl = wasm_f32x4_mul(x, sg);
    dg[i] = wasm_f32x4_extract_lane(wasm_f32x4_mul(wasm_f32x4_mul(d, uu), wasm_f32x4_add(sg, wasm_f32x4_mul(sl, wasm_f32x4_sub(one, sg)))), 0);
    du[i] = wasm_f32x4_extract_lane(wasm_f32x4_mul(d, sl), 0);
  }
}

/* Causal softmax backward in place over R rows of dp(R, T) with probabilities P(R, T), row r being
 * query position i = r mod T: dp[j] = P[j]·(dp[j] − Σ_{j'≤i} dp[j']·P[j'])·scale for j ≤ i, and 0 after. */
EXPORT(softmax_bwd_causal) void softmax_bwd_causal(float* dp, const float* P, int R, int T, float scale) {
  for (int r = 0; r < R; r++) {
    int n = r % T + 1;
    float* d = dp + (long)r * T;
    const float* p = P + (long)r * T;
    v4 acc = wasm_f32x4_splat(0.0f);
    int j = 0;
    for (; j + 4 <= n; j += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(d + j), wasm_v128_load(p + j)));
    float dot = hsum(acc);
    for (; j < n; j++) dot += d[j] * p[j];
    v4 vdot = wasm_f32x4_splat(dot), vs = wasm_f32x4_splat(scale);
    j = 0;
    for (; j + 4 <= n; j += 4)
      wasm_v128_store(d + j, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(p + j), wasm_f32x4_sub(wasm_v128_load(d + j), vdot)), vs));
    for (; j < n; j++) d[j] = p[j] * (d[j] - dot) * scale;
    for (; j < T; j++) d[j] = 0.0f;
  }
}

/* dst row t (stride ds floats) = src row t (stride ss floats) · mul, cols floats per row: gathers
 * one head out of (B, T, heads, D) activations and scatters it back. */
EXPORT(copy_rows) void copy_rows(float* dst, int ds, const float* src, int ss, int rows, int cols, float mul) {
  v4 vm = wasm_f32x4_splat(mul);
  for (int t = 0; t < rows; t++) {
    float* d = dst + (long)t * ds;
    const float* s = src + (long)t * ss;
    int c = 0;
    if (mul == 1.0f)
      for (; c + 4 <= cols; c += 4) wasm_v128_store(d + c, wasm_v128_load(s + c));
    else
      for (; c + 4 <= cols; c += 4) wasm_v128_store(d + c, wasm_f32x4_mul(wasm_v128_load(s + c), vm));
    for (; c < cols; c++) d[c] = s[c] * mul;
  }
}

/* Fused softmax cross-entropy over rows of x(R, V), in place: a row with target < 0 becomes zeros;
 * otherwise x = scale·(softmax(x) − onehot(target)) and stats[2r], stats[2r+1] get the row max
 * and Σ exp(x − max) (the caller forms the loss log Σ + max − x[target] before calling). */
EXPORT(xent_rows) void xent_rows(float* x, int R, int V, const float* target, const float* scale, float* stats) {
  for (int r = 0; r < R; r++) {
    float* row = x + (long)r * V;
    float sc = scale[r];
    int c = 0;
    if (target[r] < 0.0f) {
      for (; c + 4 <= V; c += 4) wasm_v128_store(row + c, wasm_f32x4_splat(0.0f));
      for (; c < V; c++) row[c] = 0.0f;
      continue;
    }
    v4 m4 = wasm_f32x4_splat(-__builtin_inff());
    for (; c + 4 <= V; c += 4) m4 = wasm_f32x4_pmax(m4, wasm_v128_load(row + c));
    m4 = wasm_f32x4_pmax(m4, wasm_i32x4_shuffle(m4, m4, 2, 3, 0, 1));
    m4 = wasm_f32x4_pmax(m4, wasm_i32x4_shuffle(m4, m4, 1, 0, 3, 2));
    float m = wasm_f32x4_extract_lane(m4, 0);
    for (; c < V; c++) m = row[c] > m ? row[c] : m;
    v4 vm = wasm_f32x4_splat(m), s4 = wasm_f32x4_splat(0.0f);
    c = 0;
    for (; c + 4 <= V; c += 4) {
      v4 e = exp4t(wasm_f32x4_sub(wasm_v128_load(row + c), vm));
      wasm_v128_store(row + c, e);
      s4 = wasm_f32x4_add(s4, e);
    }
    float s = hsum(s4);
    for (; c < V; c++) {
      float e = wasm_f32x4_extract_lane(exp4t(wasm_f32x4_splat(row[c] - m)), 0);
      row[c] = e;
      s += e;
    }
    stats[2 * r] = m;
    stats[2 * r + 1] = s;
    float f = sc / s;
    v4 vf = wasm_f32x4_splat(f);
    c = 0;
    for (; c + 4 <= V; c += 4) wasm_v128_store(row + c, wasm_f32x4_mul(wasm_v128_load(row + c), vf));
    for (; c < V; c++) row[c] *= f;
    row[(int)target[r]] -= sc;
  }
}
