import { readFileSync } from "node:fs";
import { InputError, T1Error } from "../util/errors.js";
import { parseHfConfig } from "../engine/config.js";

/**
 * The decoder shape the training model needs, read from a Hugging Face config.json.
 * Qwen3 = Llama + per-head RMSNorm on q and k (q_norm / k_norm); Qwen2 = Llama + q/k/v biases.
 */
export interface TrainModelConfig {
  arch: "qwen3" | "llama" | "qwen2";
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositions: number;
  tieWordEmbeddings: boolean;
  /** q_norm / k_norm per head (Qwen3). */
  qkNorm: boolean;
  /** Biases on q/k/v projections (Qwen2). */
  qkvBias: boolean;
}

/**
 * Parses config.json text with the engine's parser (so training accepts exactly the configs the
 * engine loads) and refuses what only inference supports (an o_proj bias).
 */
export function parseTrainModelConfig(text: string, file = "config.json"): TrainModelConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`config is not valid JSON: ${(e as Error).message}`, { file });
  }
  const m = parseHfConfig(raw, file);
  if (m.oBias) throw new T1Error("UNSUPPORTED", `${file}: attention_bias on o_proj (llama) is not supported by the training model`);
  return {
    arch: m.arch,
    vocabSize: m.vocabSize,
    hiddenSize: m.hiddenSize,
    intermediateSize: m.intermediateSize,
    numLayers: m.layers,
    numHeads: m.heads,
    numKvHeads: m.kvHeads,
    headDim: m.headDim,
    rmsNormEps: m.rmsNormEps,
    ropeTheta: m.ropeTheta,
    maxPositions: m.maxPositions,
    tieWordEmbeddings: m.tieEmbeddings,
    qkNorm: m.qkNorm,
    qkvBias: m.qkvBias,
  };
}

export function readTrainModelConfig(path: string): TrainModelConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new T1Error("NOT_FOUND", `cannot read model config ${path}: ${(e as Error).message}`);
  }
  return parseTrainModelConfig(text, path);
}

/** The config.json a checkpoint writes: what transformers needs to load the weights. */
export function toHfConfig(c: TrainModelConfig): Record<string, unknown> {
  const names = { qwen3: "Qwen3ForCausalLM", llama: "LlamaForCausalLM", qwen2: "Qwen2ForCausalLM" } as const;
  return {
    architectures: [names[c.arch]],
    model_type: c.arch,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    max_position_embeddings: c.maxPositions,
    tie_word_embeddings: c.tieWordEmbeddings,
    attention_bias: c.qkvBias && c.arch !== "qwen2",
    hidden_act: "silu",
    torch_dtype: "float32",
  };
}

/** Parameter names and shapes in Hugging Face order (embedding, layers, final norm, lm_head). */
export function parameterShapes(c: TrainModelConfig): [string, number[]][] {
  const C = c.hiddenSize, D = c.headDim, F = c.intermediateSize;
  const out: [string, number[]][] = [["model.embed_tokens.weight", [c.vocabSize, C]]];
  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}.`;
    out.push([p + "input_layernorm.weight", [C]]);
    out.push([p + "self_attn.q_proj.weight", [c.numHeads * D, C]]);
    out.push([p + "self_attn.k_proj.weight", [c.numKvHeads * D, C]]);
    out.push([p + "self_attn.v_proj.weight", [c.numKvHeads * D, C]]);
    if (c.qkvBias) {
      out.push([p + "self_attn.q_proj.bias", [c.numHeads * D]]);
      out.push([p + "self_attn.k_proj.bias", [c.numKvHeads * D]]);
      out.push([p + "self_attn.v_proj.bias", [c.numKvHeads * D]]);
    }
    if (c.qkNorm) {
      out.push([p + "self_attn.q_norm.weight", [D]]);
      out.push([p + "self_attn.k_norm.weight", [D]]);
    }
    out.push([p + "self_attn.o_proj.weight", [C, c.numHeads * D]]);
    out.push([p + "post_attention_layernorm.weight", [C]]);
    out.push([p + "mlp.gate_proj.weight", [F, C]]);
    out.push([p + "mlp.up_proj.weight", [F, C]]);
    out.push([p + "mlp.down_proj.weight", [C, F]]);
  }
  out.push(["model.norm.weight", [C]]);
  if (!c.tieWordEmbeddings) out.push(["lm_head.weight", [c.vocabSize, C]]);
  return out;
}
