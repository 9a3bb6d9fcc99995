import { InputError } from "../util/errors.js";
import type { TrainModel, TokenBatch } from "./train-model.js";
import { lossAndBackward, type Objective } from "./objectives.js";
import type { TrainRng } from "./rng.js";
import type { StepLog } from "./train-log.js";
import { renderCurvesHtml } from "./curves-html.js";
import { runTrainingLoop, type RunOptions } from "./training-loop.js";
import type { T1FormatSettings } from "../data/t1-format/index.js";

export type { RunOptions } from "./training-loop.js";

/** A training set: examples addressed by index; the loop decides the (seeded) order. */
export interface TrainData {
  /** Number of examples. */
  readonly size: number;
  /**
   * One micro-batch from these example indices. `rng` is the loop's checkpointed random source:
   * draw from it (e.g. to sample hard negatives) and a resumed run draws the same values.
   */
  batch(indices: Int32Array, rng: TrainRng): { batch: TokenBatch; objective: Objective };
  /** The T1 format these examples were built with, recorded in every checkpoint (t1_format.json). Default: none. */
  readonly formatSettings?: Partial<T1FormatSettings>;
}

export interface TrainOptions extends RunOptions {
  /** Examples per micro-batch. Default 8: bigger batches use the matmul kernels better but hold
   * B·T activations per layer (see LossResult.activationFloats). */
  microBatchSize?: number;
  /** Micro-batches per optimiser step (gradient accumulation). Default 1. Effective batch =
   * microBatchSize × gradAccumSteps, at constant activation memory. */
  gradAccumSteps?: number;
  /** Peak learning rate. Default 1e-4: safe for fine-tuning a pretrained model; tiny random models want ~1e-3. */
  lr?: number;
  /** Called after each step (after logging). */
  onStep?: (log: StepLog) => void;
}

export interface TrainResult {
  /** Every step's log line, including steps from before a resume. */
  logs: StepLog[];
  /** The final checkpoint directory (Hugging Face layout). */
  checkpoint: string;
  /** Step the run resumed from (0 for a fresh run). */
  resumedFrom: number;
  /** Largest saved-activation footprint of one micro-batch, bytes. */
  peakActivationBytes: number;
}

/**
 * The core training step on the shared loop (runTrainingLoop: seeded data order, warm-up + cosine
 * LR, AdamW, JSONL logs, curves, atomic checkpoints and exact resume): gradient accumulation over
 * micro-batches of a TrainData, then one update.
 */
export async function train(model: TrainModel, data: TrainData, o: TrainOptions): Promise<TrainResult> {
  const micro = o.microBatchSize ?? 8, accum = o.gradAccumSteps ?? 1;
  for (const [field, v] of [["microBatchSize", micro], ["gradAccumSteps", accum]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} must be a positive integer, got ${v}`, { field });
  }
  const lr = o.lr ?? 1e-4;
  let peak = 0;
  const r = await runTrainingLoop<StepLog>(model, o, {
    name: "train",
    examples: data.size,
    options: { microBatchSize: micro, gradAccumSteps: accum },
    lr,
    step(ctx) {
      model.zeroGrads();
      let loss = 0, lm = 0, nce = 0, tokens = 0, hasLm = false, hasNce = false;
      for (let i = 0; i < accum; i++) {
        const { batch, objective } = data.batch(ctx.nextIndices(micro), ctx.rng);
        const r = lossAndBackward(model, batch, objective, 1 / accum);
        loss += r.loss / accum;
        if (r.lm !== undefined) {
          lm += r.lm / accum;
          hasLm = true;
        }
        if (r.infoNce !== undefined) {
          nce += r.infoNce / accum;
          hasNce = true;
        }
        tokens += r.tokens;
        peak = Math.max(peak, r.activationFloats * 4);
      }
      ctx.checkLoss(loss);
      return { loss, ...ctx.update(), tokens, ...(hasLm ? { lm } : {}), ...(hasNce ? { infoNce: nce } : {}) };
    },
    curvesHtml: (logs) => renderCurvesHtml(logs, `t1 training: ${o.outDir}`),
    onStep: o.onStep,
    ...(data.formatSettings ? { formatSettings: data.formatSettings } : {}),
  });
  return { ...r, peakActivationBytes: peak };
}
