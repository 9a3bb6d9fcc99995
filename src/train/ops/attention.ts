import type { Kernels } from "../../engine/kernels/types.js";
import { jsTrainOps, trainOpsFor, type TrainOps } from "../../engine/kernels/index.js";

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
 * The G = H / KV query heads that share a KV head are stacked into one (G·T, D) block so each
 * product is a single matmul against that KV head. A query that can see no real key (left
 * padding before the first token) gets zero output and zero gradient instead of the NaN a softmax
 * over nothing would give.
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
  const G = H / KV;
  const scale = 1 / Math.sqrt(D);
  const qg = k.alloc(G * T * D), kh = k.alloc(T * D), vh = k.alloc(T * D), og = k.alloc(G * T * D);
  const valid = new Uint8Array(T);
  try {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) valid[t] = keyMask ? keyMask[b * T + t] : 1;
      for (let g = 0; g < KV; g++) {
        // 1/√D folded into Q (T·D multiplies instead of T² on the scores)
        for (let j = 0; j < G; j++) gatherHead(qg.subarray(j * T * D), q, b, g * G + j, T, H, D, scale);
        gatherHead(kh, key, b, g, T, KV, D, 1);
        gatherHead(vh, v, b, g, T, KV, D, 1);
        const P = probs.subarray((b * H + g * G) * T * T, (b * H + g * G + G) * T * T); // (G·T, T)
        k.matmulTransB(P, qg, kh, G * T, D, T); // (G·T, T) scores = Qg · Khᵀ / √D
        maskedSoftmaxRows(k, P, G * T, T, valid);
        k.matmul(og, P, vh, G * T, T, D); // (G·T, D) = P · Vh
        for (let j = 0; j < G; j++) scatterHead(out, og.subarray(j * T * D), b, g * G + j, T, H, D);
      }
    }
  } finally {
    for (const a of [qg, kh, vh, og]) k.free(a);
  }
}

/**
 * Backward of attentionForward. dq, dk and dv are written (=); dk and dv sum the contributions of
 * every query head in a group (one matmul over the stacked group does that sum).
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
  const G = H / KV;
  const scale = 1 / Math.sqrt(D);
  const qg = k.alloc(G * T * D), kh = k.alloc(T * D), vh = k.alloc(T * D), dog = k.alloc(G * T * D);
  const dqg = k.alloc(G * T * D), dkh = k.alloc(T * D), dvh = k.alloc(T * D), dp = k.alloc(G * T * T);
  try {
    for (let b = 0; b < B; b++) {
      for (let g = 0; g < KV; g++) {
        gatherHead(kh, key, b, g, T, KV, D, 1);
        gatherHead(vh, v, b, g, T, KV, D, 1);
        for (let j = 0; j < G; j++) {
          gatherHead(qg.subarray(j * T * D), q, b, g * G + j, T, H, D, 1);
          gatherHead(dog.subarray(j * T * D), dout, b, g * G + j, T, H, D, 1);
        }
        const P = probs.subarray((b * H + g * G) * T * T, (b * H + g * G + G) * T * T);
        k.matmulTransB(dp, dog, vh, G * T, D, T); // (G·T, T) = dOg · Vhᵀ
        k.matmulTransA(dvh, P, dog, G * T, T, D); // (T, D) = Pᵀ · dOg, summed over the group
        trainOpsFor(dp, P).softmaxBackwardCausal(dp, P, G * T, T, scale);
        k.matmul(dqg, dp, kh, G * T, T, D); // (G·T, D) = dS · Kh
        k.matmulTransA(dkh, dp, qg, G * T, T, D); // (T, D) = dSᵀ · Qg
        for (let j = 0; j < G; j++) scatterHead(dq, dqg.subarray(j * T * D), b, g * G + j, T, H, D);
        scatterHead(dk, dkh, b, g, T, KV, D);
        scatterHead(dv, dvh, b, g, T, KV, D);
      }
    }
  } finally {
    for (const a of [qg, kh, vh, dog, dqg, dkh, dvh, dp]) k.free(a);
  }
}

/**
 * Row r of P (R = G·T rows, query position i = r mod T) becomes the softmax over the keys it may
 * see (j ≤ i, real tokens). Masked scores are set to −∞ and the kernels' SIMD softmax does the
 * exps; masked entries are then written as exact zeros (the kernel's clamped exp leaves ~1e-38), and
 * a row that sees no real key (left padding) is all zeros instead of NaN.
 */
function maskedSoftmaxRows(k: Kernels, P: Float32Array, R: number, T: number, valid: Uint8Array): void {
  let firstValid = 0;
  while (firstValid < T && !valid[firstValid]) firstValid++;
  let padded = firstValid > 0;
  for (let j = firstValid; j < T; j++) if (!valid[j]) padded = true;
  for (let r = 0; r < R; r++) {
    const i = r % T, o = r * T;
    if (i < firstValid) {
      P.fill(0, o, o + T); // no real key yet: softmax of a row of zeros, overwritten below
      continue;
    }
    P.fill(-Infinity, o + i + 1, o + T);
    if (padded) for (let j = 0; j <= i; j++) if (!valid[j]) P[o + j] = -Infinity;
  }
  k.softmaxRows(P, R, T);
  for (let r = 0; r < R; r++) {
    const i = r % T, o = r * T;
    if (i < firstValid) P.fill(0, o, o + T);
    else {
      P.fill(0, o + i + 1, o + T);
      if (padded) for (let j = 0; j <= i; j++) if (!valid[j]) P[o + j] = 0;
    }
  }
}

/** Copies head h of batch row b from (B, T, NH, D) into a contiguous (T, D) block, times mul
 * (one strided copy: a subarray per row would allocate T view objects per call). */
function gatherHead(dst: Float32Array, src: Float32Array, b: number, h: number, T: number, NH: number, D: number, mul: number): void {
  copyOps(T * D, dst, src).copyRows(dst, D, src.subarray((b * T * NH + h) * D), NH * D, T, D, mul);
}

function scatterHead(dst: Float32Array, src: Float32Array, b: number, h: number, T: number, NH: number, D: number): void {
  copyOps(T * D, dst, src).copyRows(dst.subarray((b * T * NH + h) * D), NH * D, src, D, T, D);
}

/** Below 256 floats a wasm call costs more than the copy. */
function copyOps(n: number, dst: Float32Array, src: Float32Array): TrainOps {
  return n >= 256 ? trainOpsFor(dst, src) : jsTrainOps;
}
