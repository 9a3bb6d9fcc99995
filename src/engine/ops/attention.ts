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
      // Plain loops rather than set(subarray): no view objects per token in the decode loop.
      for (let d = 0; d < D; d++) {
        kCache[dst + d] = k[src + d]!;
        vCache[dst + d] = v[src + d]!;
      }
    }
  }
}

/** Kernel-memory scratch for `attentionKernelForward`, grown on demand. */
export interface AttentionScratch {
  qg: Float32Array;
  scores: Float32Array;
  og: Float32Array;
}

/** Query tokens per block: bounds the (block·group, Tctx) score matrix for long prompts. */
const Q_BLOCK = 128;

/**
 * out(N, H, D) = softmax(q·Kᵀ/√D) · V per head, head h reading KV head h / (H/KV), computed with the
 * kernels' matmuls: per (row, KV head) the group's queries are gathered into one (Tq·group, D)
 * block, scores = Q·Kᵀ and out = P·V run as two matmuls over the cache slices in place. Tokens of one row must be consecutive in the
 * packed block with consecutive positions (what Transformer.forward builds).
 */
export function attentionKernelForward(
  kernels: import("../kernels/types.js").Kernels, scratch: AttentionScratch,
  out: Float32Array, q: Float32Array, kCache: Float32Array, vCache: Float32Array,
  rowOf: Int32Array, pos: Int32Array, N: number, H: number, KV: number, D: number, maxT: number,
): void {
  const scale = 1 / Math.sqrt(D);
  const group = H / KV;
  for (let n0 = 0; n0 < N; ) {
    // A run of tokens of one row: [n0, n1).
    const row = rowOf[n0]!;
    let n1 = n0 + 1;
    while (n1 < N && rowOf[n1] === row && n1 - n0 < Q_BLOCK) n1++;
    const Tq = n1 - n0;
    const Tctx = pos[n1 - 1]! + 1;
    const M = Tq * group;
    if (scratch.qg.length < M * D) scratch.qg = growKernelArray(kernels, scratch.qg, M * D);
    if (scratch.og.length < M * D) scratch.og = growKernelArray(kernels, scratch.og, M * D);
    if (scratch.scores.length < M * Tctx) scratch.scores = growKernelArray(kernels, scratch.scores, M * Tctx);
    const { qg, scores, og } = scratch;
    for (let g = 0; g < KV; g++) {
      // qg rows: (token i, head hh) → i*group + hh.
      const GD = group * D;
      for (let i = 0; i < Tq; i++) {
        const src = ((n0 + i) * H + g * group) * D;
        for (let j = 0; j < GD; j++) qg[i * GD + j] = q[src + j]!;
      }
      const base = (row * KV + g) * maxT * D;
      const K = kCache.subarray(base, base + Tctx * D);
      const V = vCache.subarray(base, base + Tctx * D);
      kernels.matmulTransB(scores, qg, K, M, D, Tctx); // (M, Tctx)
      for (let i = 0; i < Tq; i++) {
        const valid = pos[n0 + i]! + 1; // causal: positions 0..pos
        for (let hh = 0; hh < group; hh++) {
          const o = (i * group + hh) * Tctx;
          let max = -Infinity;
          for (let t = 0; t < valid; t++) {
            const s = scores[o + t]! * scale;
            scores[o + t] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let t = 0; t < valid; t++) {
            const e = Math.exp(scores[o + t]! - max);
            scores[o + t] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let t = 0; t < valid; t++) scores[o + t]! *= inv;
          for (let t = valid; t < Tctx; t++) scores[o + t] = 0;
        }
      }
      kernels.matmul(og, scores, V, M, Tctx, D); // (M, D)
      for (let i = 0; i < Tq; i++) {
        const dst = ((n0 + i) * H + g * group) * D;
        for (let j = 0; j < GD; j++) out[dst + j] = og[i * GD + j]!;
      }
    }
    n0 = n1;
  }
}

function growKernelArray(kernels: import("../kernels/types.js").Kernels, old: Float32Array, n: number): Float32Array {
  kernels.free(old);
  return kernels.alloc(Math.max(n, 2 * old.length));
}
