/**
 * RMSNorm as in Llama/Qwen: y = x / sqrt(mean(x²) + eps) * w, accumulated in f64 for stability.
 */

/** out(N, C) = rmsnorm(inp(N, C)) * weight(C). `out` may alias `inp`. Rows are `C` apart from
 * `offset` on, so per-head norms over (N·H, D) views work too. */
export function rmsnormForward(out: Float32Array, inp: Float32Array, weight: Float32Array, N: number, C: number, eps: number): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let ss = 0;
    for (let i = 0; i < C; i++) {
      const v = inp[o + i]!;
      ss += v * v;
    }
    const r = 1 / Math.sqrt(ss / C + eps);
    for (let i = 0; i < C; i++) out[o + i] = inp[o + i]! * r * weight[i]!;
  }
}
