/**
 * One interface over every way t1 runs a T1 model: the native TypeScript engine, llama.cpp
 * (node-llama-cpp with a GGUF file) and any OpenAI-compatible server. It exposes the primitives of
 * the method (docs/METHOD.md §2) and nothing more; encoders in src/retrieval/encoders compose them.
 *
 * All texts may contain special tokens written out (`<|im_start|>`, `<emb_token>`): backends parse
 * them as single tokens, never as characters.
 */
import type { ChatMessage, ChatTemplateSpec, T1FormatSettings } from "../data/t1-format/index.js";

export { EMB_TOKEN, type ChatMessage } from "../data/t1-format/index.js";

export type BackendKind = "native" | "llamacpp" | "remote";

/** How a backend renders and bounds T1 inputs, on top of what the model ships. */
export interface FormatBackendOptions {
  /**
   * Jinja chat template source used instead of the model's own (`--chat-template FILE`). Default:
   * the model's; a model without one cannot build query prompts (an error naming --chat-template).
   */
  chatTemplate?: string;
  /** T1 format settings over the model's saved t1_format.json (e.g. `enableThinking` at retrieval time). Default: the saved file, else DEFAULT_T1_FORMAT. */
  format?: Partial<T1FormatSettings>;
}

export interface PromptOptions {
  /** Overrides the backend's `format.enableThinking` for this prompt. Default: the backend's. */
  enableThinking?: boolean;
}

export interface GenerationOptions {
  /** Upper bound on generated tokens (the reasoning budget). Required: there is no safe default. */
  maxTokens: number;
  /** Sampling temperature. Default 0 = greedy (deterministic); > 0 samples (GRPO, diverse reasoning). */
  temperature?: number;
  /** Nucleus sampling mass. Default 1 (off). */
  topP?: number;
  /** Top-k sampling cut. Default 0 (off). */
  topK?: number;
  /** Seed for sampling. Default 0, so sampled runs repeat unless asked otherwise. */
  seed?: number;
  /** Streaming: called with each new piece of text of prompt `index` as it is generated. */
  onToken?: (index: number, piece: string) => void;
  /** Abort generation (e.g. the HTTP client went away). */
  signal?: AbortSignal;
}

export interface Generation {
  text: string;
  /** Generated tokens, the end-of-turn token excluded. */
  tokens: number;
  /** "stop": the model ended its turn; "length": `maxTokens` was reached. */
  finishReason: "stop" | "length";
}

export interface EmbeddedGeneration extends Generation {
  /** Final-norm hidden state at the `<emb_token>` appended after the generated text (not normalised). */
  vector: Float32Array;
  /** Milliseconds spent generating and then embedding. */
  timings: { generateMs: number; embedMs: number };
}

export interface DocumentEmbedOptions {
  /** Text put before each document, e.g. BRIGHT's "Given a biology post, retrieve ...". */
  instruction: string;
  /** Tokens of `instruction + text` kept before the `<emb_token>` (the tail is cut). */
  maxLength: number;
}

export interface T1Backend {
  readonly kind: BackendKind;
  /** The model's identity as recorded in indexes and caches (path, file name or server model name). */
  readonly modelId: string;
  /** Width of the embeddings. */
  readonly dims: number;
  /**
   * Calls that may usefully run at once (e.g. the HTTP client's limit of a remote backend).
   * Undefined means one at a time: in-process backends share one model and the CPU cores.
   */
  readonly maxConcurrentRequests?: number;

  /** The model's saved T1 format (t1_format.json) with the backend's options on top, defaults filled in. */
  readonly format: T1FormatSettings;
  /** The chat template prompts are rendered with (the model's or `chatTemplate`); undefined when there is none. */
  readonly chatTemplate: ChatTemplateSpec | undefined;

  /** The model's chat template applied to one user message, ending where the assistant's turn begins. */
  chatPrompt(userMessage: string, opts?: PromptOptions): string;
  /** The chat template applied to a conversation, ending where the assistant's next turn begins. */
  chatMessagesPrompt(messages: readonly ChatMessage[], opts?: PromptOptions): string;
  /** Token counts of T1 inputs (special tokens parsed, BOS when the model wants one, no EOS); used to batch documents by length. */
  countTokens(texts: readonly string[]): Promise<number[]>;

  /** Document side: one prefill of `instruction + text` (cut to maxLength tokens) + `<emb_token>` each. */
  embedDocuments(texts: readonly string[], opts: DocumentEmbedOptions): Promise<Float32Array[]>;
  /** Hidden state at the last `<emb_token>` of each text (appended when the text lacks one). */
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  /** Like `embedTexts` for token id arrays (the emb token is appended when missing). */
  embedTokenIds(ids: readonly (readonly number[])[]): Promise<Float32Array[]>;
  /**
   * Hidden state at `<emb_token>` after each input's parts, each part tokenised on its own and
   * concatenated (BOS once in front, no EOS): `[prompt]` is a query without reasoning, `[prompt,
   * reasoning]` a query with external reasoning, tokenised exactly as training does.
   */
  embedParts(inputs: readonly (readonly string[])[]): Promise<Float32Array[]>;
  /** Continues each raw prompt until the end of the turn or `maxTokens`. */
  generate(prompts: readonly string[], opts: GenerationOptions): Promise<Generation[]>;
  /**
   * Query side of T1: continues each prompt (the reasoning), then appends `<emb_token>` and reads
   * its hidden state, from the same KV cache where the backend allows it (native, llama.cpp).
   */
  generateAndEmbed(prompts: readonly string[], opts: GenerationOptions): Promise<EmbeddedGeneration[]>;

  close(): Promise<void>;
}
