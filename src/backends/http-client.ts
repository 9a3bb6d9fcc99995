/**
 * JSON-over-HTTP with what talking to a shared inference server needs: a concurrency limit,
 * per-attempt timeouts, and retries with exponential backoff (and Retry-After) on 429, 5xx and
 * network errors. Failures are T1Error REMOTE naming the URL and the HTTP status.
 */
import { T1Error } from "../util/errors.js";

export interface HttpClientOptions {
  /** Bearer token sent as Authorization. Default: none (or OPENAI_API_KEY when set). */
  apiKey?: string;
  /** Requests in flight at once. Default 4: more overlaps network latency, too many overloads the server. */
  concurrency?: number;
  /** Retries after the first attempt on 429/5xx/network errors/timeouts. Default 4. */
  retries?: number;
  /** First backoff delay in ms, doubled each retry (plus up to 25% jitter). Default 500. */
  backoffMs?: number;
  /** Per-attempt timeout in ms. Default 120000 (reasoning generation can be slow). */
  timeoutMs?: number;
}

export class HttpClient {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly o: Required<Omit<HttpClientOptions, "apiKey">> & { apiKey?: string };

  constructor(
    readonly base: string,
    opts: HttpClientOptions = {},
  ) {
    this.o = {
      apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY,
      concurrency: opts.concurrency ?? 4,
      retries: opts.retries ?? 4,
      backoffMs: opts.backoffMs ?? 500,
      timeoutMs: opts.timeoutMs ?? 120_000,
    };
    if (!/^https?:\/\//.test(base)) throw new T1Error("BAD_INPUT", `remote URL must start with http:// or https://, got "${base}"`);
  }

  /** Requests this client lets run at once. */
  get concurrency(): number {
    return this.o.concurrency;
  }

  getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, undefined, signal, async (r) => (await r.json()) as T);
  }

  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>("POST", path, body, signal, async (r) => (await r.json()) as T);
  }

  /** POSTs and calls `onEvent` with each parsed `data:` event of a server-sent-event stream until [DONE]. */
  postStream(path: string, body: unknown, onEvent: (event: unknown) => void, signal?: AbortSignal): Promise<void> {
    return this.request("POST", path, body, signal, async (r) => {
      if (!r.body) throw new T1Error("REMOTE", `POST ${this.base}${path}: empty stream`);
      const decoder = new TextDecoder();
      let buf = "";
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") return;
          try {
            onEvent(JSON.parse(data));
          } catch (e) {
            if (e instanceof SyntaxError) throw new T1Error("REMOTE", `POST ${this.base}${path}: bad stream event ${data.slice(0, 200)}`);
            throw e;
          }
        }
      }
    }, /* retryable only before the stream starts */ true);
  }

  private async request<T>(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    read: (r: Response) => Promise<T>,
    streaming = false,
  ): Promise<T> {
    const url = this.base + path;
    await this.acquire();
    try {
      let lastError = "";
      for (let attempt = 0; attempt <= this.o.retries; attempt++) {
        if (signal?.aborted) throw new T1Error("REMOTE", `${method} ${url}: aborted`);
        const timeout = AbortSignal.timeout(this.o.timeoutMs);
        const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
        let retryAfterMs: number | undefined;
        try {
          const r = await fetch(url, {
            method,
            headers: { "content-type": "application/json", ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: combined,
          });
          if (r.ok) {
            try {
              return await read(r);
            } catch (e) {
              if (e instanceof T1Error) throw e;
              if (streaming) throw new T1Error("REMOTE", `${method} ${url}: stream failed: ${(e as Error).message}`, { cause: e });
              throw new T1Error("REMOTE", `${method} ${url}: unreadable response: ${(e as Error).message}`, { cause: e });
            }
          }
          const text = (await r.text().catch(() => "")).slice(0, 300);
          lastError = `HTTP ${r.status} ${r.statusText}${text ? `: ${text}` : ""}`;
          if (r.status !== 429 && r.status < 500) throw new T1Error("REMOTE", `${method} ${url}: ${lastError}`);
          const ra = Number(r.headers.get("retry-after"));
          if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
        } catch (e) {
          if (e instanceof T1Error) throw e;
          if (signal?.aborted) throw new T1Error("REMOTE", `${method} ${url}: aborted`, { cause: e });
          const err = e as Error & { cause?: { code?: string } };
          lastError = timeout.aborted ? `timed out after ${this.o.timeoutMs} ms` : `${err.message}${err.cause?.code ? ` (${err.cause.code})` : ""}`;
        }
        if (attempt < this.o.retries) {
          const delay = retryAfterMs ?? this.o.backoffMs * 2 ** attempt * (1 + Math.random() * 0.25);
          await new Promise((res) => setTimeout(res, delay));
        }
      }
      throw new T1Error("REMOTE", `${method} ${url}: ${lastError} (after ${this.o.retries + 1} attempts)`);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.o.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((res) => this.waiting.push(res));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
