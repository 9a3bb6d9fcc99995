import type { Kernels } from "../../engine/kernels/types.js";

/** Shapes of one causal grouped-query attention call. */
export interface AttentionShape {
  B: number;
  T: number;
  /** Query heads. */
  H: number;
  /** Key/value heads; H must be a multiple (each KV head serves H / KV query heads). */
  KV: number;
  D: number;
}

/**
 * Causal GQA attention with a key padding mask, llm.c style: the probabilities are saved for the
 * backward pass (B·H·T² floats; the caller owns that buffer so it can bound or reuse it).
 *   q (B, T, H, D), k (B, T, KV, D), v (B, T, KV, D), keyMask (B, T) 1 = real token, 0 = padding
 *   -> out (B, T, H, D), probs (B, H, T, T)
 * A query that can see no real key (left padding before the first token) gets zero output and zero
 * gradient instead of the NaN a softmax over nothing would give.
 */
export function attentionForward(
  k: Kernels,
  out: Float32Array,
  probs: Float32Array,
  q: Float32Array,
  key: Float32Array,
  v: Float32Array,
  keyMask: Uint8Array | null,
  s: AttentionShape,
): void {
  const { B, T, H, KV, D } = s;
  const group = H / KV;
  const scale = 1 / Math.sqrt(D);
  const qh = k.alloc(T * D), kh = k.alloc(T * D), vh = k.alloc(T * D), oh = k.alloc(T * D), sc = k.alloc(T * T);
  try {
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / group);
        gatherHead(qh, q, b, h, T, H, D);
        gatherHead(kh, key, b, g, T, KV, D);
        gatherHead(vh, v, b, g, T, KV, D);
        k.matmulTransB(sc, qh, kh, T, D, T); // (T, T) = Qh · Khᵀ
        const pOff = (b * H + h) * T * T;
        for (let i = 0; i < T; i++) {
          let m = -Infinity;
          for (let j = 0; j <= i; j++) {
            if (keyMask && keyMask[b * T + j] === 0) continue;
            const z = sc[i * T + j] * scale;
            sc[i * T + j] = z;
            if (z > m) m = z;
          }
          const row = pOff + i * T;
          probs.fill(0, row, row + T);
          if (m === -Infinity) continue;
          let sum = 0;
          for (let j = 0; j <= i; j++) {
            if (keyMask && keyMask[b * T + j] === 0) continue;
            const e = Math.exp(sc[i * T + j] - m);
            probs[row + j] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let j = 0; j <= i; j++) probs[row + j] *= inv;
        }
        k.matmul(oh, probs.subarray(pOff, pOff + T * T), vh, T, T, D); // (T, D) = P · Vh
        scatterHead(out, oh, b, h, T, H, D, false);
      }
    }
  } finally {
    for (const a of [qh, kh, vh, oh, sc]) k.free(a);
  }
}

/**
 * Backward of attentionForward. dq is written (=); dk and dv are written (=) too, summing the
 * contributions of every query head in a group.
 *   dP = dO·Vᵀ, dV = Pᵀ·dO, dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale, dQ = dS·K, dK = dSᵀ·Q
 */
export function attentionBackward(
  k: Kernels,
  dq: Float32Array,
  dk: Float32Array,
  dv: Float32Array,
  dout: Float32Array,
  probs: Float32Array,
  q: Float32Array,
  key: Float32Array,
  v: Float32Array,
  s: AttentionShape,
): void {
  const { B, T, H, KV, D } = s;
  const group = H / KV;
  const scale = 1 / Math.sqrt(D);
  dk.fill(0, 0, B * T * KV * D);
  dv.fill(0, 0, B * T * KV * D);
  const qh = k.alloc(T * D), kh = k.alloc(T * D), vh = k.alloc(T * D), doh = k.alloc(T * D);
  const dqh = k.alloc(T * D), dkh = k.alloc(T * D), dvh = k.alloc(T * D), dp = k.alloc(T * T);
  try {
    for (let b = 0; b < B; b++) {
      for (let g = 0; g < KV; g++) {
        gatherHead(kh, key, b, g, T, KV, D);
        gatherHead(vh, v, b, g, T, KV, D);
        dkh.fill(0);
        dvh.fill(0);
        for (let h = g * group; h < (g + 1) * group; h++) {
          gatherHead(qh, q, b, h, T, H, D);
          gatherHead(doh, dout, b, h, T, H, D);
          const P = probs.subarray((b * H + h) * T * T, (b * H + h + 1) * T * T);
          k.matmulTransB(dp, doh, vh, T, D, T); // (T, T) = dOh · Vhᵀ
          k.matmulTransA(dvh, P, doh, T, T, D, true); // (T, D) += Pᵀ · dOh
          for (let i = 0; i < T; i++) {
            let dot = 0;
            for (let j = 0; j <= i; j++) dot += dp[i * T + j] * P[i * T + j];
            for (let j = 0; j < T; j++) dp[i * T + j] = j <= i ? P[i * T + j] * (dp[i * T + j] - dot) * scale : 0;
          }
          k.matmul(dqh, dp, kh, T, T, D); // (T, D) = dS · Kh
          k.matmulTransA(dkh, dp, qh, T, T, D, true); // (T, D) += dSᵀ · Qh
          scatterHead(dq, dqh, b, h, T, H, D, false);
        }
        scatterHead(dk, dkh, b, g, T, KV, D, true);
        scatterHead(dv, dvh, b, g, T, KV, D, true);
      }
    }
  } finally {
    for (const a of [qh, kh, vh, doh, dqh, dkh, dvh, dp]) k.free(a);
  }
}

/** Copies head h of batch row b from (B, T, NH, D) into a contiguous (T, D) block. */
function gatherHead(dst: Float32Array, src: Float32Array, b: number, h: number, T: number, NH: number, D: number): void {
  for (let t = 0; t < T; t++) {
    const o = ((b * T + t) * NH + h) * D;
    dst.set(src.subarray(o, o + D), t * D);
  }
}

function scatterHead(dst: Float32Array, src: Float32Array, b: number, h: number, T: number, NH: number, D: number, add: boolean): void {
  for (let t = 0; t < T; t++) {
    const o = ((b * T + t) * NH + h) * D;
    if (!add) dst.set(src.subarray(t * D, t * D + D), o);
    else for (let d = 0; d < D; d++) dst[o + d] += src[t * D + d];
  }
}
