/**
 * A minimal OpenAI-compatible HTTP server over any T1 backend (the native engine by default in
 * `t1 serve`): /v1/models, /v1/completions, /v1/chat/completions (both with SSE streaming),
 * /v1/embeddings, and GET /health.
 *
 * T1 extensions, announced by `owned_by: "t1"` and a `t1` object in /v1/models, and used by the
 * remote backend when present:
 * - /v1/embeddings `t1_document: { instruction, max_length }` (embeddings-route.ts);
 * - /v1/completions `t1_embed: true` (completions-route.ts);
 * - /v1/embeddings `t1_parts: true`: each input is an array of strings tokenised apart (prompt,
 *   then reasoning) and joined, BOS once, `<emb_token>` appended (T1Backend.embedParts);
 * - /v1/models `t1.chat_template` ({ template, bos_token, eos_token }) and `t1.format` (the model's
 *   t1_format.json, defaults filled in): clients render prompts with the model's own template;
 * - /v1/t1/token_counts `{ texts }` → `{ counts }`;
 * - /v1/t1/search (when an index is served): T1 retrieval with snippets, see search-route.ts;
 *   `"stream": true` answers as Server-Sent Events (search-stream.ts);
 * - GET / (when an index is served): the search page (web/index.html).
 *
 * No request can take the server down: bodies are size-limited (413), token lengths and budgets
 * are checked before any model work (limits.ts, 400), model work runs in one bounded queue with a
 * timeout (work-queue.ts: 429 with Retry-After when full, 504 past the timeout), a client that goes
 * away aborts its work, and `drain` finishes in-flight requests before the process exits.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import type { T1Backend } from "../backends/types.js";
import { T1Error } from "../util/errors.js";
import { t1FormatJson } from "../data/t1-format/index.js";
import type { RetrievalPipeline } from "../retrieval/pipeline.js";
import { completions } from "./completions-route.js";
import { embeddingsResponse, planEmbeddings } from "./embeddings-route.js";
import { discardRest, errorStatus, HttpError, readJson, sendJson } from "./http.js";
import { TokenLimits, type TokenLimitOptions } from "./limits.js";
import { checkSearchRequest, parseSearchRequest, runSearch, type Judgements } from "./search-route.js";
import { streamSearch } from "./search-stream.js";
import { sendSearchPage } from "./web/page.js";
import { WorkQueue } from "./work-queue.js";

export interface OpenAIServerOptions extends TokenLimitOptions {
  /** Interface to bind. Default "127.0.0.1" (loopback only: the API has no authentication). */
  host?: string;
  /** Port. Default 0 (any free port; read `url` after `listen`). */
  port?: number;
  /** Largest request body accepted, in bytes. Default 2 MiB: a full context of text is tens of kB,
   * a batch of documents a few hundred. Larger bodies are a 413 before anything is parsed. */
  maxBodyBytes?: number;
  /**
   * Default `max_tokens` of a plain /v1/completions or /v1/chat/completions request that omits it
   * (lowered to maxNewTokens and to what fits the context). Default 256. Not the model's
   * t1_format.json: its max_reasoning_tokens budgets T1 reasoning (read at `<emb_token>`), which is
   * what /v1/t1/search and `t1_embed` completions default to; a plain completion is free generation,
   * for which the format records no length.
   */
  defaultMaxTokens?: number;
  /** Requests holding or waiting for the model at once; one more is answered 429. Default 16. */
  queueDepth?: number;
  /** Longest model work of one request, in ms, before it is stopped (504). Default 120 000. */
  requestTimeoutMs?: number;
  /** /health reports the model stuck when a request runs this long past its timeout. Default max(5000, timeout / 2). */
  stuckGraceMs?: number;
  /** Log one line per request to stderr. Default false. */
  log?: boolean;
  /** The model's name in /v1/models and responses; requests naming another model are a 404.
   * Default: the backend's model id without its directories (never a filesystem path). */
  modelName?: string;
  /** An index opened over the same backend, searched at /v1/t1/search. Default none (the route answers 404). */
  pipeline?: RetrievalPipeline;
  /** Relevance judgements marked on search hits (`t1 serve --qrels`). Default none. */
  judgements?: Judgements;
}

export class OpenAIServer {
  private server?: Server;
  readonly queue: WorkQueue;
  readonly limits: TokenLimits;
  readonly modelName: string;
  private readonly opts: OpenAIServerOptions & { host: string; port: number; maxBodyBytes: number; defaultMaxTokens: number };
  /** Every request being handled, to abort at the end of a drain. */
  private readonly inFlight = new Set<AbortController>();
  private draining = false;

  constructor(
    readonly backend: T1Backend,
    opts: OpenAIServerOptions = {},
  ) {
    // 256 new tokens for plain completions (see defaultMaxTokens): OpenAI's APIs leave the length to
    // the server, and the model's t1_format.json says nothing about free generation.
    this.opts = { host: "127.0.0.1", port: 0, maxBodyBytes: 2 << 20, defaultMaxTokens: 256, ...opts };
    this.limits = new TokenLimits(backend, opts);
    this.queue = new WorkQueue({ maxDepth: opts.queueDepth, timeoutMs: opts.requestTimeoutMs, stuckGraceMs: opts.stuckGraceMs, concurrency: backend.maxConcurrentRequests ?? 1 });
    this.modelName = opts.modelName ?? basename(backend.modelId).replace(/\.gguf$/i, "");
  }

  /** Starts listening; resolves with the base URL (e.g. http://127.0.0.1:41234). A busy port is a one-line T1Error. */
  async listen(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.opts.port, this.opts.host, () => resolve());
      });
    } catch (e) {
      this.server = undefined;
      const code = (e as NodeJS.ErrnoException).code;
      const where = `${this.opts.host}:${this.opts.port}`;
      if (code === "EADDRINUSE") throw new T1Error("BAD_INPUT", `port ${this.opts.port} on ${this.opts.host} is already in use; stop the other server or pick another --port`);
      if (code === "EACCES") throw new T1Error("BAD_INPUT", `no permission to listen on ${where}; pick a port above 1023 with --port`);
      if (code === "EADDRNOTAVAIL") throw new T1Error("BAD_INPUT", `${this.opts.host} is not an address of this machine (--host)`);
      throw new T1Error("INTERNAL", `cannot listen on ${where}: ${(e as Error).message}`);
    }
    return this.url;
  }

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new T1Error("INTERNAL", "server is not listening");
    const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /**
   * Graceful stop: refuses new requests (503), lets in-flight ones finish for up to `graceMs`, then
   * aborts what is left and closes every connection. Resolves true when everything finished in time.
   */
  async drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    const s = this.server;
    const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
    s?.closeIdleConnections();
    const end = performance.now() + graceMs;
    while (this.inFlight.size > 0 && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    const clean = this.inFlight.size === 0;
    for (const c of this.inFlight) c.abort("server shutting down");
    await this.queue.idle(2_000);
    s?.closeAllConnections();
    await closed;
    this.server = undefined;
    return clean;
  }

  /** Stops at once: aborts in-flight work and closes every connection. */
  async close(): Promise<void> {
    await this.drain(0);
  }

  /** Readiness for load balancers and people: 200 only when the model is taking work. */
  health(): { status: number; body: unknown } {
    const q = this.queue.stats();
    const state = this.draining ? "draining" : q.stuck ? "stuck" : q.waiting + q.running >= q.maxDepth ? "busy" : "ok";
    const m = process.memoryUsage();
    return {
      status: state === "ok" || state === "busy" ? 200 : 503,
      body: {
        status: state,
        ready: state === "ok",
        model: this.modelName,
        queue: { running: q.running, waiting: q.waiting, max_depth: q.maxDepth, oldest_running_ms: q.oldestRunningMs, timeout_ms: this.queue.timeoutMs },
        requests: { completed: q.completed, rejected: q.rejected, timed_out: q.timedOut, aborted: q.aborted },
        limits: { context_tokens: this.limits.context, max_new_tokens: this.limits.maxNewTokens, batch_tokens: this.limits.batchTokens, max_body_bytes: this.opts.maxBodyBytes },
        memory: { rss: m.rss, heap_used: m.heapUsed, external: m.external, array_buffers: m.arrayBuffers },
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? "/").split("?")[0]!;
    const ctrl = new AbortController();
    // "close" before the response finished: the client went away (or its connection broke).
    res.on("close", () => {
      if (!res.writableFinished) ctrl.abort("client disconnected");
    });
    this.inFlight.add(ctrl);
    let outcome = "";
    try {
      if (req.method === "GET" && path === "/health") {
        const h = this.health();
        return sendJson(res, h.status, h.body);
      }
      if (this.draining) throw new HttpError(503, "the server is shutting down", "server_error", { connection: "close" });
      if (req.method === "GET" && (path === "/v1/models" || path === "/models")) return sendJson(res, 200, this.models());
      if (req.method === "GET" && (path === "/" || path === "/index.html") && this.opts.pipeline) return sendSearchPage(res);
      if (req.method !== "POST") throw new HttpError(404, `no route ${req.method} ${path}`, "not_found");
      const body = await readJson(req, this.opts.maxBodyBytes);
      this.checkModel(body);
      const run = <T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> => this.queue.run(work, ctrl.signal);
      switch (path.replace(/^\/v1/, "")) {
        case "/embeddings": {
          const plan = await planEmbeddings(this.backend, this.limits, body);
          return sendJson(res, 200, embeddingsResponse(this.modelName, plan, await run(plan.work)));
        }
        case "/completions":
        case "/chat/completions": {
          const ctx = { backend: this.backend, limits: this.limits, model: this.modelName, defaultMaxTokens: this.opts.defaultMaxTokens, run };
          return await completions(ctx, body, res, path.endsWith("/chat/completions"));
        }
        case "/t1/token_counts": {
          const texts = body.texts;
          if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) throw new HttpError(400, `"texts" must be an array of strings`);
          // Tokenising is not model work: no queue slot, bounded by the body limit. No length check:
          // the remote backend counts whole documents here before cutting them to max_length.
          return sendJson(res, 200, { counts: await this.backend.countTokens(texts as string[]) });
        }
        case "/t1/search": {
          const pipeline = this.opts.pipeline;
          if (!pipeline) throw new HttpError(404, `no index is served here (start t1 serve with --index IDX)`, "not_found");
          const request = await checkSearchRequest(pipeline, this.limits, parseSearchRequest(body));
          // BM25 alone needs no model: it skips the queue, so it answers beside a long reasoning.
          const runner = request.mode === "bm25" ? <T>(work: (signal: AbortSignal) => Promise<T>) => work(ctrl.signal) : run;
          if (body.stream === true) return await streamSearch(pipeline, request, res, runner, this.opts.judgements);
          return sendJson(res, 200, await runner((signal) => runSearch(pipeline, request, signal, this.opts.judgements)));
        }
        default:
          throw new HttpError(404, `no route POST ${path}`, "not_found");
      }
    } catch (e) {
      const { status, type, headers, aborted } = errorStatus(e);
      // Whatever surfaced once the client left (an abort error from the backend, a write to a closed
      // socket) is not a server failure: nobody is there to answer.
      if (aborted || ctrl.signal.aborted) outcome = "aborted";
      else {
        outcome = String(status);
        if (!res.headersSent) sendJson(res, status, { error: { message: (e as Error).message, type, code: status } }, headers);
        else res.end();
        if (status >= 500 && this.opts.log) process.stderr.write(`${req.method} ${path}: ${(e as Error).stack ?? (e as Error).message}\n`);
      }
      if (!res.writableEnded) res.end();
      discardRest(req);
    } finally {
      this.inFlight.delete(ctrl);
      if (this.opts.log) process.stderr.write(`${req.method} ${path} ${outcome || res.statusCode} ${(performance.now() - t0).toFixed(0)}ms\n`);
    }
  }

  /** OpenAI clients send `model`: it must name the served model (the backend's id is accepted as an alias). */
  private checkModel(body: Record<string, unknown>): void {
    const m = body.model;
    if (m === undefined || m === null || m === this.modelName || m === this.backend.modelId) return;
    throw new HttpError(404, `model ${JSON.stringify(m)} is not served here; this server serves "${this.modelName}" (see /v1/models)`, "invalid_request_error", {});
  }

  private models(): unknown {
    const b = this.backend;
    return {
      object: "list",
      data: [
        {
          id: this.modelName,
          object: "model",
          created: 0,
          owned_by: "t1",
          t1: {
            dims: b.dims,
            backend: b.kind,
            format: t1FormatJson(b.format),
            ...(b.chatTemplate ? { chat_template: { template: b.chatTemplate.template, bos_token: b.chatTemplate.bosToken, eos_token: b.chatTemplate.eosToken } } : {}),
            context_tokens: this.limits.context,
            ...(this.opts.pipeline ? { index: { documents: this.opts.pipeline.index.size, bm25: this.opts.pipeline.bm25 !== undefined } } : {}),
            ...(this.opts.judgements ? { judged_queries: [...this.opts.judgements.idsByText].map(([text, id]) => ({ id, text })) } : {}),
          },
        },
      ],
    };
  }
}
