/**
 * The model hyper-parameters the engine needs, parsed from a Hugging Face config.json (qwen3,
 * qwen2, llama). Anything we do not implement is refused with a clear error instead of being
 * silently ignored.
 */
import { InputError, T1Error } from "../util/errors.js";
import type { RopeFrequencyScaling } from "./ops/rope.js";

export type Architecture = "qwen3" | "qwen2" | "llama";

export interface ModelConfig {
  arch: Architecture;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** Per-head size: Qwen3 sets head_dim apart from hiddenSize / heads (0.6B: 128, not 1024 / 16 = 64). */
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** RoPE frequency scaling from config.rope_scaling (transformers' "linear" and "llama3"). */
  ropeScaling?: RopeScaling;
  /** lm_head shares model.embed_tokens.weight. */
  tieEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2, or llama with attention_bias). */
  qkvBias: boolean;
  /** o_proj carries a bias (llama with attention_bias). */
  oBias: boolean;
  /** Per-head RMSNorm on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  maxPositions: number;
  bosTokenId: number | null;
  eosTokenIds: number[];
  /** The config.json object this was parsed from, so a saved checkpoint writes back every field
   * (transformers_version, rope_scaling, token ids, …), not only the ones the engine reads. */
  raw?: Readonly<Record<string, unknown>>;
}

const SUPPORTED = ["qwen3", "qwen2", "llama"];

export type RopeScaling = RopeFrequencyScaling;

function parseRopeScaling(raw: unknown, file: string): RopeScaling | undefined {
  if (raw === undefined || raw === null) return undefined;
  const rs = raw as Record<string, unknown>;
  const kind = rs.rope_type ?? rs.type;
  if (kind === "default") return undefined;
  const num = (k: string): number => {
    const v = rs[k];
    if (typeof v !== "number" || !(v > 0)) throw new InputError(`rope_scaling.${k} must be a positive number, got ${JSON.stringify(v)}`, { file, field: `rope_scaling.${k}` });
    return v;
  };
  if (kind === "linear") return { type: "linear", factor: num("factor") };
  if (kind === "llama3") {
    return {
      type: "llama3",
      factor: num("factor"),
      lowFreqFactor: num("low_freq_factor"),
      highFreqFactor: num("high_freq_factor"),
      originalMaxPositions: num("original_max_position_embeddings"),
    };
  }
  throw new T1Error("UNSUPPORTED", `${file}: rope_scaling ${JSON.stringify(rs)} is not supported (supported: default, linear, llama3)`);
}

/** Parses config.json content; `file` names the source in errors. */
export function parseHfConfig(raw: unknown, file = "config.json"): ModelConfig {
  if (!raw || typeof raw !== "object") throw new InputError("config must be a JSON object", { file });
  const c = raw as Record<string, unknown>;
  const type = c.model_type;
  if (typeof type !== "string") throw new InputError("missing model_type", { file, field: "model_type" });
  if (!SUPPORTED.includes(type)) {
    throw new T1Error("UNSUPPORTED", `${file}: model_type "${type}" is not supported; supported: ${SUPPORTED.join(", ")}`);
  }
  const arch = type as Architecture;
  const int = (field: string, def?: number): number => {
    const v = c[field] ?? def;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      throw new InputError(`expected a positive integer, got ${JSON.stringify(c[field])}`, { file, field });
    }
    return v;
  };
  const pos = (field: string, def: number): number => {
    const v = c[field] ?? def;
    if (typeof v !== "number" || !(v > 0)) throw new InputError(`expected a positive number, got ${JSON.stringify(c[field])}`, { file, field });
    return v;
  };
  const hiddenSize = int("hidden_size");
  const heads = int("num_attention_heads");
  const kvHeads = int("num_key_value_heads", heads);
  if (heads % kvHeads !== 0) {
    throw new InputError(`num_attention_heads (${heads}) must be a multiple of num_key_value_heads (${kvHeads})`, { file, field: "num_key_value_heads" });
  }
  const headDim = c.head_dim === undefined || c.head_dim === null ? hiddenSize / heads : int("head_dim");
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new InputError(`head dimension must be an even integer, got ${headDim}`, { file, field: "head_dim" });
  }
  const act = c.hidden_act ?? c.hidden_activation ?? "silu";
  if (act !== "silu") throw new T1Error("UNSUPPORTED", `${file}: hidden_act "${String(act)}" is not supported (only silu)`);
  const ropeScaling = parseRopeScaling(c.rope_scaling, file);
  if (c.use_sliding_window === true) throw new T1Error("UNSUPPORTED", `${file}: use_sliding_window=true is not supported`);
  if (c.mlp_bias === true) throw new T1Error("UNSUPPORTED", `${file}: mlp_bias=true is not supported`);
  const attnBias = c.attention_bias === true;
  const eosRaw = c.eos_token_id;
  const eosTokenIds = eosRaw === undefined || eosRaw === null ? [] : Array.isArray(eosRaw) ? (eosRaw as number[]) : [eosRaw as number];
  return {
    arch,
    hiddenSize,
    layers: int("num_hidden_layers"),
    heads,
    kvHeads,
    headDim,
    intermediateSize: int("intermediate_size"),
    vocabSize: int("vocab_size"),
    rmsNormEps: pos("rms_norm_eps", 1e-6),
    ropeTheta: pos("rope_theta", 10000),
    ropeScaling,
    // Transformers' LlamaConfig/Qwen2Config/Qwen3Config all default to untied.
    tieEmbeddings: c.tie_word_embeddings === true,
    // Qwen2 always has q/k/v biases and never an o bias; elsewhere attention_bias covers all four.
    qkvBias: arch === "qwen2" || attnBias,
    oBias: arch !== "qwen2" && attnBias,
    qkNorm: arch === "qwen3",
    maxPositions: int("max_position_embeddings", 32768),
    bosTokenId: typeof c.bos_token_id === "number" ? c.bos_token_id : null,
    eosTokenIds,
    raw: c,
  };
}

const ARCHITECTURES = { qwen3: "Qwen3ForCausalLM", llama: "LlamaForCausalLM", qwen2: "Qwen2ForCausalLM" } as const;

/** The config.json fields a ModelConfig determines, in transformers' names. */
function hfFields(c: ModelConfig): Record<string, unknown> {
  const rs = c.ropeScaling;
  return {
    architectures: [ARCHITECTURES[c.arch]],
    model_type: c.arch,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    head_dim: c.headDim,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    ...(rs
      ? { rope_scaling: rs.type === "linear" ? { rope_type: "linear", factor: rs.factor } : { rope_type: "llama3", factor: rs.factor, low_freq_factor: rs.lowFreqFactor, high_freq_factor: rs.highFreqFactor, original_max_position_embeddings: rs.originalMaxPositions } }
      : {}),
    max_position_embeddings: c.maxPositions,
    tie_word_embeddings: c.tieEmbeddings,
    attention_bias: c.arch === "qwen2" ? false : c.qkvBias || c.oBias,
    hidden_act: "silu",
    ...(c.bosTokenId !== null ? { bos_token_id: c.bosTokenId } : {}),
    ...(c.eosTokenIds.length ? { eos_token_id: c.eosTokenIds.length === 1 ? c.eosTokenIds[0] : c.eosTokenIds } : {}),
  };
}

/**
 * The config.json of a model (the inverse of parseHfConfig): every field of the file it was parsed
 * from, with the fields the config determines written from it, and torch_dtype float32 (what
 * checkpoints store). A config parsed and left unchanged writes its file's own spelling back.
 */
export function toHfConfig(c: ModelConfig): Record<string, unknown> {
  const { raw, ...rest } = c;
  if (raw) {
    let unchanged = false;
    try {
      const { raw: _r, ...again } = parseHfConfig(raw);
      unchanged = JSON.stringify(again) === JSON.stringify(rest);
    } catch {
      unchanged = false;
    }
    if (unchanged) return { ...hfFields(c), ...raw, torch_dtype: "float32" };
  }
  return { ...raw, ...hfFields(c), torch_dtype: "float32" };
}
