/**
 * The shipped default model (models/tiny-t1): the T1 curriculum on the seeded TINY testbed (the
 * one `npm start` makes), exported as a Hugging Face directory with its T1 format settings
 * (t1_format.json) and the record of how it was made. `npm run train:tiny` remakes it.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, renameSync } from "node:fs";
import { join } from "node:path";
import { makeTestbed, writeTestbed } from "../data/testbed/index.js";
import { getKernels } from "../engine/kernels/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { writeT1FormatSettings, type T1FormatSettings } from "../data/t1-format/index.js";
import { packageRoot } from "../util/paths.js";
import { DEFAULT_CONFIG, mergeConfig, type ExperimentConfig } from "./config.js";
import { trainT1Chain } from "./seed-run.js";
import { readTestbed } from "./testbed.js";

/** Where the built-in default model lives in the package. */
export function defaultModelDir(): string {
  return join(packageRoot(), "models", "tiny-t1");
}

/** The demo's testbed: seed and size are part of the shipped model's identity. */
export const DEMO_TESTBED = { seed: 1, size: "tiny" } as const;

/** The experiment's config with budgets sized for the tiny testbed (236 training questions; about 8 minutes on 2 idle cores). */
export const TINY_T1_CONFIG: ExperimentConfig = mergeConfig(DEFAULT_CONFIG, {
  pretrain: { steps: 250 },
  stage1: { steps: 40 },
  stage2: { steps: 120 },
  // The shipped model predates the experiment's "full" reward pool; pinned so train:tiny remakes it.
  stage3: { steps: 16, rewardPool: "mined" },
});

/** Files of a checkpoint that make up the shipped model (no optimizer state, no trainer state). */
const MODEL_FILES = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"];

/** The T1 format settings the shipped model records (t1_format.json, read by every encoder as defaults). */
export function tinyFormatSettings(instruction: string, cfg: ExperimentConfig): Partial<T1FormatSettings> {
  return {
    instruction, documentInstruction: "task", maxDocumentTokens: cfg.formats.maxDocLength, maxReasoningTokens: cfg.eval.maxReasoningTokens,
    stopTokens: ["<|im_end|>"], learnedToStop: true,
  };
}

export interface TrainTinyOptions {
  /** The model directory to (re)write. */
  outDir: string;
  /** Run directory of the training (resumable). */
  workDir: string;
  config?: ExperimentConfig;
  quiet?: boolean;
  log?: (msg: string) => void;
}

export async function trainTinyT1(o: TrainTinyOptions): Promise<string> {
  const cfg = o.config ?? TINY_T1_CONFIG;
  const log = o.log ?? ((m: string) => console.error(`t1 train tiny: ${m}`));
  const bedDir = join(o.workDir, "testbed");
  if (!existsSync(join(bedDir, "corpus.jsonl"))) writeTestbed(makeTestbed(DEMO_TESTBED.seed, DEMO_TESTBED.size), bedDir);
  const testbed = readTestbed(bedDir);
  const chain = await trainT1Chain({ k: getKernels(), cfg, testbed, seed: DEMO_TESTBED.seed, outDir: o.workDir, quiet: o.quiet ?? false, log });
  const from = chain.s3.result.checkpoint;
  const tmp = `${o.outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of MODEL_FILES) copyFileSync(join(from, f), join(tmp, f));
  writeT1FormatSettings(tmp, tinyFormatSettings(testbed.instruction, cfg));
  writeFileAtomic(join(tmp, "training.json"), JSON.stringify({
    made_by: "npm run train:tiny (t1 train tiny)", testbed: { ...DEMO_TESTBED, generator: "t1 testbed make" }, config: cfg,
    stages: { pretrain: chain.base.result, stage1: chain.s1.result, stage2: chain.s2.result, stage3: chain.s3.result },
  }, null, 1) + "\n");
  rmSync(o.outDir, { recursive: true, force: true });
  renameSync(tmp, o.outDir);
  log(`${o.outDir}: the stage-3 checkpoint ${from} with t1_format.json`);
  return o.outDir;
}
