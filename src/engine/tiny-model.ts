/**
 * Writes tiny RANDOM models in Hugging Face layout (config.json, model.safetensors, tokenizer.json,
 * tokenizer_config.json, generation_config.json) for tests of the engine, GGUF conversion,
 * training and retrieval. Weights are seeded, so the same options give the same bytes.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { T1Error } from "../util/errors.js";
import { copyFileWithNormalMode, writeFileAtomic } from "../util/atomic.js";
import { sharedPath } from "../util/paths.js";
import type { ModelConfig } from "./config.js";
import { SeededRng } from "./rng.js";
import { writeSafetensors, type TensorMap } from "./safetensors.js";
import { buildTinyQwenTokenizer } from "./tokenizer/tiny-tokenizer.js";

/** The model's shape, as the engine's ModelConfig names it (one list of fields, not a copy). */
export type TinyModelShape = Pick<ModelConfig, "hiddenSize" | "layers" | "heads" | "kvHeads" | "headDim" | "intermediateSize">;

export interface TinyModelOptions extends TinyModelShape {
  arch: "qwen3" | "qwen2" | "llama";
  /** Seed of the weight init. */
  seed: number;
  /** Vocabulary size. Default 512. Qwen: BPE tokens + 6 added tokens, exactly this many (>= 300).
   * Llama: must be 512, the size of the stories260k tokenizer that is copied. */
  vocab?: number;
  /** Share the input embedding with the output head. Default true (smaller files); false adds lm_head.weight. */
  tieEmbeddings?: boolean;
  /** Write tokenizer files. Default true; for llama this needs ../shared/models/stories260k.
   * false writes only config + weights (enough for id-level tests). */
  withTokenizer?: boolean;
  /** Copy tokenizer.json + tokenizer_config.json from this folder (e.g. ../shared/models/qwen3-tokenizer,
   * the real Qwen3 tokenizer) instead of building the tiny BPE. Default: unset. qwen2/qwen3 only.
   * `vocab` then defaults to the tokenizer's size (highest id + 1); a larger `vocab` pads the
   * embedding as Qwen3's checkpoints do (151,936 rows for 151,669 tokens), with ZERO rows past the
   * tokenizer: a padded row then has logit 0 and never wins greedy decoding over the real tokens. */
  tokenizerDir?: string;
  /** Std of the random normal init of linear weights, relative to 1/sqrt(fan_in). Default 1:
   * large enough that logits differ visibly between tokens (a tiny-std model is ~uniform and
   * makes parity tests weak). */
  initScale?: number;
}

export interface TinyModelInfo {
  dir: string;
  vocabSize: number;
  /** Special token ids (qwen: `<|endoftext|>`, `<|im_start|>`, `<|im_end|>`, `<think>`, `</think>`,
   * `<emb_token>`; llama: `<s>`, `</s>`). */
  specialIds: Record<string, number>;
}

/** Creates the model directory `dir` (made if missing) and returns its vocabulary facts. */
export function createTinyModel(dir: string, opts: TinyModelOptions): TinyModelInfo {
  const { arch, hiddenSize: C, layers, heads, kvHeads, headDim: D, intermediateSize: I } = opts;
  for (const [k, v] of Object.entries({ hiddenSize: C, layers, heads, kvHeads, headDim: D, intermediateSize: I })) {
    if (!Number.isInteger(v) || v <= 0) throw new T1Error("BAD_INPUT", `createTinyModel: ${k} must be a positive integer, got ${v}`);
  }
  if (heads % kvHeads !== 0) throw new T1Error("BAD_INPUT", `createTinyModel: heads (${heads}) must be a multiple of kvHeads (${kvHeads})`);
  if (D % 2 !== 0) throw new T1Error("BAD_INPUT", `createTinyModel: headDim must be even for RoPE, got ${D}`);
  const withTokenizer = opts.withTokenizer ?? true;
  const tie = opts.tieEmbeddings ?? true;
  let V = opts.vocab ?? 512;
  mkdirSync(dir, { recursive: true });

  let specialIds: Record<string, number>;
  let tokenRows: number | undefined;
  let bos: number | null, eos: number | number[];
  if (arch === "llama") {
    specialIds = { "<unk>": 0, "<s>": 1, "</s>": 2 };
    bos = 1;
    eos = 2;
    if (withTokenizer) {
      const src = sharedPath("models", "stories260k");
      if (!src) throw new T1Error("NOT_FOUND", "createTinyModel(llama) copies the tokenizer of ../shared/models/stories260k, which is absent; pass withTokenizer: false");
      if (V !== 512) throw new T1Error("BAD_INPUT", `createTinyModel(llama): vocab must be 512 (the stories260k tokenizer), got ${V}`);
      for (const f of ["tokenizer.json", "tokenizer_config.json"]) copyFileWithNormalMode(join(src, f), join(dir, f));
    }
  } else if (opts.tokenizerDir !== undefined) {
    const ext = externalTokenizer(opts.tokenizerDir, opts.vocab);
    specialIds = ext.ids;
    bos = ext.bos;
    eos = ext.eos;
    tokenRows = ext.tokens;
    V = ext.vocab;
    if (withTokenizer) for (const f of ["tokenizer.json", "tokenizer_config.json"]) copyFileWithNormalMode(join(opts.tokenizerDir, f), join(dir, f));
  } else {
    if (V < 300) throw new T1Error("BAD_INPUT", `createTinyModel(${arch}): vocab must be >= 300 (256 bytes + merges + 6 special tokens), got ${V}`);
    const tok = buildTinyQwenTokenizer(V);
    specialIds = tok.ids;
    bos = null;
    eos = [tok.ids["<|im_end|>"]!, tok.ids["<|endoftext|>"]!];
    if (withTokenizer) {
      writeFileAtomic(join(dir, "tokenizer.json"), JSON.stringify(tok.tokenizerJson, null, 1));
      writeFileAtomic(join(dir, "tokenizer_config.json"), JSON.stringify(tok.tokenizerConfig, null, 2));
    }
    V = tok.vocabSize;
  }

  const config: Record<string, unknown> = {
    architectures: [arch === "qwen3" ? "Qwen3ForCausalLM" : arch === "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"],
    model_type: arch,
    hidden_size: C,
    intermediate_size: I,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    head_dim: D,
    vocab_size: V,
    max_position_embeddings: 4096,
    rms_norm_eps: arch === "llama" ? 1e-5 : 1e-6,
    rope_theta: arch === "llama" ? 10000 : 1000000,
    tie_word_embeddings: tie,
    hidden_act: "silu",
    attention_bias: arch === "qwen2",
    bos_token_id: bos,
    eos_token_id: Array.isArray(eos) ? eos[1] : eos,
    torch_dtype: "float32",
  };
  if (arch !== "llama") Object.assign(config, { use_sliding_window: false, sliding_window: null, rope_scaling: null });
  writeFileAtomic(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  writeFileAtomic(
    join(dir, "generation_config.json"),
    JSON.stringify({ bos_token_id: bos, eos_token_id: eos, do_sample: false }, null, 2) + "\n",
  );
  writeSafetensors(join(dir, "model.safetensors"), randomWeights(opts, V, tie, tokenRows ?? V), { format: "pt" });
  if (!existsSync(join(dir, "model.safetensors"))) throw new T1Error("INTERNAL", "model.safetensors was not written");
  return { dir, vocabSize: V, specialIds };
}

/** Vocabulary facts of a real tokenizer folder, and the config ids Qwen3's config.json uses. */
function externalTokenizer(src: string, vocab: number | undefined): { ids: Record<string, number>; bos: number | null; eos: number[]; tokens: number; vocab: number } {
  const path = join(src, "tokenizer.json");
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `createTinyModel: ${path} is missing`);
  const tok = JSON.parse(readFileSync(path, "utf8")) as { model: { vocab: Record<string, number> }; added_tokens?: { id: number; content: string }[] };
  const ids: Record<string, number> = {};
  let maxId = -1;
  for (const id of Object.values(tok.model.vocab)) if (id > maxId) maxId = id;
  for (const a of tok.added_tokens ?? []) {
    ids[a.content] = a.id;
    if (a.id > maxId) maxId = a.id;
  }
  const tokens = maxId + 1;
  const V = vocab ?? tokens;
  if (V < tokens) throw new T1Error("BAD_INPUT", `createTinyModel: vocab ${V} is smaller than the tokenizer in ${src} (${tokens} tokens)`);
  const eos = ["<|im_end|>", "<|endoftext|>"].map((t) => ids[t]).filter((id): id is number => id !== undefined);
  if (eos.length === 0) throw new T1Error("BAD_INPUT", `createTinyModel: ${path} has neither <|im_end|> nor <|endoftext|>`);
  return { ids, bos: ids["<|endoftext|>"] ?? null, eos, tokens, vocab: V };
}

function randomWeights(opts: TinyModelOptions, V: number, tie: boolean, tokenRows: number): TensorMap {
  const { arch, hiddenSize: C, layers, heads: H, kvHeads: KV, headDim: D, intermediateSize: I } = opts;
  const scale = opts.initScale ?? 1;
  const rng = new SeededRng(opts.seed);
  const t: TensorMap = new Map();
  const normal = (shape: number[], std: number, mean = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = mean + std * rng.normal();
    return { shape, data };
  };
  const linear = (out: number, inp: number) => normal([out, inp], scale / Math.sqrt(inp));
  // Norm weights near 1 but not exactly, so a missing or misplaced norm shows in parity tests.
  const norm = (n: number) => normal([n], 0.1, 1);
  const embed = normal([V, C], 1);
  embed.data.fill(0, tokenRows * C);
  t.set("model.embed_tokens.weight", embed);
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}.`;
    t.set(p + "input_layernorm.weight", norm(C));
    t.set(p + "self_attn.q_proj.weight", linear(H * D, C));
    t.set(p + "self_attn.k_proj.weight", linear(KV * D, C));
    t.set(p + "self_attn.v_proj.weight", linear(KV * D, C));
    t.set(p + "self_attn.o_proj.weight", linear(C, H * D));
    if (arch === "qwen2") {
      t.set(p + "self_attn.q_proj.bias", normal([H * D], 0.1));
      t.set(p + "self_attn.k_proj.bias", normal([KV * D], 0.1));
      t.set(p + "self_attn.v_proj.bias", normal([KV * D], 0.1));
    }
    if (arch === "qwen3") {
      t.set(p + "self_attn.q_norm.weight", norm(D));
      t.set(p + "self_attn.k_norm.weight", norm(D));
    }
    t.set(p + "post_attention_layernorm.weight", norm(C));
    t.set(p + "mlp.gate_proj.weight", linear(I, C));
    t.set(p + "mlp.up_proj.weight", linear(I, C));
    t.set(p + "mlp.down_proj.weight", linear(C, I));
  }
  t.set("model.norm.weight", norm(C));
  if (!tie) {
    const head = linear(V, C);
    head.data.fill(0, tokenRows * C);
    t.set("lm_head.weight", head);
  }
  return t;
}
