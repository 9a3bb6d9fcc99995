/**
 * Builds a complete Qwen2/Qwen3-style tokenizer (tokenizer.json + tokenizer_config.json) for tiny
 * test models: byte-level BPE learned from built-in text, the Qwen2 pre-tokenizer regex, and the
 * ChatML special tokens plus `<emb_token>`. Loads in @huggingface/tokenizers and converts to GGUF
 * with `tokenizer.ggml.model = gpt2`, `pre = qwen2`.
 */
import { trainByteLevelBpe } from "./bpe-trainer.js";
import { QWEN2_PRETOKENIZE_REGEX } from "./byte-level.js";
import { BPE_TRAINING_TEXT } from "./training-text.js";

/** Added tokens in id order after the BPE vocabulary; `special` follows Qwen3 (think tags are not). */
export const TINY_ADDED_TOKENS: readonly { content: string; special: boolean }[] = [
  { content: "<|endoftext|>", special: true },
  { content: "<|im_start|>", special: true },
  { content: "<|im_end|>", special: true },
  { content: "<think>", special: false },
  { content: "</think>", special: false },
  { content: "<emb_token>", special: true },
];

/**
 * A ChatML template in the style of Qwen3's: `enable_thinking=false` pre-fills an empty think
 * block so the model answers directly; otherwise the model may open `<think>` itself.
 */
export const QWEN3_STYLE_CHAT_TEMPLATE =
  "{%- for message in messages %}" +
  "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}" +
  "{%- endfor %}" +
  "{%- if add_generation_prompt %}" +
  "{{- '<|im_start|>assistant\\n' }}" +
  "{%- if enable_thinking is defined and enable_thinking is false %}" +
  "{{- '<think>\\n\\n</think>\\n\\n' }}" +
  "{%- endif %}" +
  "{%- endif %}";

export interface TinyTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Token id of each added token by content. */
  ids: Record<string, number>;
  vocabSize: number;
}

/** A tokenizer whose total size (BPE + added tokens) is exactly `vocabSize`. */
export function buildTinyQwenTokenizer(vocabSize: number): TinyTokenizerFiles {
  return buildQwenStyleTokenizer(BPE_TRAINING_TEXT, vocabSize);
}

/**
 * The same Qwen-style tokenizer learned from `text`: at most `vocabSize` entries in all (fewer
 * when the text runs out of pairs to merge); `vocabSize` in the result is the real size.
 */
export function buildQwenStyleTokenizer(text: string, vocabSize: number, opts: { allowSmaller?: boolean } = {}): TinyTokenizerFiles {
  const bpe = trainByteLevelBpe(text, vocabSize - TINY_ADDED_TOKENS.length, opts);
  const ids: Record<string, number> = {};
  const addedTokens = TINY_ADDED_TOKENS.map((t, i) => {
    const id = bpe.vocab.size + i;
    ids[t.content] = id;
    return { id, content: t.content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: t.special };
  });
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: "NFC" },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: QWEN2_PRETOKENIZE_REGEX }, behavior: "Isolated", invert: false },
        byteLevel,
      ],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(bpe.vocab),
      merges: bpe.merges,
    },
  };
  const addedTokensDecoder = Object.fromEntries(
    addedTokens.map((t) => [String(t.id), { content: t.content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: t.special }]),
  );
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: ["<|im_start|>", "<|im_end|>", "<emb_token>"],
    bos_token: null,
    chat_template: QWEN3_STYLE_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: "<|im_end|>",
    errors: "replace",
    model_max_length: 4096,
    pad_token: "<|endoftext|>",
    split_special_tokens: false,
    tokenizer_class: "Qwen2Tokenizer",
    unk_token: null,
  };
  return { tokenizerJson, tokenizerConfig, ids, vocabSize: bpe.vocab.size + TINY_ADDED_TOKENS.length };
}
