/**
 * One request must never take the server down (issue 10), over a real loopback server on a tiny
 * model: the wedge reproduction, budgets and input lengths checked before model work, the body
 * limit, the bounded queue (429 + Retry-After), the per-request timeout (504), /health while the
 * model is stuck, model ids, and aborted requests logged as aborted.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import type { T1Backend } from "../../src/backends/types.js";
import { REASONING_CACHE_FILE } from "../../src/retrieval/pipeline.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { postSearch, serveTinyIndex, type GenerationRecord } from "./web-fixture.js";

const served = await serveTinyIndex();
after(() => served.close());
const backend = served.pipeline.backend;

async function post(url: string, path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: Record<string, unknown>; headers: Headers; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers, ms: performance.now() - t0 };
}

const message = (r: { json: Record<string, unknown> }): string => (r.json.error as { message: string }).message;

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

test("the wedge: a huge reasoning budget is a 400; a non-streaming search whose client leaves stops, and /v1/embeddings answers right after", async () => {
  const wedge = await post(served.url, "/v1/t1/search", { query: "x", max_reasoning_tokens: 1_000_000 });
  assert.equal(wedge.status, 400);
  assert.match(message(wedge), /"max_reasoning_tokens" is 1000000; this server generates at most 1024 tokens per request \(--max-tokens-per-request\)/);
  assert.ok(wedge.ms < 2000, `answered in ${wedge.ms} ms`);

  rmSync(join(served.idx, REASONING_CACHE_FILE), { force: true });
  const before = served.generations.length;
  const ctrl = new AbortController();
  const pending = post(served.url, "/v1/t1/search", { query: "tell me everything about the sea", max_reasoning_tokens: 1000 }, ctrl.signal).catch((e: Error) => e);
  while (served.generations.length === before) await new Promise((r) => setTimeout(r, 5));
  const gen: GenerationRecord = served.generations.at(-1)!;
  while (gen.tokens < 5) await new Promise((r) => setTimeout(r, 5));
  ctrl.abort();
  assert.ok((await pending) instanceof Error);
  assert.equal(gen.signal, true, "the non-streaming search passed a signal to the backend");
  await within(gen.settled, 5000, "generation after the disconnect");
  assert.match(gen.outcome ?? "", /abort/);
  assert.ok(gen.tokens < 1000, `stopped after ${gen.tokens} of 1000 tokens`);

  const emb = await within(post(served.url, "/v1/embeddings", { input: "hello" }), 5000, "/v1/embeddings after the wedge");
  assert.equal(emb.status, 200);
  const health = (await (await fetch(`${served.url}/health`)).json()) as { status: string; queue: { running: number; waiting: number } };
  assert.equal(health.status, "ok");
  assert.equal(health.queue.running + health.queue.waiting, 0);
});

test("inputs longer than the context are a 400 naming the limit, before any model work, on every endpoint", async () => {
  const long = "the sky is blue ".repeat(2000); // ~8000 tokens against the tiny model's 4096
  const [n] = await backend.countTokens([long]);
  assert.ok(n! > 4096, `${n} tokens`);
  // A query that fits, but not with 1000 tokens of reasoning after it.
  const medium = "sky ".repeat(1200);
  const [m] = await backend.countTokens([backend.chatPrompt(medium)]);
  assert.ok(m! < 4000 && m! + 1000 > 4096, `${m} tokens`);
  const gens = served.generations.length;
  const cases: [string, unknown, RegExp][] = [
    ["/v1/t1/search", { query: long }, /the prompt is \d+ tokens; with at least one new token and <emb_token> it must fit the context of 4096 tokens \(--max-context; the model allows 4096\)/],
    ["/v1/t1/search", { query: long, mode: "none" }, /the query with its prompt is \d+ tokens; with <emb_token> it must fit the context of 4096 tokens/],
    ["/v1/t1/search", { query: medium, max_reasoning_tokens: 1000 }, /the prompt is \d+ tokens and "max_reasoning_tokens" 1000; together with <emb_token> they must fit the context of 4096 tokens/],
    ["/v1/embeddings", { input: long }, /input is \d+ tokens; with <emb_token> it must fit the context of 4096 tokens/],
    ["/v1/embeddings", { input: ["ok", long] }, /input 1 is \d+ tokens/],
    ["/v1/embeddings", { input: Array.from({ length: 5000 }, () => 1) }, /input is 5000 tokens/],
    ["/v1/embeddings", { input: "doc", t1_document: { instruction: "", max_length: 5000 } }, /t1_document.max_length is 5000 tokens/],
    ["/v1/completions", { prompt: long }, /the prompt is \d+ tokens; with at least one new token it must fit the context of 4096 tokens/],
    ["/v1/completions", { prompt: "hi", max_tokens: 1_000_000 }, /"max_tokens" is 1000000; this server generates at most 1024/],
    ["/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_completion_tokens: 5000 }, /"max_completion_tokens" is 5000/],
    ["/v1/embeddings", { input: "x".repeat(1_500_000) }, /input is 1500000 characters; the context of 4096 tokens \(--max-context; the model allows 4096\) holds at most \d+ characters/],
  ];
  for (const [path, body, re] of cases) {
    const r = await post(served.url, path, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.match(message(r), re);
    assert.ok(r.ms < 3000, `${path} refused in ${r.ms.toFixed(0)} ms`);
  }
  assert.equal(served.generations.length, gens, "nothing was generated");
  // A document cut to max_length is what t1_document asks for: it is served.
  assert.equal((await post(served.url, "/v1/embeddings", { input: long, t1_document: { instruction: "", max_length: 64 } })).status, 200);
});

test("a 15 MB body is a 413 before it is parsed or tokenised", async () => {
  const body = JSON.stringify({ query: "x".repeat(15 << 20) });
  const t0 = performance.now();
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const u = new URL(`${served.url}/v1/t1/search`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
  assert.equal(status, 413);
  assert.match(text, /request body over 2097152 bytes \(the server's --max-body limit\)/);
  assert.ok(performance.now() - t0 < 5000);
});

test("/v1/models names the model, not its path; an unknown model is a 404 with an OpenAI error body", async () => {
  const models = (await (await fetch(`${served.url}/v1/models`)).json()) as { data: { id: string; t1: { context_tokens: number } }[] };
  assert.equal(models.data[0]!.id, "model");
  assert.ok(backend.modelId.includes("/"), "the backend's id is a path");
  assert.equal(models.data[0]!.t1.context_tokens, 4096);
  const bad = await post(served.url, "/v1/embeddings", { model: "gpt-4", input: "hi" });
  assert.equal(bad.status, 404);
  assert.deepEqual(Object.keys(bad.json.error as object).sort(), ["code", "message", "type"]);
  assert.match(message(bad), /model "gpt-4" is not served here; this server serves "model"/);
  const ok = await post(served.url, "/v1/embeddings", { model: "model", input: "hi" });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.model, "model");
});

/** The served backend, except that embedTexts waits for `release` while `hold` is set: a model that does not stop. */
function stuckBackend(): { backend: T1Backend; hold: (on: boolean) => void } {
  let gate: Promise<void> | undefined;
  let open = (): void => {};
  const b = new Proxy(backend, {
    get(target, prop) {
      if (prop === "embedTexts") {
        return async (texts: readonly string[]) => {
          if (gate) await gate;
          return target.embedTexts(texts);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    backend: b,
    hold(on) {
      if (on) gate = new Promise((r) => (open = r));
      else {
        gate = undefined;
        open();
      }
    },
  };
}

test("a full queue answers 429 with Retry-After; a request past its timeout is a 504; /health is not ok while the model is stuck", async () => {
  const stuck = stuckBackend();
  const server = new OpenAIServer(stuck.backend, { queueDepth: 2, requestTimeoutMs: 300, stuckGraceMs: 200 });
  const url = await server.listen();
  try {
    stuck.hold(true);
    const first = post(url, "/v1/embeddings", { input: "one" });
    const second = post(url, "/v1/embeddings", { input: "two" });
    await new Promise((r) => setTimeout(r, 50));
    const busy = (await (await fetch(`${url}/health`)).json()) as { status: string; queue: { running: number; waiting: number; max_depth: number } };
    assert.equal(busy.status, "busy");
    assert.deepEqual([busy.queue.running, busy.queue.waiting, busy.queue.max_depth], [1, 1, 2]);
    const third = await post(url, "/v1/embeddings", { input: "three" });
    assert.equal(third.status, 429);
    assert.match(third.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    assert.match(message(third), /the server is busy: 2 requests queued/);

    const r1 = await first;
    assert.equal(r1.status, 504);
    assert.match(message(r1), /ran longer than 0.3 s \(--request-timeout\)/);
    assert.ok(r1.ms < 2000);
    await new Promise((r) => setTimeout(r, 300));
    const h = await fetch(`${url}/health`);
    assert.equal(h.status, 503);
    const hb = (await h.json()) as { status: string; ready: boolean; queue: { oldest_running_ms: number } };
    assert.equal(hb.status, "stuck");
    assert.equal(hb.ready, false);
    assert.ok(hb.queue.oldest_running_ms > 500);

    stuck.hold(false);
    assert.equal((await second).status, 200, "the second waited its turn; its timeout counts from when it runs");
    await server.queue.idle(2000);
    const after = await fetch(`${url}/health`);
    assert.equal(after.status, 200);
    assert.equal(((await after.json()) as { status: string }).status, "ok");

    // A real generation past the timeout stops (its signal fires) and frees the queue.
    const slow = await post(url, "/v1/completions", { prompt: backend.chatPrompt("hello there"), max_tokens: 1000 });
    assert.equal(slow.status, 504, JSON.stringify(slow.json).slice(0, 300) + ` ${slow.ms} ms`);
    assert.ok(await server.queue.idle(1000), "the generation stopped at the timeout");
    assert.equal((await post(url, "/v1/embeddings", { input: "after" })).status, 200);
  } finally {
    stuck.hold(false);
    await server.close();
  }
});

// Every model endpoint: the client leaves mid-work, the work stops (the queue empties long before
// the request could have finished) and the log says "aborted", never 500.
const LONG_TEXT = "the heart pumps blood through the body and the lungs take in the air we breathe ".repeat(4);
const abortCases: { path: string; body: unknown }[] = [
  { path: "/v1/completions", body: { prompt: backend.chatPrompt("hello there"), max_tokens: 1000 } },
  { path: "/v1/chat/completions", body: { messages: [{ role: "user", content: "hello there" }], max_tokens: 1000 } },
  { path: "/v1/embeddings", body: { input: Array.from({ length: 4000 }, (_, i) => `${i} ${LONG_TEXT}`) } },
];
for (const c of abortCases) {
  test(`${c.path}: a request whose client leaves stops its work and is logged as aborted, not as a 500`, async () => {
    const server = new OpenAIServer(backend, { log: true });
    const url = await server.listen();
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let stoppedMs = 0;
    try {
      const ctrl = new AbortController();
      const p = post(url, c.path, c.body, ctrl.signal).catch(() => undefined);
      // Leave as soon as the model work has started ("aborted" in the log then shows it was cut short).
      const deadline = performance.now() + 5000;
      while (server.queue.depth === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      assert.ok(server.queue.depth > 0, "the work started");
      await new Promise((r) => setTimeout(r, 5));
      const t0 = performance.now();
      ctrl.abort();
      await p;
      assert.ok(await server.queue.idle(3000), "the work stopped");
      stoppedMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.stderr.write = write;
      await server.close();
    }
    const line = lines.find((l) => l.startsWith(`POST ${c.path}`));
    assert.match(line ?? "", new RegExp(`^POST ${c.path.replaceAll("/", "\\/")} aborted \\d+ms\n$`), lines.join(""));
    assert.ok(!lines.some((l) => / 500 /.test(l)));
    assert.ok(stoppedMs < 3000, `stopped ${stoppedMs.toFixed(0)} ms after the abort`);
  });
}

test("BM25 mode ranks without the model and skips the queue", async () => {
  const r = await postSearch(served.url, { query: "why is the sky blue?", mode: "bm25", k: 3 });
  assert.equal(r.status, 200);
  const json = (await r.json()) as { hits: { id: string; score: number; score_name: string }[]; reasoning: string };
  const direct = served.pipeline.bm25!.search("why is the sky blue?", { k: 3 });
  assert.deepEqual(json.hits.map((h) => [h.id, h.score, h.score_name]), direct.map((d) => [d.docid, d.score, "bm25"]));
  assert.equal(json.reasoning, "");
});
