/**
 * The three curriculum stages on a testbed: the testbed's id-based rows become the training
 * rows of src/train (stage 1/2 contrastive rows with document texts; stage 3 GRPO rows against the
 * whole corpus as the reward pool), each stage a resumable run directory.
 */
import { join } from "node:path";
import type { Kernels } from "../engine/kernels/types.js";
import { TrainModel, readTrainModelConfig, train, trainGrpo, type StepLog } from "../train/index.js";
import { contrastiveData, loadTokenizer, t1Formats, type CandidatePool, type ContrastiveRow, type GrpoRow, type T1Formats } from "../train/stages/index.js";
import type { ExperimentConfig } from "./config.js";
import type { Testbed, TestbedQuery } from "./testbed.js";

export interface StageResult {
  checkpoint: string;
  steps: number;
  /** Mean loss (stage 3: reward) over the first and last tenth of the steps. */
  first: Record<string, number>;
  last: Record<string, number>;
}

export function formatsFor(modelDir: string, cfg: ExperimentConfig, instruction: string): T1Formats {
  return t1Formats(loadTokenizer(modelDir), { instruction, maxDocLength: cfg.formats.maxDocLength, maxReasoningLength: cfg.formats.maxReasoningLength });
}

export function contrastiveRows(t: Testbed, queries: readonly TestbedQuery[]): ContrastiveRow[] {
  const text = (id: string) => t.corpusById.get(id)!.text;
  return queries.map((q) => ({ query: q.query, positives: q.positives.map(text), negatives: q.negatives.map(text), reasoning: q.reasoning }));
}

async function loadModel(k: Kernels, dir: string, frozen = false): Promise<TrainModel> {
  return TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir, frozen ? { freeze: ["*"] } : {});
}

/** Keys of a step log worth summarising, averaged over a slice of steps. */
function summarise(logs: readonly StepLog[], keys: readonly string[]): { first: Record<string, number>; last: Record<string, number> } {
  const n = Math.max(1, Math.floor(logs.length / 10));
  const mean = (xs: readonly StepLog[]) => Object.fromEntries(keys.filter((k) => xs.some((x) => typeof (x as unknown as Record<string, unknown>)[k] === "number")).map((k) => [k, xs.reduce((a, x) => a + (((x as unknown as Record<string, number>)[k]) ?? 0), 0) / xs.length]));
  return { first: mean(logs.slice(0, n)), last: mean(logs.slice(-n)) };
}

export interface StageRun {
  k: Kernels;
  cfg: ExperimentConfig;
  testbed: Testbed;
  /** The checkpoint this stage starts from. */
  fromDir: string;
  outDir: string;
  seed: number;
  quiet: boolean;
}

/** Stage 1 (no reasoning) or stage 2 (teacher reasoning CE + λ·InfoNCE); `steps` overrides the config (stage-2 continued). */
export async function runContrastiveStage(r: StageRun, stage: 1 | 2, steps?: number): Promise<StageResult> {
  const sc = stage === 1 ? r.cfg.stage1 : r.cfg.stage2;
  const f = formatsFor(r.fromDir, r.cfg, r.testbed.instruction);
  const model = await loadModel(r.k, r.fromDir);
  const data = contrastiveData(contrastiveRows(r.testbed, r.testbed.splits.train), f, stage === 2, {
    temperature: sc.tau, negativesPerQuery: sc.negatives, ...(stage === 2 ? { lambda: r.cfg.stage2.lambda } : {}),
  });
  const totalSteps = steps ?? sc.steps;
  // The stage's weights go back to the kernel heap at its end: one process runs every stage of every seed.
  const res = await train(model, data, {
    outDir: r.outDir, totalSteps, microBatchSize: sc.batchSize, lr: sc.lr, warmupSteps: Math.min(sc.warmupSteps, totalSteps - 1),
    checkpointEvery: r.cfg.checkpointEvery, seed: r.seed, tokenizerDir: r.fromDir, quiet: r.quiet,
  }).finally(() => model.dispose());
  return { checkpoint: res.checkpoint, steps: totalSteps, ...summarise(res.logs, ["loss", "lm", "infoNce"]) };
}

/** The whole corpus as the GRPO candidate pool, with each training query's gold ids resolved into it. */
export function corpusPool(t: Testbed): { pool: CandidatePool; rows: GrpoRow[]; positiveIds: number[][] } {
  const ids = t.corpus.map((d) => d.id), texts = t.corpus.map((d) => d.text);
  const byId = new Map(ids.map((id, i) => [id, i]));
  const train = t.splits.train;
  return {
    pool: { ids, texts, byId },
    rows: train.map((q) => ({ query: q.query, positives: q.positives.map((id) => texts[byId.get(id)!]!), negatives: q.negatives.map((id) => texts[byId.get(id)!]!) })),
    positiveIds: train.map((q) => q.positives.map((id) => byId.get(id)!)),
  };
}

/**
 * Stage 3 (GRPO) from the stage-2 checkpoint, the stage-2 model also being the frozen KL
 * reference. `policyGradient: false` is the InfoNCE-only control: the same rollouts, rewards,
 * KL and InfoNCE, with every advantage 0 so the surrogate contributes no gradient (GrpoOptions.policyGradient).
 */
export async function runGrpoStage(r: StageRun, policyGradient = true): Promise<StageResult> {
  const { steps, lr, ...grpo } = r.cfg.stage3;
  const f = formatsFor(r.fromDir, r.cfg, r.testbed.instruction);
  const policy = await loadModel(r.k, r.fromDir);
  const reference = (grpo.klBeta ?? 0.04) > 0 ? await loadModel(r.k, r.fromDir, true) : null;
  const { pool, rows, positiveIds } = corpusPool(r.testbed);
  const res = await trainGrpo(policy, reference, { rows, formats: f, pool, positiveIds }, {
    ...grpo, outDir: r.outDir, totalSteps: steps, lr, checkpointEvery: r.cfg.checkpointEvery, seed: r.seed, tokenizerDir: r.fromDir, quiet: r.quiet,
    ...(policyGradient ? {} : { policyGradient: false }),
  }).finally(() => {
    policy.dispose();
    reference?.dispose();
  });
  return { checkpoint: res.checkpoint, steps, ...summarise(res.logs, ["loss", "rewardMean", "ndcg10", "cosinePositive", "kl", "lengthMean", "infoNce"]) };
}
