import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defineCommand } from "../command.js";
import { readDocuments } from "../../data/jsonl.js";
import { TextTokenizer } from "../../engine/tokenizer/tokenizer.js";
import { getKernels } from "../../engine/kernels/index.js";
import { readTrainModelConfig } from "../../train/model-config.js";
import { TrainModel } from "../../train/train-model.js";
import { train } from "../../train/trainer.js";
import { causalLmData } from "../../train/lm-data.js";
import { InputError, T1Error } from "../../util/errors.js";

export default defineCommand({
  name: "train lm",
  summary: "Fine-tune a model on texts with next-token cross-entropy (resumable)",
  usage: "--model DIR --data TEXTS.jsonl --out RUN_DIR [options]",
  details: `
Full-parameter training of a Hugging Face qwen3 / qwen2 / llama directory (f32/f16/bf16 safetensors)
on JSONL records {id, text, title?}. RUN_DIR gets checkpoints/step-N/ (Hugging Face layout plus
optimizer state), log.jsonl (one line per step) and curves.html. Re-running the same command after
an interruption resumes from the newest checkpoint with the same losses.`,
  options: {
    model: { type: "string", description: "Model directory (config.json, model.safetensors, tokenizer.json)", required: true, arg: "DIR" },
    data: { type: "string", description: "Training texts, JSONL {id,text,title?} (.gz allowed)", required: true, arg: "FILE" },
    out: { type: "string", description: "Run directory", required: true, arg: "DIR" },
    steps: { type: "number", integer: true, min: 1, description: "Optimiser steps", default: 100 },
    "batch-size": { type: "number", integer: true, min: 1, description: "Sequences per micro-batch", default: 8 },
    "grad-accum": { type: "number", integer: true, min: 1, description: "Micro-batches per optimiser step", default: 1 },
    lr: { type: "number", min: 0, exclusiveMin: true, description: "Peak learning rate", default: 1e-4 },
    warmup: { type: "number", integer: true, min: 0, description: "Linear warm-up steps", default: 0 },
    "weight-decay": { type: "number", min: 0, description: "AdamW decoupled weight decay (matrices only)", default: 0.1 },
    "clip-norm": { type: "number", min: 0, description: "Global gradient-norm clip (0 = off)", default: 1.0 },
    "max-length": { type: "number", integer: true, min: 2, description: "Tokens per training sequence (longer texts are cut)", default: 512 },
    "checkpoint-every": { type: "number", integer: true, min: 1, description: "Steps between checkpoints", default: 100 },
    seed: { type: "number", integer: true, description: "Seed of the data order", default: 0 },
    freeze: { type: "string", description: "Comma-separated parameter names or prefixes ending in * to freeze", arg: "LIST" },
    "recompute-swiglu": { type: "boolean", description: "Recompute the MLP gate in backward: less activation memory, a little slower" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 train lm: unexpected argument "${positionals[0]}"`);
    const modelDir = values.model;
    const tokFile = join(modelDir, "tokenizer.json");
    if (!existsSync(tokFile)) throw new T1Error("NOT_FOUND", `${modelDir} has no tokenizer.json`);
    const tokCfgFile = join(modelDir, "tokenizer_config.json");
    const tokenizer = new TextTokenizer(
      JSON.parse(readFileSync(tokFile, "utf8")),
      existsSync(tokCfgFile) ? JSON.parse(readFileSync(tokCfgFile, "utf8")) : {},
      tokFile,
    );
    const docs = readDocuments(values.data);
    const sequences = docs.map((d) => Int32Array.from(tokenizer.encode(d.text))).filter((s) => s.length >= 2);
    if (!sequences.length) throw new InputError("no text in the data file has 2 or more tokens", { file: values.data });
    const freeze = values.freeze?.split(",").map((s) => s.trim()).filter(Boolean) ?? [];
    const k = getKernels();
    try {
      const model = await TrainModel.load(k, readTrainModelConfig(join(modelDir, "config.json")), modelDir, { freeze, recomputeSwiglu: values["recompute-swiglu"] });
      const quiet = values.quiet;
      if (!quiet) console.error(`t1 train lm: ${(model.parameterCount / 1e6).toFixed(2)}M parameters, ${sequences.length} sequences, kernels ${k.name} × ${k.threads}`);
      const r = await train(model, causalLmData(sequences, { maxLength: values["max-length"] }), {
        outDir: values.out,
        totalSteps: values.steps,
        microBatchSize: values["batch-size"],
        gradAccumSteps: values["grad-accum"],
        lr: values.lr,
        warmupSteps: values.warmup,
        adamw: { weightDecay: values["weight-decay"] },
        clipNorm: values["clip-norm"],
        checkpointEvery: values["checkpoint-every"],
        seed: values.seed,
        tokenizerDir: modelDir,
        quiet,
      });
      const last = r.logs[r.logs.length - 1];
      if (!quiet) console.error(`t1 train lm: step ${last?.step} loss ${last?.loss.toFixed(4)} → ${r.checkpoint}${r.resumedFrom ? ` (resumed from step ${r.resumedFrom})` : ""}`);
    } finally {
      k.dispose();
    }
  },
});
