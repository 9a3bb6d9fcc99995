import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { T1Error, InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import type { TrainModel } from "./train-model.js";
import { AdamW, clipCoefficient, globalGradNorm, learningRateAt, type AdamWOptions, type LrSchedule } from "./adamw.js";
import { TrainRng, epochOrder } from "./rng.js";
import { latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, type TrainerState } from "./checkpoint.js";
import type { T1FormatSettings } from "../data/t1-format/index.js";
import { appendStepLog, readStepLog, truncateStepLog, type StepLog } from "./train-log.js";

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

/** What a stage's step function gets from the loop. */
export interface StepContext {
  /** Steps completed before this one. */
  readonly step: number;
  /** The loop's checkpointed random source: draw from it and a resumed run draws the same values. */
  readonly rng: TrainRng;
  /** The next n example indices of the seeded epoch order (advances the checkpointed cursor). */
  nextIndices(n: number): Int32Array;
  /** Throws the loop's error when a loss is not finite (before a bad update is applied). */
  checkLoss(loss: number): void;
  /** One AdamW update from the accumulated gradients (clipped to clipNorm, LR of this step). */
  update(): { gradNorm: number; lr: number };
}

/** A step's log line without the fields the loop fills in (step, seconds, speed, memory). */
export type StepFields<L extends StepLog> = Omit<L, "step" | "seconds" | "tokensPerSecond" | "rssMiB">;

/** What a stage gives the loop. */
export interface LoopSpec<L extends StepLog> {
  /** Progress label. */
  name: string;
  /** Number of examples the data order runs over. */
  examples: number;
  /** The stage's resolved options, saved in every checkpoint's trainer_state.json (with the
   * schedule, clipping, seed and AdamW settings the loop adds). */
  options: Record<string, unknown>;
  /** Peak learning rate of the schedule. */
  lr: number;
  /** Runs the step's forward/backward passes and ctx.update() calls; returns its log fields. */
  step(ctx: StepContext): Promise<StepFields<L>> | StepFields<L>;
  /** State beyond weights/optimiser/RNG/cursor that the stage needs to continue exactly. */
  stageState?: { save(): unknown; restore(saved: unknown): void };
  /** The T1 format the stage trained with, saved as each checkpoint's t1_format.json so every
   * encoder, `t1 index`, `t1 search` and `t1 serve` default to it. Default: the starting model's. */
  formatSettings?: Partial<T1FormatSettings>;
  /** HTML of the curves, written next to the log at each checkpoint. */
  curvesHtml(logs: StepLog[]): string;
  onStep?: (log: L) => void;
}

export interface LoopResult<L extends StepLog> {
  logs: L[];
  checkpoint: string;
  resumedFrom: number;
}

/**
 * The training loop every stage shares: seeded data order with a checkpointed cursor, warm-up +
 * cosine LR, AdamW with global-norm clipping, JSONL logs truncated to the resumed step, atomic
 * checkpoints (pruned) with the RNG, cursor and stage state, curves, and resume with a seed check —
 * so a killed run continues with exactly the steps an uninterrupted one would have taken.
 */
export async function runTrainingLoop<L extends StepLog>(model: TrainModel, o: RunOptions, spec: LoopSpec<L>): Promise<LoopResult<L>> {
  if (spec.examples <= 0) throw new InputError("the training set is empty");
  const seed = o.seed ?? 0, every = o.checkpointEvery ?? 100, clip = o.clipNorm ?? 1.0;
  for (const [field, v] of [["totalSteps", o.totalSteps], ["checkpointEvery", every]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} must be a positive integer, got ${v}`, { field });
  }
  if (!(clip >= 0)) throw new InputError(`clipNorm must be >= 0, got ${clip}`, { field: "clipNorm" });
  const schedule: LrSchedule = { lr: spec.lr, warmupSteps: o.warmupSteps ?? 0, totalSteps: o.totalSteps, minLrRatio: o.minLrRatio ?? 0.1 };
  mkdirSync(o.outDir, { recursive: true });
  const ckDir = join(o.outDir, "checkpoints"), logPath = join(o.outDir, "log.jsonl");
  const opt = new AdamW(model.params, o.adamw);
  // The moments go back to the kernel heap when the run ends, not whenever the collector runs.
  try {
    const options = { ...spec.options, ...schedule, clipNorm: clip, seed, adamw: { beta1: opt.beta1, beta2: opt.beta2, eps: opt.eps, weightDecay: opt.weightDecay } };
    let state: TrainerState = { step: 0, cursor: 0, rngState: TrainRng.derive(seed, -1).state, seed, options };
    const latest = o.resume === false ? undefined : latestCheckpoint(ckDir);
    if (latest) {
      state = await loadCheckpoint(latest, model, opt);
      if (state.seed !== seed) throw new T1Error("MISMATCH", `${latest} was trained with seed ${state.seed}, this run asks for ${seed}`);
      if (state.stageState !== undefined) spec.stageState?.restore(state.stageState);
    }
    const resumedFrom = state.step;
    truncateStepLog(logPath, state.step);
    const rng = new TrainRng(state.rngState);
    let orderEpoch = -1;
    let order: Int32Array = new Int32Array(0);
    let checkpoint = latest ?? "";
    const ctx: StepContext = {
      get step() {
        return state.step;
      },
      rng,
      nextIndices(n) {
        const idx = new Int32Array(n);
        for (let i = 0; i < n; i++, state.cursor++) {
          const epoch = Math.floor(state.cursor / spec.examples);
          if (epoch !== orderEpoch) order = epochOrder(spec.examples, seed, (orderEpoch = epoch));
          idx[i] = order[state.cursor % spec.examples];
        }
        return idx;
      },
      checkLoss(loss) {
        if (!Number.isFinite(loss)) throw new T1Error("INTERNAL", `loss is ${loss} at step ${state.step + 1}; lower the learning rate or check the data (last checkpoint: ${checkpoint || "none"})`);
      },
      update() {
        const gradNorm = globalGradNorm(model.params);
        const lr = learningRateAt(state.step, schedule);
        opt.update(lr, clip > 0 ? clipCoefficient(gradNorm, clip) : 1); // clipping folded into the update
        return { gradNorm, lr };
      },
    };
    const progress = new Progress(spec.name, o.totalSteps, { unit: "steps", quiet: o.quiet });
    progress.tick(state.step);
    while (state.step < o.totalSteps) {
      const t0 = performance.now();
      const fields = await spec.step(ctx);
      ctx.checkLoss(fields.loss);
      state.step++;
      const seconds = (performance.now() - t0) / 1000;
      const { loss, lr, gradNorm, tokens, ...rest } = fields as unknown as { loss: number; lr: number; gradNorm: number; tokens: number; [field: string]: unknown };
      const entry = { step: state.step, loss, lr, gradNorm, tokensPerSecond: tokens / seconds, tokens, seconds, rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20), ...rest } as unknown as L;
      appendStepLog(logPath, entry);
      progress.tick();
      if (state.step % every === 0 || state.step === o.totalSteps) {
        state.rngState = rng.state;
        if (spec.stageState) state.stageState = spec.stageState.save();
        checkpoint = saveCheckpoint(ckDir, model, opt, state, o.tokenizerDir, spec.formatSettings);
        pruneCheckpoints(ckDir, o.keepCheckpoints ?? 2);
        writeFileAtomic(join(o.outDir, "curves.html"), spec.curvesHtml(readStepLog(logPath)));
      }
      spec.onStep?.(entry);
    }
    progress.finish();
    return { logs: readStepLog(logPath) as L[], checkpoint, resumedFrom };
  } finally {
    opt.dispose();
  }
}
