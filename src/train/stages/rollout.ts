import type { Model } from "../../engine/model.js";
import type { TokenBatch } from "../train-model.js";
import { padBatch } from "./formats.js";

/** G sampled trajectories per prompt as one training batch. */
export interface Rollout {
  /** Rows: prompt ++ output ++ [<emb_token>], query-major (row = query · G + g). */
  batch: TokenBatch;
  embPositions: Int32Array;
  /** (B·T) the action at each position: output token k at position P−1+k, then the stop token at
   * P+L−1 when the trajectory ended by stopping (its log-prob is the decision to stop). */
  targets: Int32Array;
  active: Uint8Array;
  /** Actions per row (output tokens + 1 for a stop). */
  lengths: number[];
  /** Generated ids per row (stop excluded). */
  outputs: number[][];
}

export interface RolloutOptions {
  temperature: number;
  maxTokens: number;
  seed: number;
  /** The only stop token of the sampling (so the scored stop action is known exactly). */
  stopId: number;
  embId: number;
  padId: number;
}

/** Samples G continuations of each prompt with the engine (row i uses seed + i) and lays them out for training. */
export async function rolloutBatch(engine: Model, prompts: readonly number[][], G: number, o: RolloutOptions): Promise<Rollout> {
  const rows = prompts.flatMap((p) => Array.from({ length: G }, () => p));
  const gen = await engine.generateText(rows, { temperature: o.temperature, maxTokens: o.maxTokens, seed: o.seed, stopTokens: [o.stopId] });
  return layoutRollout(rows, gen.map((g) => g.ids), gen.map((g) => g.finishReason === "stop"), o);
}

/** The training layout of given trajectories (exported for tests). */
export function layoutRollout(prompts: readonly (readonly number[])[], outputs: number[][], stopped: readonly boolean[], o: { stopId: number; embId: number; padId: number }): Rollout {
  const seqs = prompts.map((p, i) => [...p, ...outputs[i], o.embId]);
  const b = padBatch(seqs, o.padId);
  const targets = new Int32Array(b.B * b.T), active = new Uint8Array(b.B * b.T);
  const lengths = prompts.map((p, i) => {
    const P = p.length, L = outputs[i].length;
    for (let k = 0; k < L; k++) {
      targets[i * b.T + P - 1 + k] = outputs[i][k];
      active[i * b.T + P - 1 + k] = 1;
    }
    if (stopped[i]) {
      targets[i * b.T + P + L - 1] = o.stopId;
      active[i * b.T + P + L - 1] = 1;
    }
    return Math.max(1, L + (stopped[i] ? 1 : 0));
  });
  return { batch: { B: b.B, T: b.T, ids: b.ids, mask: b.mask }, embPositions: b.embPositions, targets, active, lengths, outputs };
}
