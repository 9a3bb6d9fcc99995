/**
 * Causal grouped-query attention over a KV cache. Tokens of several sequences are packed in one
 * (N, ·) block; token n belongs to cache row rowOf[n] at position pos[n] and attends to positions
 * 0..pos[n] of its own row only, so sequences of different lengths never see each other's slots
 * (no padding exists to leak).
 *
 * Cache layout per layer: (rows, KV, maxT, D), so one head's keys over time are contiguous.
 */

/** Writes k(N, KV, D) and v(N, KV, D) of each token into its row/position of the cache. */
export function kvCacheWriteForward(
  kCache: Float32Array, vCache: Float32Array, k: Float32Array, v: Float32Array,
  rowOf: Int32Array, pos: Int32Array, N: number, KV: number, D: number, maxT: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < KV; g++) {
      const src = (n * KV + g) * D;
      const dst = ((rowOf[n]! * KV + g) * maxT + pos[n]!) * D;
      kCache.set(k.subarray(src, src + D), dst);
      vCache.set(v.subarray(src, src + D), dst);
    }
  }
}

/**
 * out(N, H, D) = softmax(q·Kᵀ/√D) · V per head, head h reading KV head h / (H/KV).
 * `scores` is scratch of at least maxT floats.
 */
export function attentionForward(
  out: Float32Array, q: Float32Array, kCache: Float32Array, vCache: Float32Array,
  rowOf: Int32Array, pos: Int32Array, N: number, H: number, KV: number, D: number, maxT: number,
  scores: Float32Array,
): void {
  const scale = 1 / Math.sqrt(D);
  const group = H / KV;
  for (let n = 0; n < N; n++) {
    const T = pos[n]! + 1;
    for (let h = 0; h < H; h++) {
      const g = (h / group) | 0;
      const base = (rowOf[n]! * KV + g) * maxT * D;
      const qo = (n * H + h) * D;
      let max = -Infinity;
      for (let t = 0; t < T; t++) {
        const ko = base + t * D;
        let s = 0;
        for (let d = 0; d < D; d++) s += q[qo + d]! * kCache[ko + d]!;
        s *= scale;
        scores[t] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const e = Math.exp(scores[t]! - max);
        scores[t] = e;
        sum += e;
      }
      const inv = 1 / sum;
      const oo = qo;
      for (let d = 0; d < D; d++) out[oo + d] = 0;
      for (let t = 0; t < T; t++) {
        const w = scores[t]! * inv;
        const vo = base + t * D;
        for (let d = 0; d < D; d++) out[oo + d] += w * vCache[vo + d]!;
      }
    }
  }
}
