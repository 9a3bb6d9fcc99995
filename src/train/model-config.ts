import { readFileSync } from "node:fs";
import { InputError, T1Error } from "../util/errors.js";

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

/** Parses config.json text; errors name the file and the field. */
export function parseTrainModelConfig(text: string, file = "config.json"): TrainModelConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`config is not valid JSON: ${(e as Error).message}`, { file });
  }
  const num = (field: string, fallback?: number): number => {
    const v = raw[field] ?? fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new InputError(`expected a number, got ${JSON.stringify(raw[field])}`, { file, field });
    return v;
  };
  const type = String(raw.model_type ?? "");
  if (type !== "qwen3" && type !== "llama" && type !== "qwen2") {
    throw new T1Error("UNSUPPORTED", `${file}: model_type "${type}" is not trainable here (qwen3, qwen2, llama are)`);
  }
  if (raw.rope_scaling) throw new T1Error("UNSUPPORTED", `${file}: rope_scaling is not supported by the training model`);
  const hidden = num("hidden_size");
  const heads = num("num_attention_heads");
  const cfg: TrainModelConfig = {
    arch: type,
    vocabSize: num("vocab_size"),
    hiddenSize: hidden,
    intermediateSize: num("intermediate_size"),
    numLayers: num("num_hidden_layers"),
    numHeads: heads,
    numKvHeads: num("num_key_value_heads", heads),
    headDim: num("head_dim", hidden / heads),
    rmsNormEps: num("rms_norm_eps", 1e-6),
    ropeTheta: num("rope_theta", 10000),
    maxPositions: num("max_position_embeddings", 2048),
    tieWordEmbeddings: raw.tie_word_embeddings === true,
    qkNorm: type === "qwen3",
    qkvBias: type === "qwen2" || raw.attention_bias === true,
  };
  if (cfg.numHeads % cfg.numKvHeads !== 0) throw new InputError(`num_attention_heads ${cfg.numHeads} is not a multiple of num_key_value_heads ${cfg.numKvHeads}`, { file, field: "num_key_value_heads" });
  if (cfg.headDim % 2 !== 0) throw new InputError(`head_dim ${cfg.headDim} must be even for RoPE`, { file, field: "head_dim" });
  return cfg;
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
    attention_bias: c.qkvBias,
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
