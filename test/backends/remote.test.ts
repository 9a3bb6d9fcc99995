/**
 * The remote backend against a real OpenAI-compatible server on loopback (src/serve, backed by the
 * native engine), compared with the native backend called directly; plus retry, timeout and error
 * behaviour against small misbehaving HTTP servers.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import { NativeBackend } from "../../src/backends/native.js";
import { RemoteBackend } from "../../src/backends/remote.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { EMB_TOKEN } from "../../src/backends/types.js";
import { T1Error } from "../../src/util/errors.js";
import { fixtureCorpus, FIXTURE_QUERIES, makeTinyModel } from "./fixtures/tiny.js";
import { cosine } from "../helpers/vectors.js";
import { startServeChild } from "../helpers/serve-child.js";

const fx = await makeTinyModel({ gguf: false });
const native = await NativeBackend.open({ model: fx.modelDir, modelId: "tiny-t1" });
const server = new OpenAIServer(native);
const url = await server.listen();
after(async () => {
  await server.close();
  rmSync(fx.root, { recursive: true, force: true });
});

/** The engine's packed batches round differently with another batch composition: compare by cosine. */
const same = (a: Float32Array[], b: Float32Array[]): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(cosine(v, b[i]) >= 0.99999, `item ${i}: ${cosine(v, b[i])}`));
};

test("t1 server: remote vectors and reasoning match the native backend", async () => {
  const remote = await RemoteBackend.open({ url, embedBatch: 64 });
  assert.equal(remote.t1Server, true);
  assert.equal(remote.modelId, "tiny-t1");
  assert.equal(remote.dims, 64);
  const texts = fixtureCorpus().map((d) => d.text);
  const opts = { instruction: "Docs:\n", maxLength: 12 };
  same(await remote.embedDocuments(texts, opts), await native.embedDocuments(texts, opts));
  assert.deepEqual(await remote.countTokens(texts), await native.countTokens(texts));
  const prompt = native.chatPrompt("why?") + "because" + EMB_TOKEN;
  same(await remote.embedTexts([prompt]), await native.embedTexts([prompt]));
  const a = await encodeQueries(remote, FIXTURE_QUERIES, { maxReasoningTokens: 6 });
  const b = await encodeQueries(native, FIXTURE_QUERIES, { maxReasoningTokens: 6 });
  a.forEach((q, i) => {
    assert.equal(q.reasoning, b[i].reasoning);
    assert.equal(q.reasoningTokens, 6);
    same([q.vector], [b[i].vector]);
  });
});

test("plain OpenAI mode (no t1 extensions) and the chat endpoint give the same query vectors", async () => {
  const b = await encodeQueries(native, FIXTURE_QUERIES, { maxReasoningTokens: 5 });
  for (const o of [{ extensions: false as const }, { extensions: false as const, reasoningEndpoint: "chat" as const }]) {
    const remote = await RemoteBackend.open({ url, ...o });
    assert.equal(remote.t1Server, false);
    assert.equal(remote.dims, 64, "dims found by probing /v1/embeddings");
    const streamed: string[] = FIXTURE_QUERIES.map(() => "");
    const a = await encodeQueries(remote, FIXTURE_QUERIES, { maxReasoningTokens: 5, onToken: (i, p) => (streamed[i] += p) });
    a.forEach((q, i) => {
      assert.equal(q.reasoning, b[i].reasoning);
      assert.equal(streamed[i], b[i].reasoning);
      same([q.vector], [b[i].vector]);
    });
  }
});

test("server: SSE chat stream, token-array embeddings, OpenAI-shaped errors", async () => {
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const messages = [{ role: "user", content: "hello" }];
  const whole = (await (await post("/v1/chat/completions", { messages, max_tokens: 4 })).json()) as {
    choices: { message: { content: string }; finish_reason: string }[];
    usage: { completion_tokens: number };
  };
  assert.equal(whole.usage.completion_tokens, 4);
  const sse = await (await post("/v1/chat/completions", { messages, max_tokens: 4, stream: true })).text();
  const events = sse.split("\n\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
  assert.equal(events.at(-1), "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta: { content?: string }; finish_reason: string | null }[] });
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? "").join(""), whole.choices[0].message.content);
  assert.equal(chunks.at(-1)!.choices[0].finish_reason, "length");

  const ids = native.model.encode("hello there");
  const byIds = (await (await post("/v1/embeddings", { input: [ids] })).json()) as { data: { embedding: number[] }[] };
  const byText = await native.embedTexts(["hello there"]);
  same([Float32Array.from(byIds.data[0].embedding)], byText);

  const bad = await post("/v1/embeddings", { input: [] });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /"input" must be/);
  assert.equal((await fetch(url + "/v1/nothing")).status, 404);
});

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const s = createServer(handler);
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve({ server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` })));
}

test("retries 503 and 429 with backoff until /v1/models answers; a malformed embeddings reply is a REMOTE error", async () => {
  let calls = 0;
  const { server: s, url: u } = await listen((req, res) => {
    calls++;
    if (calls === 1) return void res.writeHead(503).end("busy");
    if (calls === 2) return void res.writeHead(429, { "retry-after": "0" }).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [{ id: "m", owned_by: "x" }] }));
  });
  try {
    const remote = await RemoteBackend.open({ url: u, backoffMs: 5, model: "m", extensions: false }).catch((e: unknown) => e);
    // /v1/models succeeded on the third try; the dims probe then hits the same stub and fails loudly.
    assert.ok(calls >= 3);
    assert.ok(remote instanceof T1Error && remote.code === "REMOTE", String(remote));
  } finally {
    s.close();
  }
});

test("4xx is not retried; timeouts and refused connections end in REMOTE errors naming the URL", async () => {
  let calls = 0;
  const { server: s, url: u } = await listen((req, res) => {
    calls++;
    if (req.url === "/v1/models") return void res.writeHead(401).end("no key");
    // Never answer anything else.
  });
  try {
    await assert.rejects(RemoteBackend.open({ url: u, backoffMs: 1 }), (e: unknown) => {
      assert.ok(e instanceof T1Error && e.code === "REMOTE");
      assert.match(e.message, new RegExp(`GET ${u}/v1/models: HTTP 401`));
      return true;
    });
    assert.equal(calls, 1);
    const { HttpClient } = await import("../../src/backends/http-client.js");
    const slow = new HttpClient(u + "/v1", { timeoutMs: 100, retries: 1, backoffMs: 1 });
    await assert.rejects(slow.postJson("/embeddings", {}), /timed out after 100 ms \(after 2 attempts\)/);
  } finally {
    s.closeAllConnections();
    s.close();
  }
  const { HttpClient } = await import("../../src/backends/http-client.js");
  const dead = new HttpClient(u + "/v1", { retries: 2, backoffMs: 1 });
  await assert.rejects(dead.getJson("/models"), (e: unknown) => e instanceof T1Error && /ECONNREFUSED|fetch failed/.test(e.message) && /after 3 attempts/.test(e.message));
});

test("t1 serve: the CLI starts a server that answers /v1/models and /v1/embeddings", async () => {
  const { child, base } = await startServeChild(["--model", fx.modelDir, "--model-id", "served"]);
  try {
    const remote = await RemoteBackend.open({ url: base });
    assert.equal(remote.modelId, "served");
    same(await remote.embedTexts(["hello"]), await native.embedTexts(["hello"]));
  } finally {
    child.kill("SIGTERM");
  }
});

test("the HTTP client keeps at most `concurrency` requests in flight and serves the waiting ones in turn", async () => {
  let active = 0;
  let peak = 0;
  const { server: s, url: u } = await listen((req, res) => {
    active++;
    peak = Math.max(peak, active);
    setTimeout(() => {
      active--;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ path: req.url }));
    }, 20);
  });
  try {
    const { HttpClient } = await import("../../src/backends/http-client.js");
    const client = new HttpClient(u + "/v1", { concurrency: 2, retries: 0 });
    const replies = await Promise.all(Array.from({ length: 7 }, (_, i) => client.getJson<{ path: string }>(`/r${i}`)));
    assert.deepEqual(replies.map((r) => r.path), Array.from({ length: 7 }, (_, i) => `/v1/r${i}`));
    assert.equal(peak, 2, "never more than 2 requests at the server at once, and the limit is used");
    const one = new HttpClient(u + "/v1", { concurrency: 1, retries: 0 });
    peak = 0;
    await Promise.all([one.getJson("/a"), one.getJson("/b"), one.getJson("/c")]);
    assert.equal(peak, 1);
  } finally {
    s.close();
  }
});
