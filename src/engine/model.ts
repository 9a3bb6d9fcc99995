/**
 * A loaded model: transformer + tokenizer + stop tokens, with the calls the rest of t1 uses —
 * logits, `<emb_token>` embeddings, streaming generation, and generate-then-embed on one cache.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Kernels } from "./kernels/types.js";
import { readSafetensorsHeader, safetensorsFiles } from "./safetensors.js";
import { getKernels } from "./kernels/index.js";
import { T1Error } from "../util/errors.js";
import type { ModelConfig } from "./config.js";
import { loadCheckpoint, type Checkpoint } from "./weight-source.js";
import { Transformer, type F16Tensors } from "./transformer.js";
import { f32ArrayToF16 } from "./kernels/shapes.js";
import { TextTokenizer, type ChatMessage, type ChatTemplateOptions } from "./tokenizer/tokenizer.js";
import { BatchGeneration, type FinishReason, type GenerateOptions } from "./generate.js";
import { embedBatches, lastIndexOf, type EmbedOptions } from "./embed.js";
import { EMB_TOKEN } from "../data/t1-format/index.js";

export { EMB_TOKEN };

export interface StreamingOptions extends GenerateOptions {
  /** Called with each new piece of text of prompt `row` (whole UTF-8 characters only). Default: none. */
  onToken?: (row: number, piece: string) => void;
  /** Stops generation between decoding steps (e.g. the HTTP client went away): the call rejects. Default: none. */
  signal?: AbortSignal;
}

export interface LoadModelOptions {
  /** Compute kernels. Default `getKernels()` (the fastest available, shared). */
  kernels?: Kernels;
  /**
   * Storage of the weight matrices (projections, MLP, embedding, output head); norms and biases
   * stay f32 either way. "f32": exact for f32 checkpoints (what the parity tests check), twice
   * the memory. "f16": half the memory and bandwidth; f32 weights round to ~3 significant digits,
   * bf16 weights convert exactly within f16's range (|x| <= 65504; below 6e-5 only to within
   * 6e-8). Default "auto": f16 when the checkpoint stores its matrices in bf16/f16 (or, for
   * GGUF, anything but F32: a 4B bf16 model then needs ~8 GB instead of 16), else f32.
   */
  weights?: "auto" | "f32" | "f16";
  /** Jinja chat template used instead of the checkpoint's (for models saved without one). Default: the checkpoint's. */
  chatTemplate?: string;
}

/** Whether a checkpoint stores its weight matrices below f32 precision: bf16/f16 safetensors, or a
 * GGUF whose matrices are f16/bf16/quantised. */
async function storesHalfMatrices(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  if (path.toLowerCase().endsWith(".gguf") && statSync(path).isFile()) {
    const { readGgufHeader } = await import("./gguf/reader.js");
    const { GgmlType } = await import("./gguf/constants.js");
    const f = readGgufHeader(path);
    for (const [name, t] of f.tensors) if (name.endsWith(".weight") && t.shape.length === 2) return t.type !== GgmlType.F32;
    return false;
  }
  if (!statSync(path).isDirectory() || !existsSync(join(path, "config.json"))) return false;
  const [first] = await safetensorsFiles(path);
  const { entries } = await readSafetensorsHeader(first!);
  for (const [name, e] of entries) if (isMatrixName(name)) return e.dtype === "BF16" || e.dtype === "F16";
  return false;
}

/** Tensors stored as f16 in "f16" mode: every 2-D weight matrix. */
function isMatrixName(name: string): boolean {
  return name.endsWith("_proj.weight") || name === "model.embed_tokens.weight" || name === "lm_head.weight";
}

/** A prompt as text (encoded with the tokenizer's special tokens, e.g. Llama's BOS) or as ids. */
export type PromptInput = string | readonly number[];

export interface StreamEvent {
  row: number;
  /** The new token id (absent on the final event of a row). */
  token?: number;
  /** New text since the previous event of this row (may be "" while a UTF-8 character is split across tokens). */
  text: string;
  /** Set on the row's last event. */
  finishReason?: FinishReason;
}

export interface GenerationResult {
  ids: number[];
  text: string;
  finishReason: FinishReason;
}

export interface GenerateThenEmbedResult extends GenerationResult {
  /** Final-norm hidden state at the appended `<emb_token>` (unnormalised). */
  embedding: Float32Array;
  /** Milliseconds of the whole batch spent generating, then embedding. */
  timings: { generateMs: number; embedMs: number };
}

export class Model {
  constructor(
    readonly config: ModelConfig,
    readonly transformer: Transformer,
    readonly tokenizer: TextTokenizer | undefined,
    /** Default stop ids for generation. */
    readonly stopTokenIds: readonly number[],
    readonly source: string,
    private readonly weights: (Float32Array | Uint16Array)[] = [],
  ) {}

  /** Returns the weights' kernel memory; the model is unusable afterwards. */
  dispose(): void {
    this.transformer.dispose(this.weights);
    this.weights.length = 0;
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get hiddenSize(): number {
    return this.config.hiddenSize;
  }

  /** Id of `<emb_token>`, or undefined when the vocabulary lacks it (see addEmbToken). */
  get embTokenId(): number | undefined {
    return this.tokenizer?.tokenId(EMB_TOKEN);
  }

  requireTokenizer(): TextTokenizer {
    if (!this.tokenizer) throw new T1Error("BAD_INPUT", `${this.source} has no tokenizer.json; pass token ids instead of text`);
    return this.tokenizer;
  }

  requireEmbTokenId(): number {
    const id = this.embTokenId;
    if (id === undefined) throw new T1Error("BAD_INPUT", `${this.source}: the vocabulary has no ${EMB_TOKEN} (add it with \`t1 add-emb-token --model DIR --out NEW_DIR\`)`);
    return id;
  }

  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[] {
    return this.requireTokenizer().encode(text, opts);
  }

  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string {
    return this.requireTokenizer().decode(ids, opts);
  }

  /** Token ids of a chat prompt rendered with the model's template. */
  chatPrompt(messages: readonly ChatMessage[], opts?: ChatTemplateOptions): number[] {
    return this.requireTokenizer().encodeChat(messages, opts);
  }

  /** Text prompts get BOS when the model wants one and never an automatic EOS (see TextTokenizer.encodePrompt). */
  private toIds(p: PromptInput): number[] {
    return typeof p === "string" ? this.requireTokenizer().encodePrompt(p) : Array.from(p);
  }

  /** Logits (V floats) after the last token of each input, or (T·V) for every position with `all`. */
  logits(inputs: readonly PromptInput[], opts: { all?: boolean } = {}): Float32Array[] {
    const ids = inputs.map((p) => this.toIds(p));
    const cache = this.transformer.createCache(ids.length, Math.max(1, ...ids.map((s) => s.length)));
    try {
      const r = this.transformer.forward(cache, ids.map((tokens, row) => ({ row, tokens })), { logits: opts.all ? "all" : "last" });
      const V = this.vocabSize;
      return ids.map((s, b) => {
        const start = opts.all ? r.offsets[b]! * V : b * V;
        return r.logits.slice(start, start + (opts.all ? s.length : 1) * V);
      });
    } finally {
      cache.free();
    }
  }

  /**
   * Final-norm hidden state at the LAST `<emb_token>` of each input (found from the ids, per row).
   * Text inputs that do not end with it get it appended; id inputs must contain it.
   * Unnormalised: callers L2-normalise.
   */
  async embed(inputs: readonly PromptInput[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const emb = this.requireEmbTokenId();
    const ids = inputs.map((p, i) => {
      if (typeof p === "string") {
        const s = this.toIds(p);
        // A text that does not END with <emb_token> gets one, even if it mentions the token
        // earlier (documents can contain any string).
        if (s[s.length - 1] !== emb) s.push(emb);
        return s;
      }
      const at = lastIndexOf(p, emb);
      if (at < 0) throw new T1Error("BAD_INPUT", `embed input ${i} has no ${EMB_TOKEN} (id ${emb})`);
      // Attention is causal: tokens after the read-out point cannot change it, so skip them.
      return Array.from(p.slice(0, at + 1));
    });
    return embedBatches(this.transformer, ids, emb, opts);
  }

  /** Streams tokens and text of every prompt's continuation as they are generated. */
  async *generate(prompts: readonly PromptInput[], opts: StreamingOptions = {}): AsyncGenerator<StreamEvent> {
    const gen = new BatchGeneration(this.transformer, prompts.map((p) => this.toIds(p)), opts, this.stopTokenIds);
    try {
      yield* this.stream(gen, opts.signal);
    } finally {
      gen.cache.free();
    }
  }

  /**
   * Drives a generation, turning its steps into text events: a trailing replacement character is
   * held back (the next token may complete the UTF-8 sequence), the event loop gets a turn every
   * 50 ms (a server stays responsive), and an aborted `signal` stops it between steps.
   */
  private async *stream(gen: BatchGeneration, signal: AbortSignal | undefined): AsyncGenerator<StreamEvent> {
    const texts = gen.outputs.map(() => "");
    let last = Date.now();
    for (const ev of gen.steps()) {
      if (signal?.aborted) throw new T1Error("INTERNAL", "generation aborted");
      const out = gen.outputs[ev.row]!;
      let text = "";
      if (this.tokenizer) {
        const full = this.tokenizer.decode(out);
        const stable = "finishReason" in ev || !full.endsWith("\uFFFD") ? full : texts[ev.row]!;
        text = stable.startsWith(texts[ev.row]!) ? stable.slice(texts[ev.row]!.length) : stable;
        texts[ev.row] = stable;
      }
      if ("finishReason" in ev) yield { row: ev.row, text, finishReason: ev.finishReason };
      else yield { row: ev.row, token: ev.token, text };
      if (Date.now() - last > 50) {
        await new Promise((r) => setImmediate(r));
        last = Date.now();
      }
    }
  }

  /** Generates to the end and returns each prompt's output. */
  async generateText(prompts: readonly PromptInput[], opts: GenerateOptions = {}): Promise<GenerationResult[]> {
    const gen = new BatchGeneration(this.transformer, prompts.map((p) => this.toIds(p)), opts, this.stopTokenIds);
    try {
      gen.runToEnd();
      return gen.outputs.map((ids, i) => ({ ids, text: this.tokenizer ? this.tokenizer.decode(ids) : "", finishReason: gen.finish[i]! }));
    } finally {
      gen.cache.free();
    }
  }

  /**
   * The T1 query encoder: generates from each prompt, then appends `<emb_token>` to the SAME KV
   * cache (prompt + output, stop token excluded) and returns its final-norm hidden state — no
   * second prefill. Streams with `onToken`; an aborted `signal` rejects between steps.
   */
  async generateThenEmbed(prompts: readonly PromptInput[], opts: StreamingOptions = {}): Promise<GenerateThenEmbedResult[]> {
    const emb = this.requireEmbTokenId();
    const t0 = performance.now();
    const gen = new BatchGeneration(this.transformer, prompts.map((p) => this.toIds(p)), opts, this.stopTokenIds, 1);
    try {
      for await (const ev of this.stream(gen, opts.signal)) if (ev.text && opts.onToken) opts.onToken(ev.row, ev.text);
      const t1 = performance.now();
      const embTok = [emb];
      const r = this.transformer.forward(gen.cache, prompts.map((_, row) => ({ row, tokens: embTok })), { logits: "none" });
      const timings = { generateMs: t1 - t0, embedMs: performance.now() - t1 };
      const C = this.hiddenSize;
      return gen.outputs.map((ids, i) => ({
        ids,
        text: this.tokenizer ? this.tokenizer.decode(ids) : "",
        finishReason: gen.finish[i]!,
        embedding: r.hidden.slice(r.offsets[i]! * C, r.offsets[i]! * C + C),
        timings,
      }));
    } finally {
      gen.cache.free();
    }
  }
}

/** Loads a model directory (config.json + safetensors + tokenizer) or a .gguf file. */
export async function loadModel(dirOrFile: string, opts: LoadModelOptions = {}): Promise<Model> {
  const kernels = opts.kernels ?? getKernels();
  const mode = opts.weights ?? "auto";
  if (mode !== "auto" && mode !== "f32" && mode !== "f16") throw new T1Error("BAD_INPUT", `weights must be "auto", "f32" or "f16", got "${String(mode)}"`);
  const f16: F16Tensors = new Map();
  const half = mode === "f16" || (mode === "auto" && (await storesHalfMatrices(dirOrFile)));
  // In f16 mode a matrix is read into a temporary JS array, converted into kernel memory and
  // dropped at once, so peak memory stays near the f16 model size plus one f32 tensor.
  const ck = await loadCheckpoint(
    dirOrFile,
    (n, name) => (half && name !== undefined && isMatrixName(name) ? new Float32Array(n) : kernels.alloc(n)),
    half
      ? {
          keep: (name, t) => {
            if (!isMatrixName(name) || t.shape.length !== 2) return true;
            const h = kernels.allocU16(t.data.length);
            f32ArrayToF16(t.data, h);
            kernels.free(t.data);
            f16.set(name, { shape: t.shape, data: h });
            return false;
          },
        }
      : {},
  );
  if (opts.chatTemplate !== undefined) ck.tokenizerConfig = { ...(ck.tokenizerConfig ?? {}), chat_template: opts.chatTemplate };
  return modelFromCheckpoint(ck, { kernels, f16, ownsWeights: true });
}

/**
 * A Model over tensors already in memory (e.g. the weights a training loop is updating: the
 * transformer reads the same arrays, so generation always sees the current values). Tensors
 * should come from `kernels.alloc`, or every matmul copies them. `ownsWeights` (default false)
 * lets `dispose()` free them.
 */
export function modelFromCheckpoint(
  ck: Checkpoint,
  opts: { kernels?: Kernels; f16?: F16Tensors; ownsWeights?: boolean } = {},
): Model {
  const kernels = opts.kernels ?? getKernels();
  const f16 = opts.f16 ?? new Map();
  const transformer = new Transformer(ck.config, ck.tensors, kernels, f16);
  const tokenizer = ck.tokenizerJson ? new TextTokenizer(ck.tokenizerJson, ck.tokenizerConfig ?? {}, ck.source) : undefined;
  const stops = new Set<number>(ck.config.eosTokenIds);
  const gen = ck.generationConfig?.eos_token_id;
  if (typeof gen === "number") stops.add(gen);
  else if (Array.isArray(gen)) for (const id of gen) if (typeof id === "number") stops.add(id);
  if (tokenizer?.eosToken !== undefined) {
    const id = tokenizer.tokenId(tokenizer.eosToken);
    if (id !== undefined) stops.add(id);
  }
  const weights: (Float32Array | Uint16Array)[] = [];
  if (opts.ownsWeights) {
    for (const t of ck.tensors.values()) weights.push(t.data);
    for (const t of f16.values()) weights.push(t.data);
  }
  return new Model(ck.config, transformer, tokenizer, [...stops].sort((a, b) => a - b), ck.source, weights);
}
