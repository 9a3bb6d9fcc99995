import type { TrainModel, TokenBatch } from "../train-model.js";
import { tokenLogProbsForward, tokenLogProbsBackward } from "../ops/cross-entropy.js";
import { embeddingsAt, hiddenGradFromEmbeddings } from "../contrastive-loss.js";

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

/** `targets`/`active`: (B·T) the token each position's action is and whether it is an action. */
export function policyPass(m: TrainModel, batch: TokenBatch, targets: Int32Array, active: Uint8Array, embPositions: Int32Array): PolicyPass {
  const tape = m.forward(batch, { logits: true });
  const N = batch.B * batch.T, V = m.config.vocabSize, C = m.config.hiddenSize;
  const logp = new Float32Array(N);
  tokenLogProbsForward(logp, tape.logits!, targets, N, V);
  for (let i = 0; i < N; i++) if (!active[i]) logp[i] = 0;
  const emb = embeddingsAt(tape, embPositions, C);
  let open = true;
  const free = () => {
    if (open) tape.free();
    open = false;
  };
  return {
    logp,
    emb,
    free,
    backward(dlogp, dEmb) {
      if (!open) throw new Error("policyPass: backward after free");
      const d = new Float32Array(N);
      if (dlogp) for (let i = 0; i < N; i++) d[i] = active[i] ? dlogp[i] : 0;
      const dLogits = m.pool.take(N * V);
      try {
        tokenLogProbsBackward(dLogits, d, tape.logits!, targets, N, V);
        const dHidden = dEmb ? hiddenGradFromEmbeddings(tape, embPositions, dEmb, C) : undefined;
        m.backward(tape, { dLogits, dHidden });
      } finally {
        m.pool.give(dLogits);
        free();
      }
    },
  };
}

/** Embeddings only (documents), with an optional backward of the embedding gradient. */
export function embedPass(m: TrainModel, batch: TokenBatch, embPositions: Int32Array): { emb: Float32Array; backward(dEmb: Float32Array): void; free(): void } {
  const tape = m.forward(batch, { logits: false });
  const C = m.config.hiddenSize;
  const emb = embeddingsAt(tape, embPositions, C);
  let open = true;
  const free = () => {
    if (open) tape.free();
    open = false;
  };
  return {
    emb,
    free,
    backward(dEmb) {
      try {
        m.backward(tape, { dHidden: hiddenGradFromEmbeddings(tape, embPositions, dEmb, C) });
      } finally {
        free();
      }
    },
  };
}
