/**
 * T1 over any OpenAI-compatible server: reasoning from /v1/completions (raw prompt, the default) or
 * /v1/chat/completions, vectors from /v1/embeddings with `<emb_token>` written into the text (the
 * server must parse special tokens in embedding inputs, as `t1 serve` and llama.cpp's server do).
 *
 * Prompts are rendered on the client with the model's own chat template: the `chatTemplate` option
 * (`--chat-template FILE`), else the template a t1 server announces in /v1/models (`t1.chat_template`);
 * without either, building a query prompt is the same error as on the local backends. The model's
 * T1 format settings come the same way (`t1.format`, the server's t1_format.json).
 *
 * Against a t1 server (`owned_by: "t1"` in /v1/models) it uses the t1 extensions: documents are
 * cut by tokens server-side exactly like the local backends, token counts are real, queries without
 * or with external reasoning are tokenised in parts server-side (`t1_parts`), and a query's vector
 * comes from the KV cache its reasoning was generated in. Against other servers a query is
 * generated, then re-embedded in a second request (prompt and reasoning joined into one text);
 * document lengths are estimated at 4 characters per token.
 */
import { T1Error } from "../util/errors.js";
import { EMB_TOKEN, parseT1FormatSettings, type ChatMessage, type ChatTemplateSpec } from "../data/t1-format/index.js";
import { BackendFormat, FormattedBackend } from "./format.js";
import { HttpClient, type HttpClientOptions } from "./http-client.js";
import type { DocumentEmbedOptions, EmbeddedGeneration, FormatBackendOptions, Generation, GenerationOptions, PromptOptions, T1Backend } from "./types.js";

export interface RemoteBackendOptions extends HttpClientOptions, FormatBackendOptions {
  /** Server base URL, with or without the trailing /v1 (e.g. http://127.0.0.1:8080). */
  url: string;
  /** Model name sent in requests. Default: the first model of /v1/models. */
  model?: string;
  /** Where reasoning comes from. Default "completions" (raw prompt, exact template); "chat" lets the server apply its template. */
  reasoningEndpoint?: "completions" | "chat";
  /** Inputs per /v1/embeddings request. Default 32: fewer requests vs. longer ones. */
  embedBatch?: number;
  /** Use the t1 extensions when the server announces them ("auto", default) or never (false: plain OpenAI API). */
  extensions?: "auto" | false;
}

/** A model entry of /v1/models; `t1` is what a t1 server announces about it. */
interface ModelEntry {
  id: string;
  owned_by?: string;
  t1?: { dims?: number; chat_template?: { template?: unknown; bos_token?: unknown; eos_token?: unknown }; format?: unknown };
}
interface ModelsResponse {
  data?: ModelEntry[];
}
interface EmbeddingsResponse {
  data?: { index: number; embedding: number[] | string }[];
}
interface CompletionChoice {
  index: number;
  text?: string;
  message?: { content?: string };
  delta?: { content?: string };
  finish_reason?: string | null;
  embedding?: number[];
}
interface CompletionsResponse {
  choices?: CompletionChoice[];
  usage?: { completion_tokens?: number };
}

export class RemoteBackend extends FormattedBackend implements T1Backend {
  readonly kind = "remote" as const;
  protected readonly fmt: BackendFormat;
  /** Prompts this backend built from a user message, so the "chat" endpoint can send the message itself. */
  private readonly promptMessages = new Map<string, ChatMessage[]>();

  private constructor(
    private readonly http: HttpClient,
    readonly modelId: string,
    readonly dims: number,
    /** The server speaks the t1 extensions. */
    readonly t1Server: boolean,
    private readonly opts: RemoteBackendOptions,
    entry: ModelEntry | undefined,
  ) {
    super();
    const where = `${http.base}/models`;
    const ct = entry?.t1?.chat_template;
    const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
    const announced: ChatTemplateSpec | undefined = ct ? { template: str(ct.template) ?? "", bosToken: str(ct.bos_token), eosToken: str(ct.eos_token) } : undefined;
    const saved = entry?.t1?.format !== undefined ? parseT1FormatSettings(entry.t1.format, `${where} (t1.format of ${modelId})`) : undefined;
    this.fmt = new BackendFormat(modelId, announced, saved, opts);
  }

  static async open(opts: RemoteBackendOptions): Promise<RemoteBackend> {
    const http = new HttpClient(opts.url.replace(/\/+$/, "").replace(/\/v1$/, "") + "/v1", opts);
    const models = await http.getJson<ModelsResponse>("/models");
    const list = models.data ?? [];
    const entry = opts.model ? list.find((m) => m.id === opts.model) : list[0];
    if (!entry && !opts.model) throw new T1Error("REMOTE", `${http.base}/models lists no models`);
    const modelId = entry?.id ?? opts.model!;
    const t1Server = entry?.owned_by === "t1" && opts.extensions !== false;
    let dims = entry?.t1?.dims;
    const backend = new RemoteBackend(http, modelId, dims ?? 0, t1Server, opts, entry);
    if (!dims) {
      const [probe] = await backend.embedTexts(["dimension probe" + EMB_TOKEN]);
      dims = probe.length;
      return new RemoteBackend(http, modelId, dims, t1Server, opts, entry);
    }
    return backend;
  }

  /** The HTTP client's concurrency limit: callers may keep this many calls in flight. */
  get maxConcurrentRequests(): number {
    return this.http.concurrency;
  }

  override chatMessagesPrompt(messages: readonly ChatMessage[], opts?: PromptOptions): string {
    const prompt = super.chatMessagesPrompt(messages, opts);
    if (this.opts.reasoningEndpoint === "chat") this.promptMessages.set(prompt, [...messages]);
    return prompt;
  }

  async countTokens(texts: readonly string[]): Promise<number[]> {
    if (this.t1Server) return (await this.http.postJson<{ counts: number[] }>("/t1/token_counts", { texts })).counts;
    return texts.map((t) => Math.ceil(t.length / 4));
  }

  async embedDocuments(texts: readonly string[], opts: DocumentEmbedOptions): Promise<Float32Array[]> {
    if (this.t1Server) {
      return this.embedInputs(texts, { t1_document: { instruction: opts.instruction, max_length: opts.maxLength } });
    }
    // Without a tokenizer the cut is by an estimate of 4 characters per token.
    return this.embedInputs(texts.map((t) => (opts.instruction + t).slice(0, opts.maxLength * 4) + EMB_TOKEN));
  }

  embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedInputs(texts.map((t) => (t.endsWith(EMB_TOKEN) ? t : t + EMB_TOKEN)));
  }

  embedTokenIds(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    return this.embedInputs(ids);
  }

  embedParts(inputs: readonly (readonly string[])[]): Promise<Float32Array[]> {
    if (this.t1Server) return this.embedInputs(inputs, { t1_parts: true });
    // A plain server tokenises one string: the parts are joined (token boundaries may differ).
    return this.embedTexts(inputs.map((parts) => parts.join("") + EMB_TOKEN));
  }

  async generate(prompts: readonly string[], opts: GenerationOptions): Promise<Generation[]> {
    return Promise.all(prompts.map((p, i) => this.generateOne(i, p, opts, false).then((r) => r.gen)));
  }

  async generateAndEmbed(prompts: readonly string[], opts: GenerationOptions): Promise<EmbeddedGeneration[]> {
    return Promise.all(
      prompts.map(async (p, i) => {
        const t0 = performance.now();
        const r = await this.generateOne(i, p, opts, this.t1Server && this.opts.reasoningEndpoint !== "chat" && !opts.onToken);
        const t1 = performance.now();
        const vector = r.vector ?? (await this.embedParts([[p, r.gen.text]]))[0];
        return { ...r.gen, vector, timings: { generateMs: t1 - t0, embedMs: performance.now() - t1 } };
      }),
    );
  }

  async close(): Promise<void> {
    this.promptMessages.clear();
  }

  private async embedInputs(inputs: readonly (string | readonly number[] | readonly string[])[], extra: Record<string, unknown> = {}): Promise<Float32Array[]> {
    const batch = this.opts.embedBatch ?? 32;
    const chunks: (string | readonly number[] | readonly string[])[][] = [];
    for (let i = 0; i < inputs.length; i += batch) chunks.push(inputs.slice(i, i + batch));
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const r = await this.http.postJson<EmbeddingsResponse>("/embeddings", { model: this.modelId, input: chunk, encoding_format: "base64", ...extra });
        const data = r.data;
        if (!Array.isArray(data) || data.length !== chunk.length) {
          throw new T1Error("REMOTE", `${this.http.base}/embeddings returned ${Array.isArray(data) ? data.length : "no"} embeddings for ${chunk.length} inputs`);
        }
        const out: Float32Array[] = new Array(chunk.length);
        for (const d of data) {
          const ok = Number.isInteger(d?.index) && d.index >= 0 && d.index < chunk.length && (typeof d.embedding === "string" || Array.isArray(d.embedding));
          if (!ok) throw new T1Error("REMOTE", `${this.http.base}/embeddings returned a malformed item (expected { index, embedding })`);
          out[d.index] = decodeEmbedding(d.embedding);
        }
        if (out.some((v) => v === undefined || v.length === 0 || (this.dims > 0 && v.length !== this.dims))) {
          throw new T1Error("REMOTE", `${this.http.base}/embeddings returned missing or wrongly sized embeddings (expected ${this.dims || "non-empty"})`);
        }
        return out;
      }),
    );
    return results.flat();
  }

  private async generateOne(
    index: number,
    prompt: string,
    opts: GenerationOptions,
    embed: boolean,
  ): Promise<{ gen: Generation; vector?: Float32Array }> {
    const messages = this.opts.reasoningEndpoint === "chat" ? this.promptMessages.get(prompt) : undefined;
    if (this.opts.reasoningEndpoint === "chat" && !messages) {
      throw new T1Error("BAD_INPUT", `reasoningEndpoint "chat" needs prompts built by this backend's chatPrompt()`);
    }
    const body: Record<string, unknown> = {
      model: this.modelId,
      max_tokens: opts.maxTokens,
      temperature: opts.temperature ?? 0,
      ...(opts.topP !== undefined && opts.topP < 1 ? { top_p: opts.topP } : {}),
      ...(opts.topK ? { top_k: opts.topK } : {}),
      seed: opts.seed ?? 0,
      ...(this.format.stopTokens ? { stop: this.format.stopTokens } : {}),
      ...(messages ? { messages } : { prompt }),
      ...(embed ? { t1_embed: true } : {}),
    };
    const path = messages ? "/chat/completions" : "/completions";
    if (opts.onToken) {
      let text = "";
      let pieces = 0;
      let finish: string | null | undefined;
      await this.http.postStream(path, { ...body, stream: true }, (event) => {
        const c = (event as CompletionsResponse).choices?.[0];
        const piece = c?.text ?? c?.delta?.content ?? "";
        if (piece) {
          text += piece;
          pieces++;
          opts.onToken!(index, piece);
        }
        if (c?.finish_reason) finish = c.finish_reason;
      }, opts.signal);
      // Streams carry no usage: each event is one generated token (pieces of one character excepted).
      return { gen: { text, tokens: pieces, finishReason: finish === "length" ? "length" : "stop" } };
    }
    const r = await this.http.postJson<CompletionsResponse>(path, body, opts.signal);
    const c = r.choices?.[0];
    if (!c) throw new T1Error("REMOTE", `${this.http.base}${path} returned no choices`);
    const text = c.text ?? c.message?.content ?? "";
    return {
      gen: { text, tokens: r.usage?.completion_tokens ?? 0, finishReason: c.finish_reason === "length" ? "length" : "stop" },
      vector: c.embedding ? Float32Array.from(c.embedding) : undefined,
    };
  }
}

function decodeEmbedding(e: number[] | string): Float32Array {
  if (typeof e === "string") {
    const b = Buffer.from(e, "base64");
    const out = new Float32Array(b.length / 4);
    new Uint8Array(out.buffer).set(b);
    return out;
  }
  return Float32Array.from(e);
}
