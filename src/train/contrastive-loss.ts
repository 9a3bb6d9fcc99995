import type { Kernels } from "../engine/kernels/types.js";
import type { Tape } from "./train-model-pass.js";
import { gatherRowsForward, gatherRowsBackward, l2NormalizeForward, l2NormalizeBackward } from "./ops/embedding-readout.js";
import { cosineMatrixForward, cosineMatrixBackward, infoNceForward, infoNceBackward } from "./ops/contrastive.js";

/**
 * Building blocks for contrastive objectives whose queries and documents come from different
 * forward passes (different lengths, or a document cache): read embeddings off each tape, compute
 * InfoNCE on them, and push the embedding gradients back into each tape's hidden states.
 */

/** Raw (unnormalised) `<emb_token>` hidden states of each sequence in a tape: (B, C). */
export function embeddingsAt(tape: Tape, positions: Int32Array, C: number): Float32Array {
  const { B, T } = tape.batch;
  const e = new Float32Array(B * C);
  gatherRowsForward(e, tape.hidden, positions, B, T, C);
  return e;
}

/** dHidden (B·T, C) for model.backward from the gradient of embeddingsAt's output. */
export function hiddenGradFromEmbeddings(tape: Tape, positions: Int32Array, dEmb: Float32Array, C: number): Float32Array {
  const { B, T } = tape.batch;
  const dh = new Float32Array(B * T * C);
  gatherRowsBackward(dh, dEmb, positions, B, T, C);
  return dh;
}

export interface InfoNceResult {
  loss: number;
  /** (Q, D) cosine similarities. */
  cosine: Float32Array;
  /** Gradients of scale · loss with respect to the raw query and document embeddings. */
  dQuery: Float32Array;
  dDoc: Float32Array;
}

/**
 * InfoNCE on raw embeddings: L2-normalise, cosine matrix, softmax at temperature τ over the
 * document columns (positives of all queries = in-batch negatives, then hard negatives).
 *   query (Q, C), doc (D, C), positive (Q) column of each query's positive
 */
export function infoNceOnEmbeddings(k: Kernels, query: Float32Array, doc: Float32Array, positive: Int32Array, temperature: number, C: number, scale = 1): InfoNceResult {
  const Q = query.length / C, D = doc.length / C;
  const qn = new Float32Array(Q * C), dn = new Float32Array(D * C), qNorms = new Float32Array(Q), dNorms = new Float32Array(D);
  l2NormalizeForward(qn, qNorms, query, Q, C);
  l2NormalizeForward(dn, dNorms, doc, D, C);
  const cosine = new Float32Array(Q * D);
  cosineMatrixForward(k, cosine, qn, dn, Q, D, C);
  const loss = infoNceForward(cosine, positive, Q, D, temperature);
  const dcos = new Float32Array(Q * D);
  infoNceBackward(dcos, scale, cosine, positive, Q, D, temperature);
  const dqn = new Float32Array(Q * C), ddn = new Float32Array(D * C);
  cosineMatrixBackward(k, dqn, ddn, dcos, qn, dn, Q, D, C);
  const dQuery = new Float32Array(Q * C), dDoc = new Float32Array(D * C);
  l2NormalizeBackward(dQuery, dqn, qn, qNorms, Q, C);
  l2NormalizeBackward(dDoc, ddn, dn, dNorms, D, C);
  return { loss, cosine, dQuery, dDoc };
}
