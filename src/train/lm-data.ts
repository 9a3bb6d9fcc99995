import { InputError } from "../util/errors.js";
import type { TrainData } from "./trainer.js";

export interface CausalLmDataOptions {
  /** Token id written into padding positions (never attended to, never predicted). Default 0. */
  padId?: number;
  /** Sequences longer than this are cut. Default 512: attention memory grows with T². */
  maxLength?: number;
}

/**
 * Next-token prediction on whole sequences: each micro-batch is right-padded to its longest
 * sequence and every real position but the last predicts its successor.
 */
export function causalLmData(sequences: Int32Array[], opts: CausalLmDataOptions = {}): TrainData {
  const padId = opts.padId ?? 0, maxLength = opts.maxLength ?? 512;
  sequences.forEach((s, i) => {
    if (s.length < 2) throw new InputError(`sequence ${i} has ${s.length} tokens; next-token training needs at least 2`, { line: i + 1 });
  });
  return {
    size: sequences.length,
    batch(indices) {
      const B = indices.length;
      const seqs = Array.from(indices, (i) => sequences[i].subarray(0, maxLength));
      const T = Math.max(...seqs.map((s) => s.length));
      const ids = new Int32Array(B * T).fill(padId), mask = new Uint8Array(B * T);
      const targets = new Int32Array(B * T), weight = new Float32Array(B * T);
      seqs.forEach((s, b) => {
        ids.set(s, b * T);
        mask.fill(1, b * T, b * T + s.length);
        for (let t = 0; t + 1 < s.length; t++) {
          targets[b * T + t] = s[t + 1];
          weight[b * T + t] = 1;
        }
      });
      return { batch: { B, T, ids, mask }, objective: { lm: { targets, weight } } };
    },
  };
}
