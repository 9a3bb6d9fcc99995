/**
 * What one request may ask of the model. The policy, the same for queries, documents, completions
 * and /v1/embeddings: token counts are checked before any model work, and a request that does not
 * fit is refused with a 400 that names the limit and the flag that sets it. Nothing is cut silently
 * (the one cut is `t1_document.max_length`, which the client asks for by name: T1's document format).
 *
 * Why these bounds: every sequence's KV cache and attention scratch live in the engine's wasm
 * memory, which grows to the largest request ever served and is never handed back to the OS. So a
 * sequence may never hold more than `context` tokens, and one request's sequences together never
 * more than `batchTokens`: the heap then peaks at what a full batch of contexts needs, whatever the
 * clients send.
 */
import type { T1Backend } from "../backends/types.js";
import { NativeBackend } from "../backends/native.js";
import { HttpError } from "./http.js";

export interface TokenLimitOptions {
  /** Longest sequence (prompt + generated + `<emb_token>`) in tokens, capped by the model's own
   * context. Default 4096: longer inputs cost quadratic attention time and KV memory. */
  maxContextTokens?: number;
  /** Most new tokens a request may generate (`max_tokens`, `max_reasoning_tokens`). Default 1024:
   * reasoning past this rarely helps retrieval and holds the one model for everyone else. */
  maxNewTokens?: number;
  /** Most tokens of all sequences of one request together (prompts × rows, embedding inputs).
   * Default 16384 (four full contexts): bounds the KV cache of a batched request. */
  maxBatchTokens?: number;
}

/** The model's context length where the backend exposes it (native: max_position_embeddings). */
export function modelContextTokens(backend: T1Backend): number | undefined {
  if (backend instanceof NativeBackend) return backend.model.config.maxPositions;
  // llama.cpp refuses sequences beyond its own context (4096 by default) with a BAD_INPUT error.
  return undefined;
}

/**
 * Most characters one token of this model can stand for: a byte-level token's vocabulary string
 * has one character per byte, and a byte is at most one character of text. A text longer than
 * context × this cannot fit, which is known without tokenising it (tokenising megabytes takes
 * seconds of the event loop). Backends whose vocabulary is not visible get a generous 64.
 */
export function maxCharsPerToken(backend: T1Backend): number {
  const tok = backend instanceof NativeBackend ? backend.model.tokenizer : undefined;
  if (!tok) return 64;
  let longest = 1;
  for (let id = 0, n = tok.size; id < n; id++) longest = Math.max(longest, tok.idToToken(id)?.length ?? 0);
  return longest;
}

export class TokenLimits {
  readonly context: number;
  readonly maxNewTokens: number;
  readonly batchTokens: number;
  /** Characters a text may have before it is refused untokenised (see maxCharsPerToken). */
  readonly maxChars: number;
  private readonly modelContext?: number;

  constructor(backend: T1Backend, opts: TokenLimitOptions = {}) {
    this.modelContext = modelContextTokens(backend);
    const server = opts.maxContextTokens ?? 4096;
    this.context = Math.min(server, this.modelContext ?? server);
    this.maxNewTokens = Math.min(opts.maxNewTokens ?? 1024, this.context - 2);
    this.batchTokens = Math.max(opts.maxBatchTokens ?? 16384, this.context);
    this.maxChars = this.context * maxCharsPerToken(backend);
    for (const [name, v] of [["maxContextTokens", this.context], ["maxNewTokens", this.maxNewTokens], ["maxBatchTokens", this.batchTokens]] as const) {
      if (!(Number.isInteger(v) && v >= 1)) throw new HttpError(500, `${name} must be a positive integer, got ${v}`, "server_error");
    }
  }

  private contextText(): string {
    return `the context of ${this.context} tokens (--max-context${this.modelContext !== undefined ? `; the model allows ${this.modelContext}` : ""})`;
  }

  /**
   * The generation budget of a request whose prompts have `promptTokens` tokens: the one asked for
   * (400 when over the server's limit or when a prompt plus it overflows the context) or, when the
   * client gave none, `dflt` lowered to what fits.
   */
  budget(field: string, requested: number | undefined, dflt: number, promptTokens: readonly number[], reserve: number): number {
    if (requested !== undefined && requested > this.maxNewTokens) {
      throw new HttpError(400, `"${field}" is ${requested}; this server generates at most ${this.maxNewTokens} tokens per request (--max-tokens-per-request)`);
    }
    const longest = Math.max(0, ...promptTokens);
    const room = this.context - longest - reserve;
    if (room < 1) {
      throw new HttpError(400, `the prompt is ${longest} tokens; with at least one new token${reserve ? " and <emb_token>" : ""} it must fit ${this.contextText()}`);
    }
    const budget = requested ?? Math.min(dflt, this.maxNewTokens, room);
    if (budget > room) {
      throw new HttpError(400, `the prompt is ${longest} tokens and "${field}" ${budget}; together${reserve ? " with <emb_token>" : ""} they must fit ${this.contextText()}`);
    }
    const total = promptTokens.reduce((a, n) => a + n + budget + reserve, 0);
    if (total > this.batchTokens) {
      throw new HttpError(400, `${promptTokens.length} prompts with "${field}" ${budget} need ${total} tokens of cache; one request may use ${this.batchTokens} (--max-batch-tokens)`);
    }
    return budget;
  }

  /** Refuses texts too long to fit the context whatever their tokens; run before tokenising them. */
  checkChars(what: string, texts: readonly string[]): void {
    texts.forEach((t, i) => {
      if (t.length > this.maxChars) {
        const name = texts.length > 1 ? `${what} ${i}` : what;
        throw new HttpError(400, `${name} is ${t.length} characters; ${this.contextText()} holds at most ${this.maxChars} characters of this model's text`);
      }
    });
  }

  /** Refuses inputs whose tokens (plus `reserve`, e.g. an appended `<emb_token>`) overflow the context. */
  checkInputs(what: string, tokens: readonly number[], reserve: number): void {
    tokens.forEach((n, i) => {
      if (n + reserve > this.context) {
        const name = tokens.length > 1 ? `${what} ${i}` : what;
        throw new HttpError(400, `${name} is ${n} tokens; ${reserve ? "with <emb_token> " : ""}it must fit ${this.contextText()}`);
      }
    });
  }
}
