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
 * The InfoNCE targets of queries with several gold documents: rowsPerQuery consecutive rows share
 * one query's gold columns (stage 3: its G trajectories), row r of query q targets
 * positiveCols[q][r mod P] (so the group covers every gold document), and the query's other gold
 * columns are masked out of that row's denominator (allowed = 0). A multi-gold query is then never
 * pushed away from its own relevant documents; with one gold column per query nothing is masked.
 *   positiveCols[q]: q's gold columns among D (the first is the preferred target)
 */
export function positiveTargets(positiveCols: readonly (readonly number[])[], rowsPerQuery: number, D: number): { positive: Int32Array; allowed: Uint8Array | undefined } {
  const R = positiveCols.length * rowsPerQuery;
  const positive = new Int32Array(R);
  let allowed: Uint8Array | undefined;
  for (let r = 0; r < R; r++) {
    const cols = positiveCols[Math.floor(r / rowsPerQuery)];
    if (!cols.length) throw new RangeError(`positiveTargets: query ${Math.floor(r / rowsPerQuery)} has no positive column`);
    positive[r] = cols[(r % rowsPerQuery) % cols.length];
    for (const c of cols) {
      if (c === positive[r]) continue;
      if (c < 0 || c >= D) throw new RangeError(`positiveTargets: column ${c} is outside [0, ${D})`);
      (allowed ??= new Uint8Array(R * D).fill(1))[r * D + c] = 0;
    }
  }
  return { positive, allowed };
}

/**
 * InfoNCE on raw embeddings: L2-normalise, cosine matrix, softmax at temperature τ over the
 * document columns (positives of all queries = in-batch negatives, then hard negatives), the
 * columns with allowed = 0 left out of a query's denominator (positiveTargets).
 *   query (Q, C), doc (D, C), positive (Q) column of each query's positive, allowed (Q, D) or none
 */
export function infoNceOnEmbeddings(k: Kernels, query: Float32Array, doc: Float32Array, positive: Int32Array, temperature: number, C: number, scale = 1, allowed?: Uint8Array): InfoNceResult {
  const Q = query.length / C, D = doc.length / C;
  const qn = new Float32Array(Q * C), dn = new Float32Array(D * C), qNorms = new Float32Array(Q), dNorms = new Float32Array(D);
  l2NormalizeForward(qn, qNorms, query, Q, C);
  l2NormalizeForward(dn, dNorms, doc, D, C);
  const cosine = new Float32Array(Q * D);
  cosineMatrixForward(k, cosine, qn, dn, Q, D, C);
  const loss = infoNceForward(cosine, positive, Q, D, temperature, allowed);
  const dcos = new Float32Array(Q * D);
  infoNceBackward(dcos, scale, cosine, positive, Q, D, temperature, allowed);
  const dqn = new Float32Array(Q * C), ddn = new Float32Array(D * C);
  cosineMatrixBackward(k, dqn, ddn, dcos, qn, dn, Q, D, C);
  const dQuery = new Float32Array(Q * C), dDoc = new Float32Array(D * C);
  l2NormalizeBackward(dQuery, dqn, qn, qNorms, Q, C);
  l2NormalizeBackward(dDoc, ddn, dn, dNorms, D, C);
  return { loss, cosine, dQuery, dDoc };
}
