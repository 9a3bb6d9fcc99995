/**
 * Hugging Face model directory (config.json, safetensors, tokenizer files) → GGUF that llama.cpp
 * loads: llama.cpp tensor names, architecture metadata, tokenizer and chat template.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { InputError, T1Error } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import { parseHfConfig, type ModelConfig } from "../config.js";
import { readSafetensors, readSafetensorsHeader, safetensorsFiles } from "../safetensors.js";
import { GGML_TYPE_NAMES, GgmlType } from "./constants.js";
import { hfToGgufName, permuteRowsHfToGguf } from "./names.js";
import { tokenizerToGguf, type TokenizerConfig, type TokenizerJson } from "./tokenizer-to-gguf.js";
import { gguf, GgufWriter } from "./writer.js";

export interface ConvertToGgufOptions {
  /** Element type of 2-D weights. Default F16 (half the size of F32; ~1e-3 relative rounding).
   * F32 is exact; Q8_0 is ~4× smaller than F32 with ~0.4% relative error per block. 1-D tensors
   * (norms, biases) always stay F32, as llama.cpp's converter does. */
  type?: GgmlType;
  /** Log progress to stderr. Default false (library use). */
  progress?: boolean;
  /** Called with a note when a tensor cannot take the requested type (rows not a multiple of 32). */
  onWarning?: (message: string) => void;
}

/** llama.cpp's `general.file_type` (llama_ftype) for a whole-model type. */
const FILE_TYPE: Record<GgmlType, number> = {
  [GgmlType.F32]: 0,
  [GgmlType.F16]: 1,
  [GgmlType.Q4_0]: 2,
  [GgmlType.Q8_0]: 7,
  [GgmlType.BF16]: 32,
};

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`cannot parse JSON: ${(e as Error).message}`, { file: path });
  }
}

/** Writes the architecture keys llama.cpp reads for llama / qwen2 / qwen3. */
function architectureMetadata(w: GgufWriter, cfg: ModelConfig): void {
  const a = cfg.arch;
  w.set("general.architecture", gguf.str(a));
  w.set(`${a}.context_length`, gguf.u32(cfg.maxPositions));
  w.set(`${a}.embedding_length`, gguf.u32(cfg.hiddenSize));
  w.set(`${a}.block_count`, gguf.u32(cfg.layers));
  w.set(`${a}.feed_forward_length`, gguf.u32(cfg.intermediateSize));
  w.set(`${a}.attention.head_count`, gguf.u32(cfg.heads));
  w.set(`${a}.attention.head_count_kv`, gguf.u32(cfg.kvHeads));
  w.set(`${a}.attention.key_length`, gguf.u32(cfg.headDim));
  w.set(`${a}.attention.value_length`, gguf.u32(cfg.headDim));
  w.set(`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(cfg.rmsNormEps));
  w.set(`${a}.rope.freq_base`, gguf.f32(cfg.ropeTheta));
  w.set(`${a}.rope.dimension_count`, gguf.u32(cfg.headDim));
  w.set(`${a}.vocab_size`, gguf.u32(cfg.vocabSize));
}

/** The chat template from tokenizer_config.json or a chat_template.jinja beside it. */
function chatTemplate(dir: string, tokCfg: TokenizerConfig): string | undefined {
  if (typeof tokCfg.chat_template === "string") return tokCfg.chat_template;
  const jinja = join(dir, "chat_template.jinja");
  return existsSync(jinja) ? readFileSync(jinja, "utf8") : undefined;
}

/** Converts the HF model in `dir` to a GGUF file at `out` (written atomically). */
export async function convertHfToGguf(dir: string, out: string, opts: ConvertToGgufOptions = {}): Promise<{ tensors: number; bytes: number }> {
  const type = opts.type ?? GgmlType.F16;
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) throw new T1Error("NOT_FOUND", `${dir} has no config.json (expected a Hugging Face model directory)`);
  const rawConfig = readJson(configPath);
  const cfg = parseHfConfig(rawConfig, configPath);
  if (cfg.arch === "qwen2" && cfg.headDim * cfg.heads !== cfg.hiddenSize) {
    throw new T1Error("UNSUPPORTED", `${configPath}: llama.cpp's qwen2 architecture needs head_dim × heads = hidden_size (${cfg.headDim} × ${cfg.heads} != ${cfg.hiddenSize})`);
  }
  const tokPath = join(dir, "tokenizer.json");
  if (!existsSync(tokPath)) throw new T1Error("NOT_FOUND", `${dir} has no tokenizer.json; llama.cpp needs the vocabulary inside the GGUF`);
  const tok = readJson(tokPath) as unknown as TokenizerJson;
  const tokCfgPath = join(dir, "tokenizer_config.json");
  const tokCfg: TokenizerConfig = existsSync(tokCfgPath) ? readJson(tokCfgPath) : {};

  const w = new GgufWriter();
  architectureMetadata(w, cfg);
  w.set("general.name", gguf.str(basename(resolve(dir))));
  w.set("general.file_type", gguf.u32(FILE_TYPE[type]));
  if (type === GgmlType.Q8_0 || type === GgmlType.Q4_0) w.set("general.quantization_version", gguf.u32(2));
  const template = chatTemplate(dir, tokCfg);
  const tokMeta = tokenizerToGguf(tok, { ...tokCfg, chat_template: template }, rawConfig, cfg.vocabSize, tokPath);
  for (const [k, v] of tokMeta.kv) w.set(k, v);

  const files = await safetensorsFiles(dir);
  const shapes = new Map<string, { shape: number[]; file: string }>();
  for (const f of files) for (const [name, e] of (await readSafetensorsHeader(f)).entries) shapes.set(name, { shape: e.shape, file: f });
  if (!shapes.has("model.embed_tokens.weight")) throw new InputError("missing tensor model.embed_tokens.weight", { file: files[0] });
  if (!cfg.tieEmbeddings && !shapes.has("lm_head.weight")) {
    throw new InputError("tie_word_embeddings is false but lm_head.weight is missing", { file: configPath, field: "tie_word_embeddings" });
  }
  let count = 0;
  for (const [name, { shape, file }] of shapes) {
    if (name === "lm_head.weight" && cfg.tieEmbeddings) continue; // llama.cpp reuses token_embd when output is absent
    const gname = hfToGgufName(name);
    if (!gname) {
      if (name.endsWith("rotary_emb.inv_freq")) continue;
      throw new T1Error("UNSUPPORTED", `${file}: tensor "${name}" has no llama.cpp counterpart for ${cfg.arch}`);
    }
    let ttype = shape.length === 1 ? GgmlType.F32 : type;
    if ((ttype === GgmlType.Q8_0 || ttype === GgmlType.Q4_0) && shape[shape.length - 1]! % 32 !== 0) {
      opts.onWarning?.(`${gname}: rows of ${shape[shape.length - 1]} values are not a multiple of 32; stored as F16 instead of ${GGML_TYPE_NAMES[ttype]}`);
      ttype = GgmlType.F16;
    }
    // llama.cpp's llama graph uses interleaved RoPE: undo HF's rotate-half row order on q and k.
    const permuteHeads = cfg.arch === "llama" ? (/\.attn_q\./.test(gname) ? cfg.heads : /\.attn_k\./.test(gname) ? cfg.kvHeads : 0) : 0;
    const cols = shape.length === 1 ? 1 : shape[shape.length - 1]!;
    w.addTensor(gname, shape, ttype, async () => {
      const data = (await readSafetensors(file, { filter: (n) => n === name })).get(name)!.data;
      return permuteHeads ? permuteRowsHfToGguf(data, permuteHeads, cols) : data;
    });
    count++;
  }
  const progress = new Progress(`convert ${basename(dir)} → ${basename(out)}`, count, { unit: "tensors", quiet: !opts.progress });
  let bytes = 0;
  await w.write(out, (_n, b) => {
    bytes += b;
    progress.tick();
  });
  progress.finish();
  return { tensors: count, bytes };
}
