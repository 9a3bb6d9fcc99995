import type { Kernels } from "../../engine/kernels/types.js";

/**
 * Cosine-similarity matrix of unit vectors: cosine (Q, D) = q (Q, C) · d (D, C)ᵀ.
 * Inputs must already be L2-normalised (l2NormalizeForward).
 */
export function cosineMatrixForward(k: Kernels, cosine: Float32Array, q: Float32Array, d: Float32Array, Q: number, D: number, C: number): void {
  k.matmulTransB(cosine, q, d, Q, C, D);
}

/** dq += dcos · d, dd += dcosᵀ · q. */
export function cosineMatrixBackward(k: Kernels, dq: Float32Array | null, dd: Float32Array | null, dcos: Float32Array, q: Float32Array, d: Float32Array, Q: number, D: number, C: number): void {
  if (dq) k.matmul(dq, dcos, d, Q, D, C, true);
  if (dd) k.matmulTransA(dd, dcos, q, Q, D, C, true);
}

/**
 * InfoNCE: each query's softmax over all candidate documents (its positive, the other queries'
 * positives = in-batch negatives, and every hard negative) at temperature τ, mean cross-entropy
 * of the positive.
 *   cosine (Q, D), positive (Q) index of each query's positive column -> loss
 * Lay the documents out as [positives of all queries…, hard negatives…] and every query gets
 * in-batch and hard negatives; a query that should not see a column can be masked with allowed
 * (Q, D), 1 = in the query's denominator: a query's OTHER gold documents must be masked (see
 * positiveTargets), else InfoNCE pushes the query away from documents that are relevant to it.
 */
export function infoNceForward(cosine: Float32Array, positive: Int32Array, Q: number, D: number, temperature: number, allowed?: Uint8Array): number {
  let loss = 0;
  for (let i = 0; i < Q; i++) loss -= logSoftmaxAt(cosine, i, D, temperature, positive[i], allowed);
  return loss / Q;
}

/** dcos[i, j] = dloss / (Q τ) · (softmax_j − [j = positive_i]). Writes (=). */
export function infoNceBackward(dcos: Float32Array, dloss: number, cosine: Float32Array, positive: Int32Array, Q: number, D: number, temperature: number, allowed?: Uint8Array): void {
  const f = dloss / (Q * temperature);
  for (let i = 0; i < Q; i++) {
    const o = i * D;
    let m = -Infinity;
    for (let j = 0; j < D; j++) if ((!allowed || allowed[o + j]) && cosine[o + j] > m) m = cosine[o + j];
    let sum = 0;
    for (let j = 0; j < D; j++) if (!allowed || allowed[o + j]) sum += Math.exp((cosine[o + j] - m) / temperature);
    for (let j = 0; j < D; j++) {
      const p = !allowed || allowed[o + j] ? Math.exp((cosine[o + j] - m) / temperature) / sum : 0;
      dcos[o + j] = f * (p - (j === positive[i] ? 1 : 0));
    }
  }
}

function logSoftmaxAt(cosine: Float32Array, i: number, D: number, tau: number, target: number, allowed?: Uint8Array): number {
  const o = i * D;
  if (target < 0 || target >= D) throw new RangeError(`infoNce: positive column ${target} of query ${i} is outside [0, ${D})`);
  if (allowed && !allowed[o + target]) throw new RangeError(`infoNce: positive column ${target} of query ${i} is masked out`);
  let m = -Infinity;
  for (let j = 0; j < D; j++) if ((!allowed || allowed[o + j]) && cosine[o + j] > m) m = cosine[o + j];
  let sum = 0;
  for (let j = 0; j < D; j++) if (!allowed || allowed[o + j]) sum += Math.exp((cosine[o + j] - m) / tau);
  return (cosine[o + target] - m) / tau - Math.log(sum);
}
