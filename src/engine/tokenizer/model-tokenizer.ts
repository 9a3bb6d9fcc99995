/**
 * The tokenizer of a model without its weights: tokenizer.json (+ tokenizer_config.json) of a
 * Hugging Face folder, or the tokenizer rebuilt from a GGUF file's metadata, which is what the
 * engine uses when it loads that GGUF. `t1 tokenize` and the tokenizer parity tests read it, so a
 * 4B checkpoint is tokenised without reading 8 GB of weights.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError, T1Error } from "../../util/errors.js";
import { readGgufHeader } from "../gguf/reader.js";
import { tokenizerFromGguf } from "../gguf/tokenizer-from-gguf.js";
import { isControlToken } from "../gguf/tokenizer-to-gguf.js";
import { TextTokenizer } from "./tokenizer.js";

export interface ModelTokenizerOptions {
  /**
   * Special (control) tokens written out in the text, such as `<|im_start|>` or `<emb_token>`,
   * become their single ids. Default true, which is how every T1 prompt is fed; false tokenises
   * them as plain characters, as llama.cpp's `parse_special=false` does. "Special" means what
   * llama.cpp calls CONTROL (`isControlToken`): HF special tokens and added tokens spelled
   * `<|…|>` (Qwen's `<|fim_prefix|>` is not HF-special, so transformers' `split_special_tokens`
   * would keep it whole). Other added tokens (Qwen3's `<think>`) stay single tokens either way.
   */
  parseSpecial?: boolean;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, { file: path });
  }
}

/** tokenizer.json and tokenizer_config.json of a model folder or a .gguf file. */
export function readTokenizerFiles(path: string): { tokenizerJson: Record<string, unknown>; tokenizerConfig: Record<string, unknown>; source: string } {
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `model not found: ${path}`);
  if (statSync(path).isDirectory()) {
    const tok = join(path, "tokenizer.json");
    if (!existsSync(tok)) throw new T1Error("NOT_FOUND", `${path} has no tokenizer.json (expected a Hugging Face model folder or a .gguf file)`);
    const cfg = join(path, "tokenizer_config.json");
    return { tokenizerJson: readJson(tok), tokenizerConfig: existsSync(cfg) ? readJson(cfg) : {}, source: tok };
  }
  if (!path.toLowerCase().endsWith(".gguf")) throw new InputError("expected a Hugging Face model folder or a .gguf file", { file: path });
  const rebuilt = tokenizerFromGguf(readGgufHeader(path));
  return { ...rebuilt, source: path };
}

/** The model's tokenizer as the native engine builds it. */
export function loadModelTokenizer(path: string, opts: ModelTokenizerOptions = {}): TextTokenizer {
  const { tokenizerJson, tokenizerConfig, source } = readTokenizerFiles(path);
  if (opts.parseSpecial === false) {
    // @huggingface/tokenizers always matches added tokens; dropping the special ones from the
    // matcher leaves their text to the BPE model, which spells them out character by character.
    const added = (tokenizerJson.added_tokens ?? []) as { content: string; special?: boolean }[];
    return new TextTokenizer({ ...tokenizerJson, added_tokens: added.filter((a) => !isControlToken(a)) }, tokenizerConfig, source);
  }
  return new TextTokenizer(tokenizerJson, tokenizerConfig, source);
}
