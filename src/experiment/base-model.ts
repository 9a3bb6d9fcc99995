/**
 * The experiment's stand-in for a pretrained LLM, made from nothing: a byte-level BPE tokenizer
 * learned on the testbed's text (ChatML tokens + `<emb_token>`, exports to GGUF as gpt2/qwen2), and a
 * tiny Qwen3-shaped decoder pretrained with next-token cross-entropy on the world's facts and the
 * corpus.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { uniformStream } from "../util/mulberry32.js";
import { buildQwenStyleTokenizer } from "../engine/tokenizer/tiny-tokenizer.js";
import type { Kernels } from "../engine/kernels/types.js";
import { TrainModel, train, causalLmData, type ModelConfig } from "../train/index.js";
import { loadTokenizer } from "../train/stages/index.js";
import type { ExperimentConfig, ModelShape } from "./config.js";

export interface TokenizerInfo {
  vocabSize: number;
  ids: Record<string, number>;
}

/** Learns the tokenizer on `texts` and writes tokenizer.json, tokenizer_config.json and generation_config.json into `dir`. */
export function writeTestbedTokenizer(texts: readonly string[], vocabSize: number, dir: string): TokenizerInfo {
  const tok = buildQwenStyleTokenizer(texts.join("\n"), vocabSize, { allowSmaller: true });
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, "tokenizer.json"), JSON.stringify(tok.tokenizerJson));
  writeFileAtomic(join(dir, "tokenizer_config.json"), JSON.stringify(tok.tokenizerConfig, null, 2));
  const eos = [tok.ids["<|im_end|>"]!, tok.ids["<|endoftext|>"]!];
  writeFileAtomic(join(dir, "generation_config.json"), JSON.stringify({ bos_token_id: null, eos_token_id: eos, do_sample: false }, null, 2) + "\n");
  return { vocabSize: tok.vocabSize, ids: tok.ids };
}

/** The base model's config: a Qwen3-shaped decoder of `shape` over the learned tokenizer's vocabulary. */
export function modelConfig(shape: ModelShape, vocabSize: number): ModelConfig {
  return {
    arch: "qwen3",
    vocabSize,
    hiddenSize: shape.hiddenSize,
    intermediateSize: shape.intermediateSize,
    layers: shape.layers,
    heads: shape.heads,
    kvHeads: shape.kvHeads,
    headDim: shape.headDim,
    rmsNormEps: 1e-6,
    ropeTheta: 10000,
    maxPositions: 2048,
    tieEmbeddings: shape.tieEmbeddings,
    qkNorm: true,
    qkvBias: false,
    oBias: false,
    bosTokenId: null,
    eosTokenIds: [],
  };
}

/**
 * Packs sentences (in a seeded order) into sequences of about `packTokens` tokens, separated by a
 * newline, so short facts do not waste a whole padded row each.
 */
export function packSentences(ids: readonly number[][], sep: readonly number[], packTokens: number, seed: number): Int32Array[] {
  const order = ids.map((_, i) => i);
  const u = uniformStream(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out: Int32Array[] = [];
  let cur: number[] = [];
  for (const i of order) {
    const s = ids[i]!.slice(0, packTokens);
    if (cur.length && cur.length + sep.length + s.length > packTokens) {
      out.push(Int32Array.from(cur));
      cur = [];
    }
    if (cur.length) cur.push(...sep);
    cur.push(...s);
  }
  if (cur.length >= 2) out.push(Int32Array.from(cur));
  return out;
}

export interface PretrainResult {
  checkpoint: string;
  parameters: number;
  sequences: number;
  firstLoss: number;
  lastLoss: number;
}

/** Pretrains a fresh model on `texts`; `outDir` is a resumable run directory (checkpoints/, log.jsonl). */
export async function pretrainBase(k: Kernels, cfg: ExperimentConfig, tokenizerDir: string, texts: readonly string[], outDir: string, seed: number, quiet: boolean): Promise<PretrainResult> {
  const tok = loadTokenizer(tokenizerDir);
  const sentences = texts.map((t) => tok.encode(t, { addSpecialTokens: false })).filter((s) => s.length > 0);
  const sep = tok.encode("\n", { addSpecialTokens: false });
  const sequences = packSentences(sentences, sep, cfg.pretrain.packTokens, seed);
  const model = TrainModel.init(k, modelConfig(cfg.model, tok.size), seed);
  const r = await train(model, causalLmData(sequences, { maxLength: cfg.pretrain.packTokens + 8 }), {
    outDir, totalSteps: cfg.pretrain.steps, microBatchSize: cfg.pretrain.batchSize, lr: cfg.pretrain.lr, warmupSteps: cfg.pretrain.warmupSteps,
    checkpointEvery: cfg.checkpointEvery, seed, tokenizerDir, quiet,
  }).finally(() => model.dispose());
  return { checkpoint: r.checkpoint, parameters: model.parameterCount, sequences: sequences.length, firstLoss: r.logs[0]?.loss ?? NaN, lastLoss: r.logs[r.logs.length - 1]?.loss ?? NaN };
}
