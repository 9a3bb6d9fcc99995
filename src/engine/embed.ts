/**
 * Document-side embedding: many token sequences, each read at its last `<emb_token>`, run in
 * packed batches of about `batchTokens` tokens (sorted by length so batches are even).
 */
import { T1Error } from "../util/errors.js";
import { Progress } from "../util/progress.js";
import type { Transformer } from "./transformer.js";

export interface EmbedOptions {
  /** Token budget of one forward pass. Default 2048: bigger batches make bigger, faster matmuls
   * but the KV cache and activations grow with it. */
  batchTokens?: number;
  /** Truncate inputs longer than this many tokens (the final `<emb_token>` is kept). Default: no
   * limit. Long texts cost quadratic attention time. */
  maxTokens?: number;
  /** Show a progress line. Default false. */
  progress?: boolean;
}

export function lastIndexOf(ids: ArrayLike<number>, id: number): number {
  for (let i = ids.length - 1; i >= 0; i--) if (ids[i] === id) return i;
  return -1;
}

export async function embedBatches(tf: Transformer, seqs: number[][], embId: number, opts: EmbedOptions = {}): Promise<Float32Array[]> {
  const budget = opts.batchTokens ?? 2048;
  if (!(budget > 0)) throw new T1Error("BAD_INPUT", `batchTokens must be > 0, got ${budget}`);
  const max = opts.maxTokens;
  const ids = seqs.map((s) => {
    if (max !== undefined && s.length > max) {
      if (max < 1) throw new T1Error("BAD_INPUT", `maxTokens must be >= 1, got ${max}`);
      return [...s.slice(0, max - 1), embId];
    }
    return s;
  });
  const order = ids.map((_, i) => i).sort((a, b) => ids[a]!.length - ids[b]!.length);
  const out: Float32Array[] = new Array(ids.length);
  const C = tf.cfg.hiddenSize;
  const progress = new Progress("embed", ids.length, { unit: "texts", quiet: !opts.progress });
  // Plan the batches first so one cache, sized for the largest, serves them all.
  const batches: number[][] = [];
  let slots = 1;
  for (let i = 0; i < order.length; ) {
    // Take sorted inputs while rows × longest stays within the budget (at least one row).
    let j = i + 1;
    while (j < order.length && (j + 1 - i) * ids[order[j]!]!.length <= budget) j++;
    batches.push(order.slice(i, j));
    slots = Math.max(slots, (j - i) * ids[order[j - 1]!]!.length);
    i = j;
  }
  const first = batches[0]?.length ?? 1;
  const cache = tf.createCache(first, Math.ceil(slots / first));
  try {
    for (const rows of batches) {
      cache.reshape(rows.length, ids[rows[rows.length - 1]!]!.length);
      const r = tf.forward(cache, rows.map((k, row) => ({ row, tokens: ids[k]! })), { logits: "none" });
      rows.forEach((k, b) => {
        const at = r.offsets[b]! + lastIndexOf(ids[k]!, embId);
        out[k] = r.hidden.slice(at * C, at * C + C);
      });
      progress.tick(rows.length);
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    cache.free();
  }
  progress.finish();
  return out;
}
