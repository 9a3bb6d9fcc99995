import { T1Error } from "../../util/errors.js";
import type { TrainModel, TokenBatch } from "../train-model.js";
import { embeddingsAt, hiddenGradFromEmbeddings } from "../contrastive-loss.js";
import { actionLogProbs, oneBackward } from "../action-log-probs.js";

/**
 * One forward of sampled trajectories that yields both what GRPO needs: the log-probability of
 * each action token (with explicit targets, so the stop decision at the end of a trajectory can be
 * scored even though the sequence continues with `<emb_token>`) and the raw `<emb_token>`
 * embedding of each row. backward() takes gradients for both and runs ONE backward pass.
 */
export interface PolicyPass {
  /** (B·T) log π(targets[i] | ids[≤ i]); 0 where weight is 0. */
  logp: Float32Array;
  /** (B, C) raw final-norm hidden states at embPositions. */
  emb: Float32Array;
  backward(dlogp: ArrayLike<number> | null, dEmb: Float32Array | null): void;
  free(): void;
}

/** `targets`/`active`: (B·T) the token each position's action is and whether it is an action;
 * `temperature`: the sampling temperature of the actions (log-probs of softmax(logits / T)). */
export function policyPass(m: TrainModel, batch: TokenBatch, targets: Int32Array, active: Uint8Array, embPositions: Int32Array, temperature = 1): PolicyPass {
  // logits only at the action positions: (P, V) instead of (N, V) (prompts and padding need none)
  const pass = actionLogProbs(m, batch, targets, active, embPositions, () => new T1Error("INTERNAL", "policyPass: backward after free"), temperature);
  return { logp: pass.logp, emb: pass.emb!, free: pass.free, backward: (dlogp, dEmb) => pass.backward(dlogp, dEmb) };
}

/** Embeddings only (documents), with an optional backward of the embedding gradient. */
export function embedPass(m: TrainModel, batch: TokenBatch, embPositions: Int32Array): { emb: Float32Array; backward(dEmb: Float32Array): void; free(): void } {
  const tape = m.forward(batch, { logits: false });
  const C = m.config.hiddenSize;
  const emb = embeddingsAt(tape, embPositions, C);
  const once = oneBackward(tape, () => new T1Error("INTERNAL", "embedPass: backward after free"));
  return {
    emb,
    free: once.free,
    backward: (dEmb) => once.backward(() => m.backward(tape, { dHidden: hiddenGradFromEmbeddings(tape, embPositions, dEmb, C) })),
  };
}

/** Rows [r0, r1) of a padded batch and its per-position arrays (views, no copy). */
function sliceRows(batch: TokenBatch, targets: Int32Array, active: Uint8Array, embPositions: Int32Array, r0: number, r1: number) {
  const T = batch.T;
  return {
    batch: { B: r1 - r0, T, ids: batch.ids.subarray(r0 * T, r1 * T), mask: batch.mask?.subarray(r0 * T, r1 * T) },
    targets: targets.subarray(r0 * T, r1 * T),
    active: active.subarray(r0 * T, r1 * T),
    embPositions: embPositions.subarray(r0, r1),
  };
}

/**
 * policyPass over at most `rowsPerPass` rows at a time (0 = all rows in one pass), for batches whose
 * action-token × vocab logits do not fit in memory. The chunked forward keeps no tapes; backward() re-runs
 * each chunk's forward (the same weights give the same values) and accumulates its gradients —
 * one extra forward in exchange for memory bounded by one chunk.
 */
export function chunkedPolicyPass(m: TrainModel, batch: TokenBatch, targets: Int32Array, active: Uint8Array, embPositions: Int32Array, rowsPerPass = 0, temperature = 1): PolicyPass {
  const B = batch.B, T = batch.T, C = m.config.hiddenSize;
  if (rowsPerPass <= 0 || rowsPerPass >= B) return policyPass(m, batch, targets, active, embPositions, temperature);
  const logp = new Float32Array(B * T), emb = new Float32Array(B * C);
  for (let r0 = 0; r0 < B; r0 += rowsPerPass) {
    const r1 = Math.min(B, r0 + rowsPerPass);
    const s = sliceRows(batch, targets, active, embPositions, r0, r1);
    const p = policyPass(m, s.batch, s.targets, s.active, s.embPositions, temperature);
    logp.set(p.logp, r0 * T);
    emb.set(p.emb, r0 * C);
    p.free();
  }
  return {
    logp,
    emb,
    free() {},
    backward(dlogp, dEmb) {
      for (let r0 = 0; r0 < B; r0 += rowsPerPass) {
        const r1 = Math.min(B, r0 + rowsPerPass);
        const s = sliceRows(batch, targets, active, embPositions, r0, r1);
        const p = policyPass(m, s.batch, s.targets, s.active, s.embPositions, temperature);
        const dl = dlogp ? Float64Array.from({ length: (r1 - r0) * T }, (_, i) => dlogp[r0 * T + i]) : null;
        p.backward(dl, dEmb ? dEmb.subarray(r0 * C, r1 * C) : null);
      }
    },
  };
}
