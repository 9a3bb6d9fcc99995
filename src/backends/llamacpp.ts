/**
 * T1 over llama.cpp (node-llama-cpp) with a GGUF file. Token arrays are built here with special
 * tokens parsed, because node-llama-cpp's `getEmbeddingFor(string)` would tokenize `<emb_token>` as
 * text and also add BOS/EOS on its own. One context with embeddings enabled serves both generation
 * and pooling, so a query's `<emb_token>` is read from the very KV cache its reasoning was
 * generated in. The GGUF must have no pooling type (causal LMs have none): the hidden state is read
 * at the last token of the last decode, after the final norm.
 */
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { T1Error } from "../util/errors.js";
import { EMB_TOKEN, T1Inputs, readT1FormatSettings, type T1FormatSettings } from "../data/t1-format/index.js";
import { BackendFormat, FormattedBackend } from "./format.js";
import type { DocumentEmbedOptions, EmbeddedGeneration, FormatBackendOptions, Generation, GenerationOptions, T1Backend } from "./types.js";

export interface LlamaCppBackendOptions extends FormatBackendOptions {
  /** Path of the GGUF file. */
  model: string;
  /** Identity recorded in indexes. Default: the resolved GGUF path. */
  modelId?: string;
  /** "auto" (default) uses a GPU when node-llama-cpp finds one; false forces the CPU (tests). */
  gpu?: "auto" | false;
  /** CPU threads. Default: node-llama-cpp's choice (all cores); tests pass 1. */
  threads?: number;
  /** Context window in tokens. Default 4096: must hold prompt + reasoning + 1. */
  contextSize?: number;
  /** Jinja chat template used instead of the GGUF's. Default: the GGUF's tokenizer.chat_template. */
  chatTemplate?: string;
}

/** The internal handle node-llama-cpp keeps for the native context (`getEmbedding` lives there). */
interface ContextInternals {
  _ctx: { getEmbedding(inputTokensLength: number): Float64Array };
}

export class LlamaCppBackend extends FormattedBackend implements T1Backend {
  readonly kind = "llamacpp" as const;
  readonly dims: number;
  private readonly embId: Token;
  private readonly inputs: T1Inputs;
  protected readonly fmt: BackendFormat;
  /** Stop tokens of the format settings, on top of the model's end-of-generation tokens. */
  private readonly extraStops: Set<Token>;
  private busy: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly modelId: string,
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly seq: LlamaContextSequence,
    opts: LlamaCppBackendOptions,
    saved: T1FormatSettings | undefined,
  ) {
    super();
    this.dims = model.embeddingVectorSize;
    const emb = model.tokenize(EMB_TOKEN, true);
    if (emb.length !== 1) throw new T1Error("UNSUPPORTED", `${modelId}: the vocabulary has no ${EMB_TOKEN} token (T1 models add it)`);
    this.embId = emb[0];
    const meta = model.fileInfo.metadata as { tokenizer?: { chat_template?: string } };
    const tokens = model.tokens;
    const bos = tokens.shouldPrependBosToken && tokens.bos !== null ? tokens.bos : undefined;
    this.inputs = new T1Inputs({ tokenize: (t) => model.tokenize(t, true), bosId: bos, embId: this.embId });
    this.fmt = new BackendFormat(
      modelId,
      { template: meta.tokenizer?.chat_template ?? "", bosToken: tokens.bosString ?? undefined, eosToken: tokens.eosString ?? undefined },
      saved,
      opts,
    );
    this.extraStops = new Set(
      (this.fmt.settings.stopTokens ?? []).map((s) => {
        const t = model.tokenize(s, true);
        if (t.length !== 1) throw new T1Error("BAD_INPUT", `${modelId}: stop token ${JSON.stringify(s)} is not one token of the vocabulary`);
        return t[0]!;
      }),
    );
  }

  static async open(opts: LlamaCppBackendOptions): Promise<LlamaCppBackend> {
    const path = resolve(opts.model);
    if (!existsSync(path)) throw new T1Error("NOT_FOUND", `GGUF file not found: ${path}`);
    let mod: typeof import("node-llama-cpp");
    try {
      mod = await import("node-llama-cpp");
    } catch (e) {
      throw new T1Error("DEPENDENCY", `the llamacpp backend needs the optional dependency node-llama-cpp (npm i node-llama-cpp): ${(e as Error).message}`, {
        cause: e,
      });
    }
    const llama = await mod.getLlama({ gpu: opts.gpu ?? "auto", logLevel: mod.LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: path });
    // getEmbedding reads the last decoded position only without pooling (or with "last" pooling).
    const pooling = (model.fileInfo.architectureMetadata as { pooling_type?: number }).pooling_type;
    if (pooling !== undefined && pooling !== -1 && pooling !== 0 && pooling !== 3) {
      await model.dispose();
      await llama.dispose();
      throw new T1Error("UNSUPPORTED", `${path} declares pooling type ${pooling}; T1 reads the <emb_token> hidden state, which needs pooling none or last`);
    }
    // `_embeddings` is node-llama-cpp's internal switch for an embedding-enabled context; its public
    // embedding context cannot sample, and T1 needs both from one KV cache.
    const context = await (model.createContext as (o: Record<string, unknown>) => Promise<LlamaContext>)({
      contextSize: opts.contextSize ?? 4096,
      threads: opts.threads,
      sequences: 1,
      _embeddings: true,
    });
    return new LlamaCppBackend(opts.modelId ?? path, llama, model, context, context.getSequence(), opts, readT1FormatSettings(path));
  }

  async embedTokenIds(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const vocab = this.vocabSize();
    for (const row of ids) {
      const t = row.map((x) => {
        if (!Number.isInteger(x) || x < 0 || x >= vocab) throw new T1Error("BAD_INPUT", `token id ${x} is outside the vocabulary (0..${vocab - 1})`);
        return x as Token;
      });
      out.push(await this.embedTokens(this.inputs.uptoEmb(t) as Token[]));
    }
    return out;
  }

  async embedParts(inputs: readonly (readonly string[])[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const parts of inputs) out.push(await this.embedTokens([...this.inputs.parts(parts), this.embId] as Token[]));
    return out;
  }

  private vocabSize(): number {
    const meta = this.model.fileInfo.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } };
    return meta.tokenizer?.ggml?.tokens?.length ?? 0;
  }

  async countTokens(texts: readonly string[]): Promise<number[]> {
    return texts.map((t) => this.inputs.text(t).length);
  }

  async embedDocuments(texts: readonly string[], opts: DocumentEmbedOptions): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) out.push(await this.embedTokens(this.inputs.document(opts.instruction, text, opts.maxLength) as Token[]));
    return out;
  }

  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const text of texts) out.push(await this.embedTokens(this.inputs.uptoEmb(this.inputs.text(text)) as Token[]));
    return out;
  }

  async generate(prompts: readonly string[], opts: GenerationOptions): Promise<Generation[]> {
    const out: Generation[] = [];
    for (let i = 0; i < prompts.length; i++) out.push((await this.generateOne(i, prompts[i], opts, false)).gen);
    return out;
  }

  async generateAndEmbed(prompts: readonly string[], opts: GenerationOptions): Promise<EmbeddedGeneration[]> {
    const out: EmbeddedGeneration[] = [];
    for (let i = 0; i < prompts.length; i++) {
      const r = await this.generateOne(i, prompts[i], opts, true);
      out.push({ ...r.gen, vector: r.vector!, timings: r.timings });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  /** Runs `fn` alone: the single sequence is shared by every call. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.busy.then(fn, fn);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private embedTokens(tokens: Token[]): Promise<Float32Array> {
    return this.exclusive(async () => {
      if (tokens.length >= this.context.contextSize) {
        throw new T1Error("BAD_INPUT", `${tokens.length} tokens do not fit the llama.cpp context of ${this.context.contextSize}`);
      }
      await this.seq.clearHistory();
      return this.evaluateAndPool(tokens);
    });
  }

  /** Feeds tokens without sampling and returns the hidden state of the last one. */
  private async evaluateAndPool(tokens: Token[]): Promise<Float32Array> {
    for await (const _ of this.seq.evaluate(tokens, { _noSampling: true } as Parameters<LlamaContextSequence["evaluate"]>[1])) break;
    return Float32Array.from((this.context as unknown as ContextInternals)._ctx.getEmbedding(1));
  }

  private generateOne(
    index: number,
    prompt: string,
    opts: GenerationOptions,
    embed: boolean,
  ): Promise<{ gen: Generation; vector?: Float32Array; timings: { generateMs: number; embedMs: number } }> {
    return this.exclusive(async () => {
      const t0 = performance.now();
      const promptTokens = this.inputs.text(prompt) as Token[];
      if (promptTokens.length + opts.maxTokens + 1 > this.context.contextSize) {
        throw new T1Error("BAD_INPUT", `prompt (${promptTokens.length} tokens) + maxTokens (${opts.maxTokens}) exceed the context of ${this.context.contextSize}`);
      }
      await this.seq.clearHistory();
      const generated: Token[] = [];
      let finishReason: Generation["finishReason"] = "length";
      let emitted = "";
      const temperature = opts.temperature ?? 0;
      const iter = this.seq.evaluate(promptTokens, {
        temperature,
        topK: opts.topK && opts.topK > 0 ? opts.topK : undefined,
        topP: opts.topP !== undefined && opts.topP < 1 ? opts.topP : undefined,
        seed: temperature > 0 ? (opts.seed ?? 0) : undefined,
      });
      if (opts.maxTokens > 0) {
        for await (const tok of iter) {
          if (opts.signal?.aborted) break;
          if (this.model.isEogToken(tok) || this.extraStops.has(tok)) {
            finishReason = "stop";
            break;
          }
          generated.push(tok);
          if (opts.onToken) {
            const text = this.model.detokenize(generated);
            // Emit only whole characters: a multi-byte character may span tokens.
            if (!text.endsWith("\uFFFD") && text.length > emitted.length) {
              opts.onToken(index, text.slice(emitted.length));
              emitted = text;
            }
          }
          if (generated.length >= opts.maxTokens) break;
        }
      }
      const text = this.model.detokenize(generated);
      if (opts.onToken && text.length > emitted.length) opts.onToken(index, text.slice(emitted.length));
      const t1 = performance.now();
      let vector: Float32Array | undefined;
      if (embed) {
        // The last sampled token has not been fed yet: feed what the cache lacks, then <emb_token>.
        const all = [...promptTokens, ...generated];
        const fed = this.seq.contextTokens.length;
        vector = await this.evaluateAndPool([...all.slice(fed), this.embId]);
      }
      return {
        gen: { text, tokens: generated.length, finishReason },
        vector,
        timings: { generateMs: t1 - t0, embedMs: performance.now() - t1 },
      };
    });
  }
}
