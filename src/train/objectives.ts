import { InputError } from "../util/errors.js";
import type { TrainModel, TokenBatch } from "./train-model.js";
import type { Tape } from "./train-model-pass.js";
import { crossEntropyForward, crossEntropyFusedInPlace } from "./ops/cross-entropy.js";
import { gatherRowsForward, gatherRowsBackward, l2NormalizeForward, l2NormalizeBackward } from "./ops/embedding-readout.js";
import { cosineMatrixForward, cosineMatrixBackward, infoNceForward, infoNceBackward } from "./ops/contrastive.js";
import { positionsWhere, pickAt } from "./ops/row-select.js";
import { actionLogProbs } from "./action-log-probs.js";

/** Next-token cross-entropy on selected positions (stage 2: the reasoning tokens). */
export interface LmObjective {
  /** (B·T) token each position should predict (the next token); any value where weight is 0. */
  targets: Int32Array;
  /** (B·T) 1 = counts, 0 = ignored (prompt, padding, the last position). */
  weight: Float32Array;
  /** Multiplier of this term in the total loss. Default 1. */
  scale?: number;
}

/**
 * InfoNCE over `<emb_token>` embeddings of sequences in the same batch (stage 1 and 2).
 * Columns of the similarity matrix are docRows in order: put each query's positive first and
 * hard negatives after, and every query also sees the other queries' positives (in-batch negatives).
 */
export interface ContrastiveObjective {
  /** (B) position of `<emb_token>` in each sequence (the last one, found from the ids, not "the last row"). */
  embPositions: Int32Array;
  /** Sequence indices that are queries. */
  queryRows: Int32Array;
  /** Sequence indices that are documents, in column order. */
  docRows: Int32Array;
  /** For each query, its positive's column index in docRows. */
  positive: Int32Array;
  /** (Q·D) 1 = the column is in the query's softmax denominator. Default: all. Mask a query's other
   * positives (positiveTargets), so a query with several gold documents is not pushed away from them. */
  allowed?: Uint8Array;
  /** Softmax temperature τ. T1 default 0.05: sharper than 1, sharp enough to separate hard negatives. */
  temperature: number;
  /** Multiplier of this term (λ). Default 1. */
  scale?: number;
}

export interface Objective {
  lm?: LmObjective;
  contrastive?: ContrastiveObjective;
}

export interface LossResult {
  /** Σ scale · term: what backward differentiates. */
  loss: number;
  lm?: number;
  infoNce?: number;
  /** (Q, D) cosine similarities of the contrastive term, for logging / retrieval metrics. */
  cosine?: Float32Array;
  /** Real (unpadded) tokens in the batch. */
  tokens: number;
  /** Floats of saved activations at the peak of this step. */
  activationFloats: number;
}

/**
 * One forward + backward of the objective on a batch, accumulating parameter gradients scaled by
 * gradScale (1 / accumulation steps for gradient accumulation). Returns the unscaled losses.
 * The lm_head runs only at the positions the lm term weighs (see ForwardOptions.logitPositions).
 */
export function lossAndBackward(m: TrainModel, batch: TokenBatch, obj: Objective, gradScale = 1): LossResult {
  const sel = lmSelection(batch, obj);
  const tape = m.forward(batch, sel ? { logitPositions: sel.positions } : { logits: false });
  try {
    const r = objectiveForward(m, tape, obj, sel, gradScale);
    objectiveBackward(m, tape, obj, sel, r, gradScale);
    return r;
  } finally {
    tape.free();
  }
}

/** Losses only (no gradient), e.g. for evaluation. */
export function objectiveLoss(m: TrainModel, batch: TokenBatch, obj: Objective): LossResult {
  const sel = lmSelection(batch, obj);
  const tape = m.forward(batch, sel ? { logitPositions: sel.positions } : { logits: false });
  try {
    return objectiveForward(m, tape, obj, sel);
  } finally {
    tape.free();
  }
}

interface Internal extends LossResult {
  emb?: { e: Float32Array; y: Float32Array; norms: Float32Array; q: Float32Array; d: Float32Array };
}

/** The lm term's positions (weight ≠ 0) and their targets and weights, (P) each. */
interface LmSelection {
  positions: Int32Array;
  targets: Int32Array;
  weight: Float32Array;
}

function lmSelection(batch: TokenBatch, obj: Objective): LmSelection | null {
  if (!obj.lm) return null;
  const N = batch.B * batch.T;
  if (obj.lm.targets.length !== N || obj.lm.weight.length !== N) throw new InputError(`lm targets/weight must have B·T = ${N} entries`, { field: "lm" });
  const positions = positionsWhere(obj.lm.weight), P = positions.length;
  return { positions, targets: pickAt(new Int32Array(P), obj.lm.targets, positions), weight: pickAt(new Float32Array(P), obj.lm.weight, positions) };
}

/** With fusedGradScale the lm term's gradient is computed in the same pass, into tape.logits. */
function objectiveForward(m: TrainModel, tape: Tape, obj: Objective, sel: LmSelection | null, fusedGradScale?: number): Internal {
  const { B, T, mask } = tape.batch;
  const N = B * T, C = m.config.hiddenSize, V = m.config.vocabSize;
  let tokens = 0;
  for (let i = 0; i < N; i++) tokens += mask[i];
  const r: Internal = { loss: 0, tokens, activationFloats: tape.floats };
  if (obj.lm && sel) {
    const P = sel.positions.length;
    // tape.logits rows are the selected positions (the cross-entropy skips weight-0 rows anyway)
    r.lm = P === 0 ? 0 : fusedGradScale === undefined
      ? crossEntropyForward(tape.logits!, sel.targets, sel.weight, P, V)
      : crossEntropyFusedInPlace(tape.logits!, sel.targets, sel.weight, P, V, fusedGradScale * (obj.lm.scale ?? 1));
    r.loss += (obj.lm.scale ?? 1) * r.lm;
  }
  if (obj.contrastive) {
    const o = obj.contrastive;
    if (o.embPositions.length !== B) throw new InputError(`embPositions must have B = ${B} entries`, { field: "embPositions" });
    const Q = o.queryRows.length, D = o.docRows.length;
    if (o.allowed && o.allowed.length !== Q * D) throw new InputError(`allowed must have Q·D = ${Q * D} entries`, { field: "allowed" });
    const e = new Float32Array(B * C), y = new Float32Array(B * C), norms = new Float32Array(B);
    gatherRowsForward(e, tape.hidden, o.embPositions, B, T, C);
    l2NormalizeForward(y, norms, e, B, C);
    const q = pickRows(y, o.queryRows, C), d = pickRows(y, o.docRows, C);
    const cosine = new Float32Array(Q * D);
    cosineMatrixForward(m.k, cosine, q, d, Q, D, C);
    r.infoNce = infoNceForward(cosine, o.positive, Q, D, o.temperature, o.allowed);
    r.loss += (o.scale ?? 1) * r.infoNce;
    r.cosine = cosine;
    r.emb = { e, y, norms, q, d };
  }
  return r;
}

function objectiveBackward(m: TrainModel, tape: Tape, obj: Objective, sel: LmSelection | null, r: Internal, gradScale: number): void {
  const { B, T } = tape.batch;
  const N = B * T, C = m.config.hiddenSize;
  // objectiveForward already turned the logits into their gradient (fused cross-entropy).
  const dLogits = sel && sel.positions.length > 0 ? tape.logits! : undefined;
  let dHidden: Float32Array | undefined;
  if (obj.contrastive && r.emb && r.cosine) {
    const o = obj.contrastive;
    const Q = o.queryRows.length, D = o.docRows.length;
    const dcos = new Float32Array(Q * D);
    infoNceBackward(dcos, gradScale * (o.scale ?? 1), r.cosine, o.positive, Q, D, o.temperature, o.allowed);
    const dq = new Float32Array(Q * C), dd = new Float32Array(D * C);
    cosineMatrixBackward(m.k, dq, dd, dcos, r.emb.q, r.emb.d, Q, D, C);
    const dy = new Float32Array(B * C);
    addRows(dy, dq, o.queryRows, C);
    addRows(dy, dd, o.docRows, C);
    const de = new Float32Array(B * C);
    l2NormalizeBackward(de, dy, r.emb.y, r.emb.norms, B, C);
    dHidden = new Float32Array(N * C);
    gatherRowsBackward(dHidden, de, o.embPositions, B, T, C);
  }
  m.backward(tape, { dHidden, dLogits });
}

function pickRows(x: Float32Array, rows: Int32Array, C: number): Float32Array {
  const out = new Float32Array(rows.length * C);
  rows.forEach((r, i) => out.set(x.subarray(r * C, r * C + C), i * C));
  return out;
}

function addRows(dst: Float32Array, src: Float32Array, rows: Int32Array, C: number): void {
  rows.forEach((r, i) => {
    for (let c = 0; c < C; c++) dst[r * C + c] += src[i * C + c];
  });
}

/** Index of the last occurrence of `tokenId` in each row: where the T1 embedding is read. */
export function findLastTokenPositions(ids: Int32Array, B: number, T: number, tokenId: number): Int32Array {
  const pos = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let p = -1;
    for (let t = 0; t < T; t++) if (ids[b * T + t] === tokenId) p = t;
    if (p < 0) throw new InputError(`sequence ${b} has no <emb_token> (id ${tokenId})`, { field: "ids" });
    pos[b] = p;
  }
  return pos;
}

/** Per-token log-probabilities of a batch of sampled sequences, with the backward pass kept open. */
export interface SequenceLogProbs {
  /** (B·T) log π(ids[t+1] | ids[≤t]) at position t; 0 where there is no next real token. */
  logp: Float32Array;
  /** (B·T) 1 where logp is defined (a real token follows), else 0. */
  valid: Uint8Array;
  /** Accumulates parameter gradients of Σ dlogp ⊙ logp (scaled by gradScale) and frees the activations. */
  backward(dlogp: Float32Array, gradScale?: number): void;
  /** Frees the activations without a backward pass (e.g. a frozen reference policy). */
  free(): void;
}

/**
 * Token log-probabilities of sampled continuations under the model: what GRPO's ratio
 * π/π_old and its KL to a reference policy are built from. The caller computes the surrogate on
 * `logp` and hands its gradient back through `backward`.
 */
export function sequenceLogProbs(m: TrainModel, batch: TokenBatch): SequenceLogProbs {
  const { B, T, ids } = batch;
  const N = B * T, V = m.config.vocabSize;
  if (ids.length !== N) throw new InputError(`batch ids have ${ids.length} entries, expected B·T = ${N}`, { field: "ids" });
  const mask = batch.mask ?? new Uint8Array(N).fill(1);
  const next = new Int32Array(N), valid = new Uint8Array(N);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      const i = b * T + t;
      if (mask[i] && mask[i + 1]) {
        next[i] = ids[i + 1];
        valid[i] = 1;
      }
    }
  }
  // logits only where a next token is scored: (P, V) instead of (N, V)
  const pass = actionLogProbs(m, batch, next, valid, null, () => new InputError("sequenceLogProbs: backward after free", { field: "backward" }));
  return {
    logp: pass.logp,
    valid,
    free: pass.free,
    backward: (dlogp, gradScale = 1) => pass.backward(dlogp, null, gradScale),
  };
}
