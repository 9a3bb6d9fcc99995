import { join } from "node:path";
import { defineCommand } from "../command.js";
import { getKernels } from "../../engine/kernels/index.js";
import { readTrainModelConfig } from "../../train/model-config.js";
import { TrainModel } from "../../train/train-model.js";
import { train } from "../../train/trainer.js";
import { readCandidatePool, readContrastiveRows, readGrpoRows } from "../../train/stages/data.js";
import { loadTokenizer, t1Formats } from "../../train/stages/formats.js";
import { contrastiveData } from "../../train/stages/contrastive-data.js";
import { trainGrpo } from "../../train/stages/grpo.js";
import type { PoolMiner, RewardPoolKind } from "../../train/stages/reward-pool.js";
import { InputError } from "../../util/errors.js";

export default defineCommand({
  name: "train t1",
  summary: "The T1 curriculum: --stage 1 InfoNCE warm-up, 2 reasoning + InfoNCE, 3 GRPO (resumable)",
  usage: "--stage 1|2|3 --model DIR --data FILE.jsonl --out RUN_DIR [options]",
  details: `
Stage 1: InfoNCE on <emb_token> embeddings of queries (no reasoning) against their positive, hard
negatives and the batch's other documents. Stage 2: cross-entropy on the teacher "reasoning"
tokens + lambda * InfoNCE on the embedding after the reasoning. Stage 3: GRPO — G sampled
trajectories per query, reward = nDCG@10 of the gold documents among the candidates + alpha * cosine
to the positive - length penalty, clipped surrogate, k3 KL to --reference (default: --model, i.e.
the stage-2 checkpoint you start from), and an InfoNCE term on the sampled embeddings.
Data rows (JSONL; docs/TRAINING.md): stages 1-2 {query, positive (text or list), negatives?,
reasoning? (stage 2: required), instruction?}; stage 3 {query, positives, negatives?, instruction?}
with texts, or ids of --pool. RUN_DIR gets checkpoints/step-N/ (Hugging Face layout), log.jsonl,
curves.html; re-running the same command resumes from the newest checkpoint.`,
  options: {
    stage: { type: "number", description: "Curriculum stage", required: true, integer: true, min: 1, max: 3 },
    model: { type: "string", description: "Model directory with <emb_token> (stage 1: the base; 2: stage-1 output; 3: stage-2 output)", required: true, arg: "DIR" },
    data: { type: "string", description: "Training rows, JSONL (.gz allowed)", required: true, arg: "FILE" },
    out: { type: "string", description: "Run directory", required: true, arg: "DIR" },
    instruction: { type: "string", description: "Instruction for rows without one, before the query and each document (default: none)", arg: "TEXT" },
    "enable-thinking": { type: "boolean", description: "Pass enable_thinking=true to the chat template (Qwen3); default: the template's default" },
    "no-thinking": { type: "boolean", description: "Pass enable_thinking=false (Qwen3: an empty <think></think> block)" },
    steps: { type: "number", description: "Optimiser steps (stage 3: rollout batches)", default: 100, integer: true, min: 1 },
    "batch-size": { type: "number", description: "Queries per micro-batch (stage 3: per step)", default: 8, integer: true, min: 1 },
    "grad-accum": { type: "number", description: "Micro-batches per optimiser step (stages 1-2)", default: 1, integer: true, min: 1 },
    lr: { type: "number", description: "Peak learning rate (default: 1e-5 for stages 1-2, 1e-6 for stage 3)", min: 0, exclusiveMin: true },
    warmup: { type: "number", description: "Linear warm-up steps", default: 0, integer: true, min: 0 },
    "weight-decay": { type: "number", description: "AdamW decoupled weight decay (matrices only)", default: 0.1, min: 0 },
    "clip-norm": { type: "number", description: "Global gradient-norm clip (0 = off)", default: 1.0, min: 0 },
    tau: { type: "number", description: "InfoNCE temperature", default: 0.05, min: 1e-6 },
    negatives: { type: "number", description: "Hard negatives drawn per query per step", default: 3, integer: true, min: 0 },
    lambda: { type: "number", description: "Stage 2: weight of InfoNCE next to the reasoning cross-entropy", default: 1, min: 0 },
    "learn-stop": { type: "boolean", description: "Stage 2: also train <|im_end|> (else the eos) after the reasoning, so generation learns to stop (the default)" },
    "no-learn-stop": { type: "boolean", description: "Stage 2: train the reasoning tokens only (generation then runs to the token budget)" },
    "max-doc-length": { type: "number", description: "Document tokens before <emb_token>", default: 256, integer: true, min: 1 },
    "max-reasoning-length": { type: "number", description: "Stage 2: teacher reasoning tokens kept", default: 256, integer: true, min: 1 },
    "group-size": { type: "number", description: "Stage 3: trajectories per query (G)", default: 8, integer: true, min: 2 },
    "sampling-temperature": { type: "number", description: "Stage 3: sampling temperature (> 0; the log-probs of the update use the same temperature)", default: 1.0, min: 1e-6 },
    "max-reasoning-tokens": { type: "number", description: "Stage 3: tokens per sampled trajectory", default: 128, integer: true, min: 1 },
    "clip-eps": { type: "number", description: "Stage 3: surrogate clip range epsilon", default: 0.2, min: 0 },
    "kl-beta": { type: "number", description: "Stage 3: KL coefficient beta (k3 estimator) to the reference", default: 0.04, min: 0 },
    alpha: { type: "number", description: "Stage 3: weight of the cosine-to-positive reward", default: 0.1 },
    "length-penalty": { type: "number", description: "Stage 3: reward -= this * tokens / max-reasoning-tokens", default: 0.05 },
    "nce-weight": { type: "number", description: "Stage 3: weight of InfoNCE on the sampled embeddings", default: 0.1, min: 0 },
    "updates-per-batch": { type: "number", description: "Stage 3: optimiser updates per rollout batch (mu)", default: 1, integer: true, min: 1 },
    "rows-per-pass": { type: "number", description: "Stage 3: trajectories per forward/backward pass (0 = all; real vocabularies need a few)", default: 0, integer: true, min: 0 },
    reference: { type: "string", description: "Stage 3: frozen reference policy for the KL (default: --model)", arg: "DIR" },
    pool: { type: "string", description: "Stage 3: candidate pool JSONL {id,text}; positives/negatives are then its ids", arg: "FILE" },
    "reward-pool": { type: "string", description: "Stage 3: candidates of the nDCG reward: mined (top-N of --pool per query + gold; default with --pool), full (all of --pool), batch (the step's documents; default without --pool)", arg: "KIND" },
    "pool-miner": { type: "string", description: "Stage 3: what mines the reward pool: bm25 or model (the current policy, re-mined every --pool-refresh-every steps)", default: "bm25", arg: "KIND" },
    "mined-pool-size": { type: "number", description: "Stage 3: documents mined per query (gold added)", default: 32, integer: true, min: 1 },
    "pool-refresh-every": { type: "number", description: "Stage 3: steps between re-mining with the model (0 = once)", default: 50, integer: true, min: 0 },
    "advantage-scale": { type: "string", description: "Stage 3: std (GRPO: (r - mean) / std) or none (Dr. GRPO: r - mean)", default: "std", arg: "KIND" },
    "advantage-std-floor": { type: "number", description: "Stage 3: floor on the group std of --advantage-scale std", default: 0, min: 0 },
    "checkpoint-every": { type: "number", description: "Steps between checkpoints", default: 100, integer: true, min: 1 },
    seed: { type: "number", description: "Seed of the data order, negatives and sampling", default: 0, integer: true },
    freeze: { type: "string", description: "Comma-separated parameter names or prefixes ending in * to freeze", arg: "LIST" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 train t1: unexpected argument "${positionals[0]}"`);
    const stage = values.stage;
    const modelDir = values.model, dataFile = values.data, outDir = values.out;
    if (values["enable-thinking"] && values["no-thinking"]) throw new InputError("--enable-thinking and --no-thinking exclude each other");
    if (values["learn-stop"] && values["no-learn-stop"]) throw new InputError("--learn-stop and --no-learn-stop exclude each other");
    const formats = t1Formats(loadTokenizer(modelDir), {
      instruction: values.instruction ?? "",
      enableThinking: values["enable-thinking"] ? true : values["no-thinking"] ? false : undefined,
      maxDocLength: values["max-doc-length"],
      maxReasoningLength: values["max-reasoning-length"],
    });
    const freeze = values.freeze?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
    const quiet = values.quiet;
    const common = {
      outDir, totalSteps: values.steps, warmupSteps: values.warmup, adamw: { weightDecay: values["weight-decay"] },
      clipNorm: values["clip-norm"], checkpointEvery: values["checkpoint-every"], seed: values.seed, tokenizerDir: modelDir, quiet,
    };
    const k = getKernels();
    try {
      const config = readTrainModelConfig(join(modelDir, "config.json"));
      const model = await TrainModel.load(k, config, modelDir, { freeze });
      if (stage === 1 || stage === 2) {
        const rows = readContrastiveRows(dataFile, stage === 2);
        if (!quiet) console.error(`t1 train t1 --stage ${stage}: ${(model.parameterCount / 1e6).toFixed(2)}M parameters, ${rows.length} rows, kernels ${k.name} × ${k.threads}`);
        const data = contrastiveData(rows, formats, stage === 2, { temperature: values.tau, negativesPerQuery: values.negatives, lambda: values.lambda, learnStop: !values["no-learn-stop"] });
        const r = await train(model, data, { ...common, microBatchSize: values["batch-size"], gradAccumSteps: values["grad-accum"], lr: values.lr ?? 1e-5 });
        const last = r.logs[r.logs.length - 1];
        if (!quiet) console.error(`t1 train t1 --stage ${stage}: step ${last?.step} loss ${last?.loss.toFixed(4)} → ${r.checkpoint}${r.resumedFrom ? ` (resumed from step ${r.resumedFrom})` : ""}`);
        return;
      }
      const poolFile = values.pool;
      const pool = poolFile ? readCandidatePool(poolFile) : undefined;
      const { rows, positiveIds } = readGrpoRows(dataFile, pool);
      const refDir = values.reference ?? modelDir;
      const beta = values["kl-beta"];
      const reference = beta > 0 ? await TrainModel.load(k, readTrainModelConfig(join(refDir, "config.json")), refDir, { freeze: ["*"] }) : null;
      if (!quiet) console.error(`t1 train t1 --stage 3: ${(model.parameterCount / 1e6).toFixed(2)}M parameters, ${rows.length} queries, G=${values["group-size"]}, reference ${reference ? refDir : "none"}, kernels ${k.name} × ${k.threads}`);
      const r = await trainGrpo(model, reference, { rows, formats, pool, positiveIds }, {
        ...common, lr: values.lr ?? 1e-6, queriesPerStep: values["batch-size"], groupSize: values["group-size"],
        samplingTemperature: values["sampling-temperature"], maxReasoningTokens: values["max-reasoning-tokens"], clipEps: values["clip-eps"],
        klBeta: beta, alpha: values.alpha, lengthPenalty: values["length-penalty"], infoNceWeight: values["nce-weight"],
        infoNceTau: values.tau, negativesPerQuery: values.negatives, updatesPerBatch: values["updates-per-batch"], rowsPerPass: values["rows-per-pass"],
        rewardPool: values["reward-pool"] as RewardPoolKind | undefined, poolMiner: values["pool-miner"] as PoolMiner, minedPoolSize: values["mined-pool-size"],
        poolRefreshEvery: values["pool-refresh-every"], advantageScale: values["advantage-scale"] as "std" | "none", advantageStdFloor: values["advantage-std-floor"],
      });
      const last = r.logs[r.logs.length - 1];
      if (!quiet) console.error(`t1 train t1 --stage 3: step ${last?.step} reward ${last?.rewardMean.toFixed(4)} nDCG@10 ${last?.ndcg10.toFixed(4)} (${last?.candidates.toFixed(0)} candidates, zero-variance groups ${last?.zeroVarianceGroups.toFixed(2)}, saturated ${last?.saturatedGroups.toFixed(2)}) → ${r.checkpoint}${r.resumedFrom ? ` (resumed from step ${r.resumedFrom})` : ""}`);
    } finally {
      k.dispose();
    }
  },
});
