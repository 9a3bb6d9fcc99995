import type { TrainModel, TokenBatch } from "./train-model.js";
import { tokenLogProbsForward, tokenLogProbsBackward } from "./ops/cross-entropy.js";
import { embeddingsAt, hiddenGradFromEmbeddings } from "./contrastive-loss.js";
import { positionsWhere, pickAt } from "./ops/row-select.js";

/** Log-probabilities of chosen tokens, with one backward pass kept open. */
export interface ActionLogProbs {
  /** (B·T) log π(targets[i] | ids[≤ i]) where active, else 0. */
  logp: Float32Array;
  /** (B, C) raw final-norm hidden states at the requested `<emb_token>` positions, if any. */
  emb: Float32Array | undefined;
  /** Accumulates parameter gradients of Σ dlogp ⊙ logp · gradScale (+ the embedding gradient) and frees the activations. */
  backward(dlogp: ArrayLike<number> | null, dEmb: Float32Array | null, gradScale?: number): void;
  /** Frees the activations without a backward pass. */
  free(): void;
}

/**
 * One forward that scores `targets` at the `active` positions of a batch — what both
 * `sequenceLogProbs` (next tokens) and GRPO's policy pass (explicit actions) are built from. The LM
 * head runs only at active positions: (P, V) logits instead of (B·T, V). `afterFree` makes the
 * error a caller gets for a backward after free. `temperature`: the log-probs are those of
 * softmax(logits / T), the distribution tokens sampled at T were drawn from. Default 1.
 */
export function actionLogProbs(
  m: TrainModel,
  batch: TokenBatch,
  targets: Int32Array,
  active: ArrayLike<number>,
  embPositions: Int32Array | null,
  afterFree: () => Error,
  temperature = 1,
): ActionLogProbs {
  const N = batch.B * batch.T, V = m.config.vocabSize, C = m.config.hiddenSize;
  const positions = positionsWhere(active), P = positions.length;
  const targetsSel = pickAt(new Int32Array(P), targets, positions);
  const tape = m.forward(batch, { logitPositions: positions });
  const lp = new Float32Array(P);
  tokenLogProbsForward(lp, tape.logits!, targetsSel, P, V, temperature);
  const logp = new Float32Array(N);
  for (let p = 0; p < P; p++) logp[positions[p]!] = lp[p]!;
  const emb = embPositions ? embeddingsAt(tape, embPositions, C) : undefined;
  const once = oneBackward(tape, afterFree);
  return {
    logp,
    emb,
    free: once.free,
    backward(dlogp, dEmb, gradScale = 1) {
      once.backward(() => {
        const d = new Float32Array(P);
        if (dlogp) for (let p = 0; p < P; p++) d[p] = dlogp[positions[p]!]! * gradScale;
        const dLogits = m.pool.take(P * V);
        try {
          tokenLogProbsBackward(dLogits, d, tape.logits!, targetsSel, P, V, temperature);
          const dHidden = dEmb && embPositions ? hiddenGradFromEmbeddings(tape, embPositions, dEmb, C) : undefined;
          m.backward(tape, { dLogits, dHidden });
        } finally {
          m.pool.give(dLogits);
        }
      });
    },
  };
}

/**
 * A forward's tape kept open for one backward: `backward(run)` runs `run` on the open tape and then
 * frees it (also when `run` throws); a second backward, or one after `free()`, throws `afterFree()`.
 * `free()` may be called any number of times.
 */
export function oneBackward(tape: { free(): void }, afterFree: () => Error): { backward(run: () => void): void; free(): void } {
  let open = true;
  const free = () => {
    if (open) tape.free();
    open = false;
  };
  return {
    free,
    backward(run) {
      if (!open) throw afterFree();
      try {
        run();
      } finally {
        free();
      }
    },
  };
}
