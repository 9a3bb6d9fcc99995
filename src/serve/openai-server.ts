/**
 * A minimal OpenAI-compatible HTTP server over any T1 backend (the native engine by default in
 * `t1 serve`): /v1/models, /v1/completions, /v1/chat/completions (both with SSE streaming) and
 * /v1/embeddings (strings with special tokens parsed, or token id arrays; float or base64).
 *
 * T1 extensions, announced by `owned_by: "t1"` and a `t1` object in /v1/models, and used by the
 * remote backend when present:
 * - /v1/models `t1.chat_template` ({ template, bos_token, eos_token }) and `t1.format` (the model's
 *   t1_format.json, defaults filled in): clients render prompts with the model's own template;
 * - /v1/embeddings `t1_document: { instruction, max_length }`: inputs are raw documents, embedded
 *   exactly as the local backends do (instruction + text cut to max_length tokens + <emb_token>);
 * - /v1/embeddings `t1_parts: true`: each input is an array of strings tokenised apart (prompt,
 *   then reasoning) and joined, BOS once, `<emb_token>` appended (T1Backend.embedParts);
 * - /v1/completions `t1_embed: true`: each choice also carries the `<emb_token>` vector read from the
 *   KV cache its text was generated in;
 * - /v1/t1/token_counts `{ texts }` → `{ counts }`;
 * - /v1/t1/search (when an index is served): T1 retrieval with snippets, see search-route.ts;
 *   `"stream": true` answers as Server-Sent Events (search-stream.ts);
 * - GET / (when an index is served): the search page (web/index.html).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatMessage, GenerationOptions, T1Backend } from "../backends/types.js";
import { T1Error } from "../util/errors.js";
import { t1FormatJson } from "../data/t1-format/index.js";
import type { RetrievalPipeline } from "../retrieval/pipeline.js";
import { parseSearchRequest, runSearch } from "./search-route.js";
import { streamSearch } from "./search-stream.js";
import { sendSearchPage } from "./web/page.js";

export interface OpenAIServerOptions {
  /** Interface to bind. Default "127.0.0.1" (loopback only: the API has no authentication). */
  host?: string;
  /** Port. Default 0 (any free port; read `url` after `listen`). */
  port?: number;
  /** Largest request body accepted, in bytes. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Default `max_tokens` when a request omits it. Default 256. */
  defaultMaxTokens?: number;
  /** Log one line per request to stderr. Default false. */
  log?: boolean;
  /** An index opened over the same backend, searched at /v1/t1/search. Default none (the route answers 404). */
  pipeline?: RetrievalPipeline;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
  ) {
    super(message);
  }
}

export class OpenAIServer {
  private server?: Server;
  /** Backends are not reentrant: requests run one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<Omit<OpenAIServerOptions, "pipeline">> & Pick<OpenAIServerOptions, "pipeline">;

  constructor(
    readonly backend: T1Backend,
    opts: OpenAIServerOptions = {},
  ) {
    this.opts = { host: "127.0.0.1", port: 0, maxBodyBytes: 16 << 20, defaultMaxTokens: 256, log: false, ...opts };
  }

  /** Starts listening; resolves with the base URL (e.g. http://127.0.0.1:41234). */
  async listen(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new T1Error("INTERNAL", "server is not listening");
    const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.server = undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (req.method === "GET" && (path === "/v1/models" || path === "/models")) return json(res, 200, this.models());
      if (req.method === "GET" && path === "/health") return json(res, 200, { status: "ok" });
      if (req.method === "GET" && (path === "/" || path === "/index.html") && this.opts.pipeline) return sendSearchPage(res);
      if (req.method !== "POST") throw new HttpError(404, `no route ${req.method} ${path}`, "not_found");
      const body = await readJson(req, this.opts.maxBodyBytes);
      const abort = new AbortController();
      res.on("close", () => abort.abort());
      switch (path.replace(/^\/v1/, "")) {
        case "/embeddings":
          return json(res, 200, await this.serial(() => this.embeddings(body)));
        case "/completions":
          return await this.completions(body, res, abort.signal, false);
        case "/chat/completions":
          return await this.completions(body, res, abort.signal, true);
        case "/t1/token_counts": {
          const texts = body.texts;
          if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) throw new HttpError(400, `"texts" must be an array of strings`);
          return json(res, 200, { counts: await this.serial(() => this.backend.countTokens(texts as string[])) });
        }
        case "/t1/search": {
          const pipeline = this.opts.pipeline;
          if (!pipeline) throw new HttpError(404, `no index is served here (start t1 serve with --index IDX)`, "not_found");
          const request = parseSearchRequest(body);
          if (body.stream === true) return await streamSearch(pipeline, request, res, abort.signal, (fn) => this.serial(fn));
          return json(res, 200, await this.serial(() => runSearch(pipeline, request)));
        }
        default:
          throw new HttpError(404, `no route POST ${path}`, "not_found");
      }
    } catch (e) {
      const status = e instanceof HttpError ? e.status : e instanceof T1Error && e.code === "BAD_INPUT" ? 400 : 500;
      const type = e instanceof HttpError ? e.type : status === 400 ? "invalid_request_error" : "server_error";
      if (!res.headersSent) json(res, status, { error: { message: (e as Error).message, type, code: status } });
      else res.end();
    } finally {
      if (this.opts.log) process.stderr.write(`${req.method} ${path} ${res.statusCode} ${(performance.now() - t0).toFixed(0)}ms\n`);
    }
  }

  private models(): unknown {
    const b = this.backend;
    return {
      object: "list",
      data: [
        {
          id: b.modelId,
          object: "model",
          created: 0,
          owned_by: "t1",
          t1: {
            dims: b.dims,
            backend: b.kind,
            format: t1FormatJson(b.format),
            ...(b.chatTemplate ? { chat_template: { template: b.chatTemplate.template, bos_token: b.chatTemplate.bosToken, eos_token: b.chatTemplate.eosToken } } : {}),
            ...(this.opts.pipeline ? { index: { documents: this.opts.pipeline.index.size } } : {}),
          },
        },
      ],
    };
  }

  private async embeddings(body: Record<string, unknown>): Promise<unknown> {
    const input = body.input;
    const format = body.encoding_format ?? "float";
    if (format !== "float" && format !== "base64") throw new HttpError(400, `encoding_format must be "float" or "base64"`);
    let vectors: Float32Array[];
    let tokens = 0;
    const doc = body.t1_document as { instruction?: unknown; max_length?: unknown } | undefined;
    if (body.t1_parts === true) {
      if (!Array.isArray(input) || input.length === 0 || !input.every((r) => Array.isArray(r) && r.every((x) => typeof x === "string"))) {
        throw new HttpError(400, `with t1_parts, "input" must be a non-empty array of arrays of strings`);
      }
      vectors = await this.backend.embedParts(input as string[][]);
      tokens = (await this.backend.countTokens((input as string[][]).map((r) => r.join("")))).reduce((a, b) => a + b, 0);
    } else if (typeof input === "string" || (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === "string"))) {
      const texts = typeof input === "string" ? [input] : (input as string[]);
      if (doc !== undefined) {
        if (typeof doc.instruction !== "string" || !Number.isInteger(doc.max_length) || (doc.max_length as number) < 1) {
          throw new HttpError(400, `t1_document needs { instruction: string, max_length: positive integer }`);
        }
        vectors = await this.backend.embedDocuments(texts, { instruction: doc.instruction, maxLength: doc.max_length as number });
      } else vectors = await this.backend.embedTexts(texts);
      tokens = (await this.backend.countTokens(texts)).reduce((a, b) => a + b, 0);
    } else if (Array.isArray(input) && input.length > 0 && input.every((x) => Number.isInteger(x))) {
      vectors = await this.backend.embedTokenIds([input as number[]]);
      tokens = input.length;
    } else if (Array.isArray(input) && input.length > 0 && input.every((r) => Array.isArray(r) && r.length > 0 && r.every((x) => Number.isInteger(x)))) {
      vectors = await this.backend.embedTokenIds(input as number[][]);
      tokens = (input as number[][]).reduce((a, r) => a + r.length, 0);
    } else {
      throw new HttpError(400, `"input" must be a string, an array of strings, an array of token ids or an array of such arrays (non-empty)`);
    }
    return {
      object: "list",
      model: this.backend.modelId,
      data: vectors.map((v, index) => ({
        object: "embedding",
        index,
        embedding: format === "base64" ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v),
      })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  }

  private async completions(body: Record<string, unknown>, res: ServerResponse, signal: AbortSignal, chat: boolean): Promise<void> {
    let prompts: string[];
    if (chat) {
      const msgs = body.messages;
      if (!Array.isArray(msgs) || msgs.length === 0 || msgs.some((m) => typeof m?.role !== "string" || typeof m?.content !== "string")) {
        throw new HttpError(400, `"messages" must be a non-empty array of { role, content } strings`);
      }
      prompts = [this.backend.chatMessagesPrompt(msgs as ChatMessage[])];
    } else {
      const p = body.prompt;
      if (typeof p === "string") prompts = [p];
      else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === "string")) prompts = p as string[];
      else throw new HttpError(400, `"prompt" must be a string or a non-empty array of strings`);
    }
    const gen: GenerationOptions = {
      maxTokens: intField(body, "max_tokens", this.opts.defaultMaxTokens, chat ? "max_completion_tokens" : undefined),
      temperature: numField(body, "temperature", 0),
      topP: numField(body, "top_p", 1),
      topK: intField(body, "top_k", 0),
      seed: intField(body, "seed", 0),
      signal,
    };
    const wantEmbed = body.t1_embed === true;
    const id = `${chat ? "chatcmpl" : "cmpl"}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = this.backend.modelId;
    const object = chat ? "chat.completion" : "text_completion";
    if (body.stream === true) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      const send = (x: unknown): void => void res.write(`data: ${JSON.stringify(x)}\n\n`);
      const chunk = (index: number, text: string | undefined, finish: string | null): unknown =>
        chat
          ? { id, object: "chat.completion.chunk", created, model, choices: [{ index, delta: text === undefined ? {} : { content: text }, finish_reason: finish }] }
          : { id, object: "text_completion", created, model, choices: [{ index, text: text ?? "", finish_reason: finish }] };
      if (chat) send({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] });
      const onToken = (i: number, piece: string): void => send(chunk(i, piece, null));
      const results = await this.serial(() => this.backend.generate(prompts, { ...gen, onToken }));
      results.forEach((r, i) => send(chunk(i, chat ? undefined : "", r.finishReason)));
      res.end("data: [DONE]\n\n");
      return;
    }
    const results = await this.serial(() =>
      wantEmbed ? this.backend.generateAndEmbed(prompts, gen) : this.backend.generate(prompts, gen),
    );
    const promptTokens = (await this.serial(() => this.backend.countTokens(prompts))).reduce((a, b) => a + b, 0);
    const completionTokens = results.reduce((a, r) => a + r.tokens, 0);
    json(res, 200, {
      id,
      object,
      created,
      model,
      choices: results.map((r, index) => ({
        index,
        ...(chat ? { message: { role: "assistant", content: r.text } } : { text: r.text }),
        finish_reason: r.finishReason,
        ...("vector" in r ? { embedding: Array.from((r as { vector: Float32Array }).vector) } : {}),
      })),
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new HttpError(400, `request body is not JSON: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "request body must be a JSON object");
  return body as Record<string, unknown>;
}

function numField(body: Record<string, unknown>, name: string, dflt: number): number {
  const v = body[name];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new HttpError(400, `"${name}" must be a number`);
  return v;
}

function intField(body: Record<string, unknown>, name: string, dflt: number, alias?: string): number {
  const v = body[name] ?? (alias ? body[alias] : undefined);
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new HttpError(400, `"${name}" must be a non-negative integer`);
  return v;
}
