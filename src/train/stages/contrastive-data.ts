import type { TrainData } from "../trainer.js";
import type { TrainRng } from "../rng.js";
import type { Objective } from "../objectives.js";
import type { ContrastiveRow } from "./data.js";
import { turnStopId } from "./stop-token.js";
import { DocumentColumns } from "./doc-columns.js";
import { positiveTargets } from "../contrastive-loss.js";
import { documentIds, formatSettingsOf, padBatch, plainQueryIds, reasoningQueryIds, type T1Formats } from "./formats.js";

export interface ContrastiveDataOptions {
  /** Softmax temperature τ of InfoNCE. Default 0.05 (T1): sharp enough to separate hard negatives. */
  temperature?: number;
  /** Hard negatives drawn per query per step (from its "negatives"). Default 3: more = a harder,
   * more informative softmax, at one more document sequence each in the batch. */
  negativesPerQuery?: number;
  /** Stage 2: multiplier λ of the InfoNCE term next to the reasoning cross-entropy. Default 1. */
  lambda?: number;
  /**
   * Stage 2: also train the end of the assistant turn — the position of the last reasoning token
   * predicts the turn's stop token (`<|im_end|>`, else the tokenizer's eos), although the sequence
   * continues with `<emb_token>`. Default true: generation at retrieval time stops where the
   * teacher did; false trains the reasoning tokens only, and generation then runs to
   * maxReasoningTokens (longer queries, reasoning padded with whatever the model writes next).
   */
  learnStop?: boolean;
  /** Stage 2: the stop id learnStop trains. Default: turnStopId(tokenizer) (an error if it has none).
   * Setting it implies learnStop. */
  stopId?: number;
}

/**
 * Stage 1 (`withReasoning` false) and stage 2 (true) as a TrainData for the core `train()` loop.
 * One micro-batch is ONE padded batch: the queries, then each query's positive (one drawn from the
 * loop's RNG when a row has several), then the drawn hard negatives. The InfoNCE softmax of each
 * query runs over every document column (in-batch negatives = the other queries' positives and
 * negatives); identical document texts share one column, so a positive shared by two queries is
 * never a negative for either. Stage 2 adds next-token cross-entropy on the teacher reasoning tokens
 * only (the positions that predict them: prompt, `<emb_token>`, documents and padding weigh 0);
 * lossAndBackward computes the lm_head only at those weighted positions, so the document rows and
 * prompts cost no B·T·vocab logits.
 */
export function contrastiveData(rows: readonly ContrastiveRow[], f: T1Formats, withReasoning: boolean, o: ContrastiveDataOptions = {}): TrainData {
  const tau = o.temperature ?? 0.05, negs = o.negativesPerQuery ?? 3, lambda = o.lambda ?? 1;
  const stopId = !withReasoning ? undefined : o.stopId ?? (o.learnStop === false ? undefined : turnStopId(f.tokenizer));
  const queryCache = new Map<number, { ids: number[]; start: number; end: number }>();
  const docCache = new Map<string, number[]>();
  const query = (i: number) => {
    let q = queryCache.get(i);
    if (!q) {
      const r = rows[i];
      q = withReasoning ? reasoningQueryIds(f, r.query, r.reasoning ?? "", r.instruction) : { ids: plainQueryIds(f, r.query, r.instruction), start: 0, end: 0 };
      queryCache.set(i, q);
    }
    return q;
  };
  const doc = (text: string, instruction: string | undefined) => {
    const key = (instruction ?? "\u0000") + "\u0001" + text;
    let d = docCache.get(key);
    if (!d) docCache.set(key, (d = documentIds(f, text, instruction)));
    return d;
  };
  return {
    size: rows.length,
    // Stage 1 embeds queries without reasoning; stage 2 teaches the reasoning budget and, with
    // learnStop, where to end, which retrieval then relies on.
    formatSettings: formatSettingsOf(f, withReasoning ? { maxReasoningTokens: f.maxReasoningLength, learnedToStop: stopId !== undefined } : {}),
    batch(indices: Int32Array, rng: TrainRng) {
      const Q = indices.length;
      const qs = Array.from(indices, (i) => query(i));
      const columns = new DocumentColumns(doc), docs = columns.docs;
      const addDoc = (text: string, instruction: string | undefined) => columns.add(text, instruction);
      const drawn = new Int32Array(Q);
      indices.forEach((i, q) => {
        const r = rows[i];
        drawn[q] = addDoc(r.positives.length > 1 ? r.positives[rng.int(r.positives.length)] : r.positives[0], r.instruction);
      });
      indices.forEach((i) => {
        const r = rows[i];
        const pool = r.negatives.slice();
        for (let n = 0; n < negs && pool.length; n++) addDoc(pool.splice(rng.int(pool.length), 1)[0], r.instruction);
      });
      // An undrawn positive of a query can be another row's document: it is gold for this query,
      // so it leaves this query's denominator instead of counting as a negative.
      const positiveCols = Array.from(indices, (i, q) => {
        const r = rows[i], cols = [drawn[q]];
        for (const t of r.positives) {
          const c = columns.find(t, r.instruction);
          if (c !== undefined && !cols.includes(c)) cols.push(c);
        }
        return cols;
      });
      const { positive, allowed } = positiveTargets(positiveCols, 1, docs.length);
      const seqs = [...qs.map((q) => q.ids), ...docs];
      const b = padBatch(seqs, f.padId);
      const objective: Objective = {
        contrastive: {
          embPositions: b.embPositions,
          queryRows: Int32Array.from({ length: Q }, (_, q) => q),
          docRows: Int32Array.from({ length: docs.length }, (_, d) => Q + d),
          positive,
          ...(allowed ? { allowed } : {}),
          temperature: tau,
          scale: withReasoning ? lambda : 1,
        },
      };
      if (withReasoning) objective.lm = reasoningTargets(qs, b.B, b.T, stopId);
      return { batch: { B: b.B, T: b.T, ids: b.ids, mask: b.mask }, objective };
    },
  };
}

/**
 * CE targets of the reasoning tokens: position t predicts ids[t+1] for t+1 in [start, end); with
 * stopId, position end−1 (the last reasoning token) predicts stopId as well.
 */
export function reasoningTargets(qs: readonly { ids: readonly number[]; start: number; end: number }[], B: number, T: number, stopId?: number): { targets: Int32Array; weight: Float32Array } {
  const targets = new Int32Array(B * T), weight = new Float32Array(B * T);
  qs.forEach((q, b) => {
    for (let t = q.start - 1; t + 1 < q.end; t++) {
      if (t < 0) continue;
      targets[b * T + t] = q.ids[t + 1];
      weight[b * T + t] = 1;
    }
    if (stopId !== undefined && q.end >= 1) {
      targets[b * T + q.end - 1] = stopId;
      weight[b * T + q.end - 1] = 1;
    }
  });
  return { targets, weight };
}
