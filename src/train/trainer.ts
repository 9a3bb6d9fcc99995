import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { T1Error, InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import type { TrainModel, TokenBatch } from "./train-model.js";
import { lossAndBackward, type Objective } from "./objectives.js";
import { AdamW, clipCoefficient, globalGradNorm, learningRateAt, type AdamWOptions } from "./adamw.js";
import { TrainRng, epochOrder } from "./rng.js";
import { latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type TrainerState } from "./checkpoint.js";
import { appendStepLog, readStepLog, renderCurvesHtml, truncateStepLog, type StepLog } from "./train-log.js";

/** A training set: examples addressed by index; the loop decides the (seeded) order. */
export interface TrainData {
  /** Number of examples. */
  readonly size: number;
  /**
   * One micro-batch from these example indices. `rng` is the loop's checkpointed random source:
   * draw from it (e.g. to sample hard negatives) and a resumed run draws the same values.
   */
  batch(indices: Int32Array, rng: TrainRng): { batch: TokenBatch; objective: Objective };
}

/** Run, schedule and optimiser options shared by every training loop (the core's and GRPO's). */
export interface RunOptions {
  /** Run directory: checkpoints/, log.jsonl, curves.html. */
  outDir: string;
  /** Optimiser steps of the whole run (also the end of the cosine schedule). */
  totalSteps: number;
  /** Linear warm-up steps. Default 0. */
  warmupSteps?: number;
  /** Cosine floor as a fraction of lr. Default 0.1. */
  minLrRatio?: number;
  /** AdamW hyper-parameters (defaults in AdamWOptions). */
  adamw?: AdamWOptions;
  /** Global gradient-norm clip. Default 1.0; 0 disables (risks a spike derailing the run). */
  clipNorm?: number;
  /** Seed of the data order and the loop's RNG. Default 0. */
  seed?: number;
  /** Steps between checkpoints. Default 100: more often = less recomputed after a kill, more disk writes. */
  checkpointEvery?: number;
  /** Checkpoints kept on disk. Default 2. */
  keepCheckpoints?: number;
  /** Directory whose tokenizer files are copied into every checkpoint. Default none. */
  tokenizerDir?: string;
  /** Continue from the newest checkpoint in outDir when there is one. Default true. */
  resume?: boolean;
  /** Silence the progress line. Default false. */
  quiet?: boolean;
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
 * The training loop: seeded data order, gradient accumulation, global-norm clipping, warm-up +
 * cosine LR, AdamW, JSONL logs, an HTML plot of the curves, and atomic checkpoints from which a
 * killed run resumes with exactly the losses it would have had.
 */
export async function train(model: TrainModel, data: TrainData, o: TrainOptions): Promise<TrainResult> {
  if (data.size <= 0) throw new InputError("the training set is empty");
  const micro = o.microBatchSize ?? 8, accum = o.gradAccumSteps ?? 1, seed = o.seed ?? 0;
  const every = o.checkpointEvery ?? 100, clip = o.clipNorm ?? 1.0;
  for (const [field, v] of [["totalSteps", o.totalSteps], ["microBatchSize", micro], ["gradAccumSteps", accum], ["checkpointEvery", every]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} must be a positive integer, got ${v}`, { field });
  }
  if (!(clip >= 0)) throw new InputError(`clipNorm must be >= 0, got ${clip}`, { field: "clipNorm" });
  const schedule = { lr: o.lr ?? 1e-4, warmupSteps: o.warmupSteps ?? 0, totalSteps: o.totalSteps, minLrRatio: o.minLrRatio ?? 0.1 };
  mkdirSync(o.outDir, { recursive: true });
  const ckDir = join(o.outDir, "checkpoints");
  const logPath = join(o.outDir, "log.jsonl");
  const opt = new AdamW(model.params, o.adamw);
  const options = { microBatchSize: micro, gradAccumSteps: accum, ...schedule, clipNorm: clip, seed, adamw: { beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, weightDecay: opt.weightDecay } };
  let state: TrainerState = { step: 0, cursor: 0, rngState: TrainRng.derive(seed, -1).state, seed, options };
  const latest = o.resume === false ? undefined : latestCheckpoint(ckDir);
  if (latest) {
    state = await loadCheckpoint(latest, model, opt);
    if (state.seed !== seed) throw new T1Error("MISMATCH", `${latest} was trained with seed ${state.seed}, this run asks for ${seed}`);
  }
  const resumedFrom = state.step;
  truncateStepLog(logPath, state.step);
  const rng = new TrainRng(state.rngState);
  let orderEpoch = -1;
  let order: Int32Array = new Int32Array(0);
  const nextIndices = (): Int32Array => {
    const idx = new Int32Array(micro);
    for (let i = 0; i < micro; i++, state.cursor++) {
      const epoch = Math.floor(state.cursor / data.size);
      if (epoch !== orderEpoch) {
        order = epochOrder(data.size, seed, epoch);
        orderEpoch = epoch;
      }
      idx[i] = order[state.cursor % data.size];
    }
    return idx;
  };
  const progress = new Progress("train", o.totalSteps, { unit: "steps", quiet: o.quiet });
  progress.tick(state.step);
  let peak = 0;
  let checkpoint = latest ?? "";
  while (state.step < o.totalSteps) {
    const t0 = performance.now();
    model.zeroGrads();
    let loss = 0, lm = 0, nce = 0, tokens = 0, hasLm = false, hasNce = false;
    for (let a = 0; a < accum; a++) {
      const { batch, objective } = data.batch(nextIndices(), rng);
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
    if (!Number.isFinite(loss)) throw new T1Error("INTERNAL", `loss is ${loss} at step ${state.step + 1}; lower the learning rate or check the data (last checkpoint: ${checkpoint || "none"})`);
    const gradNorm = globalGradNorm(model.params);
    const lr = learningRateAt(state.step, schedule);
    opt.update(lr, clip > 0 ? clipCoefficient(gradNorm, clip) : 1); // clipping folded into the update
    state.step++;
    const seconds = (performance.now() - t0) / 1000;
    const entry: StepLog = { step: state.step, loss, lr, gradNorm, tokensPerSecond: tokens / seconds, tokens, seconds, rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20), ...(hasLm ? { lm } : {}), ...(hasNce ? { infoNce: nce } : {}) };
    appendStepLog(logPath, entry);
    progress.tick();
    if (state.step % every === 0 || state.step === o.totalSteps) {
      state.rngState = rng.state;
      checkpoint = saveCheckpoint(ckDir, model, opt, state, o.tokenizerDir);
      pruneCheckpoints(ckDir, o.keepCheckpoints ?? 2);
      writeFileAtomic(join(o.outDir, "curves.html"), renderCurvesHtml(readStepLog(logPath), `t1 training: ${o.outDir}`));
    }
    o.onStep?.(entry);
  }
  progress.finish();
  return { logs: readStepLog(logPath), checkpoint, resumedFrom, peakActivationBytes: peak };
}
