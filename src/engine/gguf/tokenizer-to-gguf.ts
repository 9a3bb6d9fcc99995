/**
 * Hugging Face tokenizer.json (+ tokenizer_config.json) → llama.cpp tokenizer metadata.
 *
 * Two families are supported, as llama.cpp names them:
 * - `llama`: SentencePiece BPE with byte fallback (▁ for spaces, `<0xNN>` byte tokens). llama.cpp
 *   merges the adjacent pair whose joined piece has the highest score, so each piece's score is
 *   minus the rank of the first HF merge producing it: the same merge order as HF's BPE.
 * - `gpt2`: byte-level BPE (Qwen, GPT-2 style): tokens, merges and a named pre-tokenizer.
 * Added tokens become CONTROL (special) or USER_DEFINED (not special) so that llama.cpp matches
 * them in text as single tokens, as HF does.
 */
import { InputError, T1Error } from "../../util/errors.js";
import { GgufTokenType, GgufValueType } from "./constants.js";
import { gguf, type GgufValue } from "./writer.js";
import { QWEN2_PRETOKENIZE_REGEX } from "../tokenizer/byte-level.js";

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
}

/** The parts of tokenizer.json this converter reads. */
export interface TokenizerJson {
  added_tokens?: AddedToken[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  model: { type?: string; vocab: Record<string, number>; merges?: Array<string | [string, string]>; byte_fallback?: boolean; unk_token?: string | null };
  [k: string]: unknown;
}

export type TokenizerConfig = Record<string, unknown>;

export interface GgufTokenizerMeta {
  /** Metadata entries to add under their GGUF keys. */
  kv: Array<[string, GgufValue]>;
  /** Number of tokens written (≥ the embedding rows llama.cpp will check against). */
  nTokens: number;
}

/**
 * Whether llama.cpp treats an added token as CONTROL (matched in text only with parse_special):
 * HF special tokens, and those that look special (`<|fim_prefix|>`, `<|repo_name|>`: Qwen marks
 * them not special), as llama.cpp's convert_hf_to_gguf.py decides (`does_token_look_special`);
 * llama.cpp itself forces its FIM tokens to CONTROL when loading anyway. Others (`<think>`,
 * `<tool_call>`) are USER_DEFINED: always one token, as in transformers.
 */
export function isControlToken(a: { content: string; special?: boolean }): boolean {
  return a.special === true || (a.content.startsWith("<|") && a.content.endsWith("|>"));
}

const BYTE_TOKEN = /^<0x[0-9A-Fa-f]{2}>$/;

/** Whether a tokenizer.json is SentencePiece-style (llama) or byte-level (gpt2). */
export function tokenizerFamily(tok: TokenizerJson, file = "tokenizer.json"): "llama" | "gpt2" {
  if (tok.model?.type !== "BPE") throw new T1Error("UNSUPPORTED", `${file}: model.type is ${String(tok.model?.type)}; t1 converts BPE tokenizers only`);
  const text = JSON.stringify([tok.pre_tokenizer ?? null, tok.normalizer ?? null]);
  if (text.includes("ByteLevel")) return "gpt2";
  if (tok.model.byte_fallback || text.includes("▁")) return "llama";
  throw new T1Error("UNSUPPORTED", `${file}: BPE tokenizer is neither byte-level nor SentencePiece-style`);
}

function tokenText(tok: TokenizerJson, nVocab: number): string[] {
  const tokens = new Array<string | undefined>(nVocab);
  for (const [t, id] of Object.entries(tok.model.vocab)) if (id < nVocab) tokens[id] = t;
  for (const a of tok.added_tokens ?? []) if (a.id < nVocab) tokens[a.id] = a.content;
  // llama.cpp needs one entry per embedding row; rows without a token get a placeholder, as its converter does.
  return Array.from(tokens, (t, i) => t ?? `[PAD${i}]`);
}

function mergePairs(tok: TokenizerJson, file: string): Array<[string, string]> {
  return (tok.model.merges ?? []).map((m, i) => {
    if (Array.isArray(m)) return [m[0], m[1]];
    const sp = m.indexOf(" ", 1);
    if (sp < 0) throw new InputError(`merge #${i} "${m}" has no space separating its two parts`, { file, field: "model.merges" });
    return [m.slice(0, sp), m.slice(sp + 1)];
  });
}

/** A token's id; own keys only, since "constructor" is both a Qwen token and an Object property. */
function ownId(vocab: Record<string, number>, token: string): number | undefined {
  return Object.hasOwn(vocab, token) ? vocab[token] : undefined;
}

function tokenIdOf(tok: TokenizerJson, cfgValue: unknown): number | undefined {
  const content = typeof cfgValue === "string" ? cfgValue : (cfgValue as { content?: string } | null)?.content;
  if (typeof content !== "string") return undefined;
  const added = tok.added_tokens?.find((a) => a.content === content);
  return added?.id ?? ownId(tok.model.vocab, content);
}

/**
 * Builds llama.cpp tokenizer metadata. `nVocab` is the embedding row count (config vocab_size);
 * `config` supplies bos/eos ids when tokenizer_config.json does not name them.
 */
export function tokenizerToGguf(
  tok: TokenizerJson,
  tokCfg: TokenizerConfig,
  config: Record<string, unknown>,
  nVocab: number,
  file = "tokenizer.json",
): GgufTokenizerMeta {
  const family = tokenizerFamily(tok, file);
  // A loop, not Math.max(...ids): spreading a real vocabulary (151k ids for Qwen) as call
  // arguments overflows the stack.
  let maxId = -1;
  for (const id of Object.values(tok.model.vocab)) if (id > maxId) maxId = id;
  for (const a of tok.added_tokens ?? []) if (a.id > maxId) maxId = a.id;
  if (maxId >= nVocab) throw new InputError(`token id ${maxId} does not fit the model's vocab_size ${nVocab}`, { file });
  const tokens = tokenText(tok, nVocab);
  const added = new Map((tok.added_tokens ?? []).map((a) => [a.id, a]));
  const unk = tok.model.unk_token ?? undefined;
  const types = tokens.map((t, id) => {
    const a = added.get(id);
    if (t.startsWith("[PAD") && ownId(tok.model.vocab, t) === undefined && !a) return GgufTokenType.UNUSED;
    if (unk !== undefined && t === unk) return GgufTokenType.UNKNOWN;
    if (a) return isControlToken(a) ? GgufTokenType.CONTROL : GgufTokenType.USER_DEFINED;
    if (family === "llama" && BYTE_TOKEN.test(t)) return GgufTokenType.BYTE;
    return GgufTokenType.NORMAL;
  });
  const merges = mergePairs(tok, file);
  const kv: Array<[string, GgufValue]> = [["tokenizer.ggml.model", gguf.str(family)]];
  if (family === "llama") {
    const rankOf = new Map<string, number>();
    merges.forEach(([l, r], rank) => {
      const joined = l + r;
      if (!rankOf.has(joined)) rankOf.set(joined, rank);
    });
    // Pieces no merge produces (single characters, bytes, specials) never compete in a merge.
    const scores = tokens.map((t) => -(rankOf.get(t) ?? merges.length));
    kv.push(["tokenizer.ggml.tokens", gguf.arr(GgufValueType.STRING, tokens)]);
    kv.push(["tokenizer.ggml.scores", gguf.arr(GgufValueType.FLOAT32, scores)]);
    kv.push(["tokenizer.ggml.token_type", gguf.arr(GgufValueType.INT32, types)]);
    const norm = JSON.stringify(tok.normalizer ?? null) + JSON.stringify(tok.pre_tokenizer ?? null);
    const prepends = norm.includes('"Prepend"') || /"prepend_scheme":"(always|first)"/.test(norm) || norm.includes('"add_prefix_space":true');
    kv.push(["tokenizer.ggml.add_space_prefix", gguf.bool(prepends)]);
  } else {
    kv.push(["tokenizer.ggml.pre", gguf.str(preTokenizerName(tok, file))]);
    kv.push(["tokenizer.ggml.tokens", gguf.arr(GgufValueType.STRING, tokens)]);
    kv.push(["tokenizer.ggml.token_type", gguf.arr(GgufValueType.INT32, types)]);
    kv.push(["tokenizer.ggml.merges", gguf.arr(GgufValueType.STRING, merges.map(([l, r]) => `${l} ${r}`))]);
  }
  const bos = tokenIdOf(tok, tokCfg.bos_token) ?? (typeof config.bos_token_id === "number" ? config.bos_token_id : undefined);
  const eosCfg = Array.isArray(config.eos_token_id) ? config.eos_token_id[0] : config.eos_token_id;
  const eos = tokenIdOf(tok, tokCfg.eos_token) ?? (typeof eosCfg === "number" ? eosCfg : undefined);
  const pad = tokenIdOf(tok, tokCfg.pad_token) ?? (typeof config.pad_token_id === "number" ? config.pad_token_id : undefined);
  const unkId = unk !== undefined ? ownId(tok.model.vocab, unk) : undefined;
  if (bos !== undefined) kv.push(["tokenizer.ggml.bos_token_id", gguf.u32(bos)]);
  if (eos !== undefined) kv.push(["tokenizer.ggml.eos_token_id", gguf.u32(eos)]);
  if (pad !== undefined) kv.push(["tokenizer.ggml.padding_token_id", gguf.u32(pad)]);
  if (unkId !== undefined) kv.push(["tokenizer.ggml.unknown_token_id", gguf.u32(unkId)]);
  const addBos = typeof tokCfg.add_bos_token === "boolean" ? tokCfg.add_bos_token : family === "llama";
  kv.push(["tokenizer.ggml.add_bos_token", gguf.bool(addBos && bos !== undefined)]);
  kv.push(["tokenizer.ggml.add_eos_token", gguf.bool(tokCfg.add_eos_token === true)]);
  if (typeof tokCfg.chat_template === "string") kv.push(["tokenizer.chat_template", gguf.str(tokCfg.chat_template)]);
  return { kv, nTokens: tokens.length };
}

/** GPT-2's original split pattern, as tokenizer.json writes it. */
const GPT2_PRETOKENIZE_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function splitPatterns(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => splitPatterns(n, out));
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.type === "Split") {
      const p = o.pattern as { Regex?: string; String?: string } | undefined;
      if (p?.Regex !== undefined) out.push(p.Regex);
    }
    for (const v of Object.values(o)) if (v && typeof v === "object") splitPatterns(v, out);
  }
  return out;
}

/**
 * llama.cpp selects its pre-tokenizer regexes by name (`tokenizer.ggml.pre`), so the split pattern
 * must be one it knows: Qwen2's (Qwen2/2.5/3) or GPT-2's. Others are refused rather than silently
 * tokenised differently.
 */
function preTokenizerName(tok: TokenizerJson, file: string): string {
  const patterns = splitPatterns(tok.pre_tokenizer);
  if (patterns.length === 1 && patterns[0] === QWEN2_PRETOKENIZE_REGEX) return "qwen2";
  if (patterns.length === 1 && patterns[0] === GPT2_PRETOKENIZE_REGEX) return "gpt2";
  const text = JSON.stringify(tok.pre_tokenizer ?? null);
  if (patterns.length === 0 && /"type":"ByteLevel"[^}]*"use_regex":true/.test(text)) return "gpt2";
  throw new T1Error("UNSUPPORTED", `${file}: unrecognised byte-level pre-tokenizer ${text.slice(0, 200)}; t1 converts Qwen2-style and GPT-2 ones`);
}
