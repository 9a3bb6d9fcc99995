/**
 * One seed of the experiment, from nothing: tokenizer → pretrained base → stage 1 → stage 2 →
 * stage 3 (and the two controls: stage 3 without the policy gradient, stage 2 trained on for the
 * same compute), then every row of the table on the test split. Each piece is a checkpointed step
 * (steps.ts) in OUT/seed-N/<step>/, so a rerun skips what finished and resumes what did not.
 */
import { join } from "node:path";
import type { Kernels } from "../engine/kernels/types.js";
import type { ExperimentConfig } from "./config.js";
import { pretrainBase, writeTestbedTokenizer, type PretrainResult, type TokenizerInfo } from "./base-model.js";
import { runContrastiveStage, runGrpoStage, type StageRun, type StageResult } from "./stages.js";
import { bm25IndexOf, bm25Row, DenseModelEval, type RowEval } from "./retrieval-eval.js";
import { shuffledReasoning } from "./reasoning-stats.js";
import { runStep, type StepRecord } from "./steps.js";
import { trainingTexts, type Testbed } from "./testbed.js";

/** The table's rows, in display order (names are part of the results.json contract). */
export const ROWS = [
  "bm25", "bm25+gold_reasoning", "stage1:none", "stage2:none", "stage2:reason", "stage2:gold_reasoning", "stage2:shuffled_reasoning",
  "stage3:reason", "stage3:none", "bm25+model_reasoning", "stage3_nce_only:reason", "stage2_continued:reason",
] as const;
export type RowName = (typeof ROWS)[number];

/** The training steps, in order; each is a directory of the seed. */
export const TRAIN_STEPS = ["tokenizer", "pretrain", "stage1", "stage2", "stage3", "stage3_nce_only", "stage2_continued"] as const;
export type TrainStep = (typeof TRAIN_STEPS)[number];

export interface SeedResult {
  seed: number;
  rows: Record<RowName, RowEval>;
  /** Wall seconds per step (training steps and evaluation steps). */
  seconds: Record<string, number>;
  stages: Partial<Record<TrainStep, unknown>>;
  /** Stage-2-continued steps chosen to match stage 3's compute. */
  continuedSteps: number;
}

export interface SeedRunOptions {
  k: Kernels;
  cfg: ExperimentConfig;
  testbed: Testbed;
  seed: number;
  outDir: string;
  quiet: boolean;
  log: (msg: string) => void;
  /** Split the rows are measured on. Default "test"; "dev" is for choosing hyperparameters. */
  evalSplit?: "dev" | "test";
}

/**
 * Stage 2 continued gets as many sequence forward/backward passes as stage 3 spends on its
 * trajectories (steps × queries × group size), in stage-2 batches. Stage 3 also generates the
 * trajectories, so this gives the control at most stage 3's compute, never more.
 */
export function continuedSteps(cfg: ExperimentConfig): number {
  const q = cfg.stage3.queriesPerStep ?? 4, g = cfg.stage3.groupSize ?? 8;
  return Math.max(1, Math.round((cfg.stage3.steps * q * g) / cfg.stage2.batchSize));
}

type Stepper = <T>(name: string, work: (d: string) => Promise<T>) => Promise<StepRecord<T>>;

function stepper(o: SeedRunOptions, seconds: Record<string, number>): { step: Stepper; dir: (name: string) => string } {
  const dir = (name: string) => join(o.outDir, `seed-${o.seed}`, name);
  const step: Stepper = async (name, work) => {
    const r = await runStep(dir(name), `seed ${o.seed} ${name}`, work, o.log);
    seconds[name] = r.seconds;
    return r;
  };
  return { step, dir };
}

export interface T1Chain {
  tok: StepRecord<TokenizerInfo>;
  base: StepRecord<PretrainResult>;
  s1: StepRecord<StageResult>;
  s2: StepRecord<StageResult>;
  s3: StepRecord<StageResult>;
}

/** The T1 curriculum alone (no controls, no evaluation): tokenizer, pretraining, stages 1-3. */
export async function trainT1Chain(o: SeedRunOptions, seconds: Record<string, number> = {}): Promise<T1Chain> {
  const { cfg, testbed: t, seed } = o;
  const { step, dir } = stepper(o, seconds);
  const tok = await step<TokenizerInfo>("tokenizer", async (d) => writeTestbedTokenizer(trainingTexts(t), cfg.tokenizer.vocabSize, d));
  const base = await step<PretrainResult>("pretrain", (d) => pretrainBase(o.k, cfg, dir("tokenizer"), [...t.pretrain, ...t.corpus.map((x) => x.text)], d, seed, o.quiet));
  const s1 = await step<StageResult>("stage1", (d) => runContrastiveStage(stageRun(o, base.result.checkpoint, d), 1));
  const s2 = await step<StageResult>("stage2", (d) => runContrastiveStage(stageRun(o, s1.result.checkpoint, d), 2));
  const s3 = await step<StageResult>("stage3", (d) => runGrpoStage(stageRun(o, s2.result.checkpoint, d), true));
  return { tok, base, s1, s2, s3 };
}

function stageRun(o: SeedRunOptions, fromDir: string, outDir: string): StageRun {
  return { k: o.k, cfg: o.cfg, testbed: o.testbed, fromDir, outDir, seed: o.seed, quiet: o.quiet };
}

export async function runSeed(o: SeedRunOptions): Promise<SeedResult> {
  const { cfg, testbed: t, seed } = o;
  const seconds: Record<string, number> = {};
  const { step } = stepper(o, seconds);
  const { tok, base, s1, s2, s3 } = await trainT1Chain(o, seconds);
  const nce = await step<StageResult>("stage3_nce_only", (d) => runGrpoStage(stageRun(o, s2.result.checkpoint, d), false));
  const nCont = continuedSteps(cfg);
  const cont = await step<StageResult>("stage2_continued", (d) => runContrastiveStage(stageRun(o, s2.result.checkpoint, d), 2, nCont));

  const split = o.evalSplit ?? "test";
  const test = t.splits[split], qrels = t.qrels[split];
  // Dev evaluations get their own step directories, so tuning never overwrites the test numbers.
  const evalName = (name: string) => (split === "test" ? `eval-${name}` : `eval-${split}-${name}`);
  const dense = async (checkpoint: string, label: string) =>
    DenseModelEval.open(checkpoint, t.corpus, o.k, {
      instruction: t.instruction, maxDocLength: cfg.formats.maxDocLength, maxReasoningTokens: cfg.eval.maxReasoningTokens,
      depth: cfg.eval.depth, queryBatchSize: cfg.eval.queryBatchSize, quiet: o.quiet,
    }, `${label}: index corpus`);
  const evalStep = async (name: string, checkpoint: string, rows: (m: DenseModelEval) => Promise<Record<string, RowEval>>) =>
    (await step<Record<string, RowEval>>(evalName(name), async () => {
      const m = await dense(checkpoint, `seed ${seed} ${name}`);
      try {
        return await rows(m);
      } finally {
        await m.close();
      }
    })).result;

  const gold = Object.fromEntries(test.map((q) => [q.id, q.reasoning]));
  const bm = (await step<Record<string, RowEval>>(evalName("bm25"), async () => {
    const index = bm25IndexOf(t.corpus);
    return { bm25: bm25Row(index, test, qrels, cfg.eval.depth), "bm25+gold_reasoning": bm25Row(index, test, qrels, cfg.eval.depth, gold) };
  })).result;
  const e1 = await evalStep("stage1", s1.result.checkpoint, async (m) => ({ "stage1:none": await m.row(test, qrels, "none", "stage1:none") }));
  const e2 = await evalStep("stage2", s2.result.checkpoint, async (m) => ({
    "stage2:none": await m.row(test, qrels, "none", "stage2:none"),
    "stage2:reason": await m.row(test, qrels, "reason", "stage2:reason"),
    "stage2:gold_reasoning": await m.row(test, qrels, "external", "stage2:gold_reasoning", gold),
    "stage2:shuffled_reasoning": await m.row(test, qrels, "external", "stage2:shuffled_reasoning", shuffledReasoning(test)),
  }));
  const e3 = await evalStep("stage3", s3.result.checkpoint, async (m) => ({
    "stage3:reason": await m.row(test, qrels, "reason", "stage3:reason"),
    "stage3:none": await m.row(test, qrels, "none", "stage3:none"),
  }));
  const own = Object.fromEntries(Object.entries(e3["stage3:reason"]!.reasoning ?? {}).map(([id, r]) => [id, r.text]));
  const bmOwn = (await step<Record<string, RowEval>>(evalName("bm25_model_reasoning"), async () => ({ "bm25+model_reasoning": bm25Row(bm25IndexOf(t.corpus), test, qrels, cfg.eval.depth, own) }))).result;
  const eN = await evalStep("stage3_nce_only", nce.result.checkpoint, async (m) => ({ "stage3_nce_only:reason": await m.row(test, qrels, "reason", "stage3_nce_only:reason") }));
  const eC = await evalStep("stage2_continued", cont.result.checkpoint, async (m) => ({ "stage2_continued:reason": await m.row(test, qrels, "reason", "stage2_continued:reason") }));

  const rows = { ...bm, ...e1, ...e2, ...e3, ...bmOwn, ...eN, ...eC } as Record<RowName, RowEval>;
  return {
    seed, rows, seconds, continuedSteps: nCont,
    stages: { tokenizer: tok.result, pretrain: base.result, stage1: s1.result, stage2: s2.result, stage3: s3.result, stage3_nce_only: nce.result, stage2_continued: cont.result },
  };
}
