/**
 * T1 over the native TypeScript engine (src/engine): packed-batch prefill for documents, batched
 * generation for queries with `<emb_token>` appended to the same KV cache.
 */
import { resolve } from "node:path";
import { loadModel, type Model } from "../engine/model.js";
import { BatchGeneration } from "../engine/generate.js";
import type { Kernels } from "../engine/kernels/types.js";
import { T1Error } from "../util/errors.js";
import type {
  ChatMessage,
  DocumentEmbedOptions,
  EmbeddedGeneration,
  Generation,
  GenerationOptions,
  T1Backend,
} from "./types.js";

export interface NativeBackendOptions {
  /** Model directory (Hugging Face layout) or .gguf file. */
  model: string;
  /** Identity recorded in indexes. Default: the resolved model path. */
  modelId?: string;
  /** Compute kernels. Default: the engine's shared `getKernels()`. */
  kernels?: Kernels;
  /** Tokens per document prefill pass. Default 2048: larger passes use the matmul better, need more memory. */
  batchTokens?: number;
  /** Passed to chat templates that read it (Qwen3: false pre-fills an empty think block). Default: unset. */
  enableThinking?: boolean;
  /** Jinja chat template used instead of the model's (a model saved without one). Default: the model's. */
  chatTemplate?: string;
}

export class NativeBackend implements T1Backend {
  readonly kind = "native" as const;
  readonly dims: number;
  private readonly embId: number;
  private readonly bosId?: number;

  private constructor(
    readonly modelId: string,
    readonly model: Model,
    private readonly opts: NativeBackendOptions,
  ) {
    this.dims = model.hiddenSize;
    this.embId = model.requireEmbTokenId();
    const bos = model.requireTokenizer().bosToken;
    this.bosId = bos !== undefined ? model.requireTokenizer().tokenId(bos) : undefined;
  }

  static async open(opts: NativeBackendOptions): Promise<NativeBackend> {
    const path = resolve(opts.model);
    const model = await loadModel(path, { kernels: opts.kernels, chatTemplate: opts.chatTemplate });
    return new NativeBackend(opts.modelId ?? path, model, opts);
  }

  chatPrompt(userMessage: string): string {
    return this.chatMessagesPrompt([{ role: "user", content: userMessage }]);
  }

  chatMessagesPrompt(messages: readonly ChatMessage[]): string {
    const extra = this.opts.enableThinking !== undefined ? { enable_thinking: this.opts.enableThinking } : undefined;
    return this.model.requireTokenizer().applyChatTemplate(messages, { extra });
  }

  async countTokens(texts: readonly string[]): Promise<number[]> {
    return texts.map((t) => this.promptIds(t).length);
  }

  /** Ids of a text with special tokens parsed; the tokenizer's own BOS once (templates may write it too). */
  private promptIds(text: string): number[] {
    const ids = this.model.encode(text);
    if (this.bosId !== undefined && ids.length > 1 && ids[0] === this.bosId && ids[1] === this.bosId) ids.shift();
    return ids;
  }

  async embedDocuments(texts: readonly string[], opts: DocumentEmbedOptions): Promise<Float32Array[]> {
    const ids = texts.map((t) => {
      const s = this.promptIds(opts.instruction + t);
      return [...s.slice(0, opts.maxLength), this.embId];
    });
    return this.model.embed(ids, { batchTokens: this.opts.batchTokens });
  }

  embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedTokenIds(texts.map((t) => this.promptIds(t)));
  }

  embedTokenIds(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const V = this.model.vocabSize;
    const rows = ids.map((row) => {
      for (const x of row) if (!Number.isInteger(x) || x < 0 || x >= V) throw new T1Error("BAD_INPUT", `token id ${x} is outside the vocabulary (0..${V - 1})`);
      const last = row.lastIndexOf(this.embId);
      return last >= 0 ? row.slice(0, last + 1) : [...row, this.embId];
    });
    return this.model.embed(rows, { batchTokens: this.opts.batchTokens });
  }

  async generate(prompts: readonly string[], opts: GenerationOptions): Promise<Generation[]> {
    return (await this.run(prompts, opts, false)).map(({ gen }) => gen);
  }

  async generateAndEmbed(prompts: readonly string[], opts: GenerationOptions): Promise<EmbeddedGeneration[]> {
    return (await this.run(prompts, opts, true)).map(({ gen, vector, timings }) => ({ ...gen, vector: vector!, timings }));
  }

  async close(): Promise<void> {
    /* weights stay in kernel memory for the process: the engine exposes no unload yet */
  }

  /**
   * Batched generation with streaming; with `embed`, `<emb_token>` goes into the same cache after
   * the output (the stop token is never fed), as Model.generateThenEmbed does, timed separately.
   */
  private async run(
    prompts: readonly string[],
    opts: GenerationOptions,
    embed: boolean,
  ): Promise<{ gen: Generation; vector?: Float32Array; timings: { generateMs: number; embedMs: number } }[]> {
    const t0 = performance.now();
    const ids = prompts.map((p) => this.promptIds(p));
    const tf = this.model.transformer;
    const gen = new BatchGeneration(
      tf,
      ids,
      { maxTokens: opts.maxTokens, temperature: opts.temperature, topK: opts.topK, topP: opts.topP, seed: opts.seed },
      this.model.stopTokenIds,
      embed ? 1 : 0,
    );
    try {
      const shown = prompts.map(() => "");
      let last = Date.now();
      for (const ev of gen.steps()) {
        if (opts.signal?.aborted) throw new T1Error("INTERNAL", "generation aborted");
        if (opts.onToken) {
          const full = this.model.decode(gen.outputs[ev.row]!);
          const stable = "finishReason" in ev || !full.endsWith("\uFFFD") ? full : shown[ev.row]!;
          if (stable.length > shown[ev.row]!.length && stable.startsWith(shown[ev.row]!)) {
            opts.onToken(ev.row, stable.slice(shown[ev.row]!.length));
            shown[ev.row] = stable;
          }
        }
        // Yield to the event loop now and then so a server stays responsive during long generations.
        if (Date.now() - last > 50) {
          await new Promise((r) => setImmediate(r));
          last = Date.now();
        }
      }
      const t1 = performance.now();
      let hidden: Float32Array | undefined;
      let offsets: ArrayLike<number> | undefined;
      if (embed) {
        const embTok = [this.embId];
        const r = tf.forward(gen.cache, prompts.map((_, row) => ({ row, tokens: embTok })), { logits: "none" });
        hidden = r.hidden;
        offsets = r.offsets;
      }
      const t2 = performance.now();
      const C = this.dims;
      return gen.outputs.map((out, i) => ({
        gen: { text: this.model.decode(out), tokens: out.length, finishReason: gen.finish[i] ?? "length" },
        vector: hidden ? hidden.slice(offsets![i]! * C, offsets![i]! * C + C) : undefined,
        timings: { generateMs: (t1 - t0) / prompts.length, embedMs: (t2 - t1) / prompts.length },
      }));
    } finally {
      gen.cache.free();
    }
  }
}
