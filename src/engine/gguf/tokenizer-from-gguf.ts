/**
 * llama.cpp tokenizer metadata → a Hugging Face tokenizer.json object (+ tokenizer_config fields),
 * so the native engine tokenises a GGUF model with @huggingface/tokenizers exactly as llama.cpp does.
 *
 * - `llama` (SentencePiece BPE): HF BPE needs ranked merges; llama.cpp has per-piece scores. As
 *   HF's own SentencePiece converter does, every split of a piece into two vocabulary pieces is a
 *   merge, ranked by the joined piece's score (highest first).
 * - `gpt2`: tokens and merges are stored as they are; the pre-tokenizer is rebuilt from its name.
 */
import { InputError, T1Error } from "../../util/errors.js";
import { QWEN2_PRETOKENIZE_REGEX } from "../tokenizer/byte-level.js";
import { GgufTokenType } from "./constants.js";
import { ggufValue, type GgufFile } from "./reader.js";

export interface RebuiltTokenizer {
  tokenizerJson: Record<string, unknown>;
  /** tokenizer_config.json fields: add_bos_token, add_eos_token, bos/eos/pad/unk_token, chat_template. */
  tokenizerConfig: Record<string, unknown>;
}

function stringArray(file: GgufFile, key: string): string[] {
  const v = ggufValue(file, key);
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new InputError("expected an array of strings", { file: file.path, field: key });
  return v as string[];
}

function numberArray(file: GgufFile, key: string, n: number, def: number): number[] {
  const v = ggufValue(file, key);
  if (v === undefined) return new Array<number>(n).fill(def);
  if (!Array.isArray(v) || v.length !== n) throw new InputError(`expected an array of ${n} numbers`, { file: file.path, field: key });
  return v.map(Number);
}

function optId(file: GgufFile, key: string): number | undefined {
  const v = ggufValue(file, key);
  return typeof v === "number" || typeof v === "bigint" ? Number(v) : undefined;
}

/** Rebuilds tokenizer.json from the `tokenizer.ggml.*` keys of a GGUF file. */
export function tokenizerFromGguf(file: GgufFile): RebuiltTokenizer {
  const model = ggufValue(file, "tokenizer.ggml.model");
  if (model !== "llama" && model !== "gpt2") {
    throw new T1Error("UNSUPPORTED", `${file.path}: tokenizer.ggml.model is ${JSON.stringify(model)}; t1 reads "llama" and "gpt2"`);
  }
  const tokens = stringArray(file, "tokenizer.ggml.tokens");
  const types = numberArray(file, "tokenizer.ggml.token_type", tokens.length, GgufTokenType.NORMAL);
  const bos = optId(file, "tokenizer.ggml.bos_token_id");
  const eos = optId(file, "tokenizer.ggml.eos_token_id");
  const pad = optId(file, "tokenizer.ggml.padding_token_id");
  const unk = optId(file, "tokenizer.ggml.unknown_token_id");
  const addBos = ggufValue(file, "tokenizer.ggml.add_bos_token") === true;
  const addEos = ggufValue(file, "tokenizer.ggml.add_eos_token") === true;
  // No prototype: Qwen's vocabulary has the tokens "constructor", "toString" and "valueOf", which a
  // plain object already "has" (inherited), so `t in vocab` skipped them and they lost their ids.
  const vocab = Object.create(null) as Record<string, number>;
  const added: Array<Record<string, unknown>> = [];
  tokens.forEach((t, id) => {
    const ty = types[id]!;
    if (!(t in vocab)) vocab[t] = id;
    if (ty === GgufTokenType.CONTROL || ty === GgufTokenType.USER_DEFINED || ty === GgufTokenType.UNKNOWN) {
      added.push({ id, content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: ty !== GgufTokenType.USER_DEFINED });
    }
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
  let json: Record<string, unknown>;
  if (model === "llama") {
    const scores = numberArray(file, "tokenizer.ggml.scores", tokens.length, 0);
    const spacePrefix = ggufValue(file, "tokenizer.ggml.add_space_prefix") !== false;
    const replace = { type: "Replace", pattern: { String: " " }, content: "▁" };
    json = {
      normalizer: spacePrefix ? { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, replace] } : replace,
      pre_tokenizer: null,
      post_processor: postProcessor(tokens, addBos ? bos : undefined, addEos ? eos : undefined),
      decoder: {
        type: "Sequence",
        decoders: [
          { type: "Replace", pattern: { String: "▁" }, content: " " },
          { type: "ByteFallback" },
          { type: "Fuse" },
          ...(spacePrefix ? [{ type: "Strip", content: " ", start: 1, stop: 0 }] : []),
        ],
      },
      model: {
        type: "BPE", dropout: null, unk_token: unk !== undefined ? tokens[unk] : null, continuing_subword_prefix: null,
        end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, ignore_merges: false,
        vocab, merges: sentencePieceMerges(tokens, scores, types, vocab),
      },
    };
  } else {
    const pre = ggufValue(file, "tokenizer.ggml.pre") ?? "default";
    const merges = stringArray(file, "tokenizer.ggml.merges");
    let preTokenizer: unknown;
    if (pre === "qwen2") {
      preTokenizer = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: QWEN2_PRETOKENIZE_REGEX }, behavior: "Isolated", invert: false }, byteLevel] };
    } else if (pre === "gpt2" || pre === "default") {
      preTokenizer = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
    } else throw new T1Error("UNSUPPORTED", `${file.path}: tokenizer.ggml.pre "${String(pre)}" is not supported (qwen2, gpt2)`);
    json = {
      normalizer: pre === "qwen2" ? { type: "NFC" } : null,
      pre_tokenizer: preTokenizer,
      post_processor: addBos || addEos ? postProcessor(tokens, addBos ? bos : undefined, addEos ? eos : undefined) : byteLevel,
      decoder: byteLevel,
      model: {
        type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "",
        fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
      },
    };
  }
  const tokenizerJson = { version: "1.0", truncation: null, padding: null, added_tokens: added, ...json };
  const name = (id: number | undefined) => (id === undefined ? null : tokens[id] ?? null);
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: addBos,
    add_eos_token: addEos,
    bos_token: name(bos),
    eos_token: name(eos),
    pad_token: name(pad),
    unk_token: name(unk),
  };
  const tmpl = ggufValue(file, "tokenizer.chat_template");
  if (typeof tmpl === "string") tokenizerConfig.chat_template = tmpl;
  return { tokenizerJson, tokenizerConfig };
}

function postProcessor(tokens: string[], bos: number | undefined, eos: number | undefined): unknown {
  if (bos === undefined && eos === undefined) return null;
  const sp = (id: number, typeId: number) => ({ SpecialToken: { id: tokens[id], type_id: typeId } });
  const seq = (s: string, typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  const wrap = (s: string, typeId: number) => [
    ...(bos !== undefined ? [sp(bos, typeId)] : []),
    seq(s, typeId),
    ...(eos !== undefined ? [sp(eos, typeId)] : []),
  ];
  const special: Record<string, unknown> = {};
  for (const id of [bos, eos]) if (id !== undefined) special[tokens[id]!] = { id: tokens[id], ids: [id], tokens: [tokens[id]] };
  return { type: "TemplateProcessing", single: wrap("A", 0), pair: [...wrap("A", 0), ...wrap("B", 1)], special_tokens: special };
}

/** All two-piece splits of each normal piece, ranked by the piece's score (then ids), as HF's SentencePiece converter does. */
function sentencePieceMerges(tokens: string[], scores: number[], types: number[], vocab: Record<string, number>): Array<[string, string]> {
  const ranked: Array<{ score: number; id: number; l: number; r: number; pair: [string, string] }> = [];
  tokens.forEach((t, id) => {
    if (types[id] !== GgufTokenType.NORMAL) return;
    const chars = Array.from(t);
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join("");
      const r = chars.slice(k).join("");
      const li = vocab[l];
      const ri = vocab[r];
      if (li !== undefined && ri !== undefined) ranked.push({ score: scores[id]!, id, l: li, r: ri, pair: [l, r] });
    }
  });
  ranked.sort((a, b) => b.score - a.score || a.id - b.id || a.l - b.l || a.r - b.r);
  return ranked.map((m) => m.pair);
}
