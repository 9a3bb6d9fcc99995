/**
 * Loads a llama / qwen2 / qwen3 GGUF file into the engine's Hugging Face view: an HF-style
 * config.json object, HF-named f32 tensors (q/k rows of llama put back in rotate-half order), a
 * rebuilt tokenizer.json and the chat template. Quantised weights are dequantised to f32.
 */
import { InputError, T1Error } from "../../util/errors.js";
import type { TensorMap } from "../safetensors.js";
import { ggufToHfName, permuteRowsGgufToHf } from "./names.js";
import { ggufValue, readGgufHeader, readGgufTensor, requireGgufNumber, type GgufFile } from "./reader.js";
import { tokenizerFromGguf } from "./tokenizer-from-gguf.js";

export interface GgufModel {
  /** A config.json object as Hugging Face writes it for this architecture. */
  config: Record<string, unknown>;
  tensors: TensorMap;
  tokenizerJson: Record<string, unknown>;
  /** tokenizer_config.json fields rebuilt from the GGUF (special tokens, add_bos_token, chat_template). */
  tokenizerConfig: Record<string, unknown>;
  chatTemplate: string | undefined;
}

export interface ReadGgufModelOptions {
  /** Allocates each tensor's f32 storage. Default `new Float32Array(n)`; pass `kernels.alloc` so
   * kernels read weights in place. */
  alloc?: (n: number) => Float32Array;
}

const ARCHS = new Set(["llama", "qwen2", "qwen3"]);

/** The HF config.json of a GGUF model, from its `<arch>.*` metadata. */
export function ggufToHfConfig(file: GgufFile): Record<string, unknown> {
  const arch = ggufValue(file, "general.architecture");
  if (typeof arch !== "string" || !ARCHS.has(arch)) {
    throw new T1Error("UNSUPPORTED", `${file.path}: general.architecture is ${JSON.stringify(arch)}; t1 loads llama, qwen2 and qwen3`);
  }
  const n = (k: string) => requireGgufNumber(file, `${arch}.${k}`);
  const opt = (k: string) => {
    const v = ggufValue(file, `${arch}.${k}`);
    return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : undefined;
  };
  const hidden = n("embedding_length");
  const heads = n("attention.head_count");
  const embd = file.tensors.get("token_embd.weight");
  if (!embd) throw new InputError("missing tensor token_embd.weight", { file: file.path });
  const tokens = ggufValue(file, "tokenizer.ggml.tokens");
  const id = (k: string) => {
    const v = ggufValue(file, `tokenizer.ggml.${k}`);
    return typeof v === "number" ? v : null;
  };
  const attnBias = arch === "qwen2" || file.tensors.has("blk.0.attn_q.bias");
  return {
    architectures: [arch === "qwen3" ? "Qwen3ForCausalLM" : arch === "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
    model_type: arch,
    hidden_size: hidden,
    intermediate_size: n("feed_forward_length"),
    num_hidden_layers: n("block_count"),
    num_attention_heads: heads,
    num_key_value_heads: opt("attention.head_count_kv") ?? heads,
    head_dim: opt("attention.key_length") ?? hidden / heads,
    vocab_size: embd.shape[0] ?? (Array.isArray(tokens) ? tokens.length : 0),
    max_position_embeddings: opt("context_length") ?? 4096,
    rms_norm_eps: opt("attention.layer_norm_rms_epsilon") ?? 1e-6,
    rope_theta: opt("rope.freq_base") ?? 10000,
    tie_word_embeddings: !file.tensors.has("output.weight"),
    hidden_act: "silu",
    attention_bias: arch === "qwen2" ? true : attnBias,
    bos_token_id: id("bos_token_id"),
    eos_token_id: id("eos_token_id"),
    torch_dtype: "float32",
  };
}

/** Reads a GGUF model file completely (all tensors as f32). */
export function readGgufModel(path: string, opts: ReadGgufModelOptions = {}): GgufModel {
  const file = readGgufHeader(path);
  const config = ggufToHfConfig(file);
  if (config.model_type === "llama" && ggufValue(file, "llama.rope.dimension_count") !== undefined &&
      requireGgufNumber(file, "llama.rope.dimension_count") !== config.head_dim) {
    throw new T1Error("UNSUPPORTED", `${path}: partial rotary (rope.dimension_count != head_dim) is not supported`);
  }
  const tensors: TensorMap = new Map();
  for (const [name, info] of file.tensors) {
    const hf = ggufToHfName(name, path);
    let data = readGgufTensor(file, name, opts.alloc);
    if (config.model_type === "llama") {
      const nHeads = /\.attn_q\./.test(name) ? (config.num_attention_heads as number) : /\.attn_k\./.test(name) ? (config.num_key_value_heads as number) : 0;
      if (nHeads) {
        const cols = info.shape.length === 1 ? 1 : info.shape[info.shape.length - 1]!;
        const back = permuteRowsGgufToHf(data, nHeads, cols);
        if (opts.alloc) {
          data.set(back);
        } else data = back;
      }
    }
    tensors.set(hf, { shape: info.shape.slice(), data });
  }
  const { tokenizerJson, tokenizerConfig } = tokenizerFromGguf(file);
  const chatTemplate = typeof tokenizerConfig.chat_template === "string" ? tokenizerConfig.chat_template : undefined;
  return { config, tensors, tokenizerJson, tokenizerConfig, chatTemplate };
}
