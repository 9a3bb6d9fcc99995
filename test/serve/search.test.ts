/**
 * /v1/t1/search: the served index answers as the pipeline does in process (same ids, scores and
 * reasoning), with snippets of the stored texts; bad requests are 400 naming the field.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { RetrievalPipeline } from "../../src/retrieval/pipeline.js";
import { buildT1Index } from "../../src/retrieval/build-index.js";
import { snippet } from "../../src/retrieval/index/doc-store.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { startServeChild } from "../helpers/serve-child.js";

const fx = await makeTinyModel({ gguf: false });
const backend = await NativeBackend.open({ model: fx.modelDir, modelId: fx.modelDir });
const docs = fixtureCorpus();
const byId = new Map(docs.map((d) => [d.id, d]));
const idx = join(fx.root, "idx");
await buildT1Index(backend, docs, { out: idx, progress: false, batchSize: 8, maxLength: 64, pipeline: { backend: "native", modelPath: fx.modelDir } });
const pipeline = await RetrievalPipeline.open(idx, { backendInstance: backend });
const server = new OpenAIServer(backend, { pipeline });
const url = await server.listen();
const bare = new OpenAIServer(backend);
const bareUrl = await bare.listen();
after(async () => {
  await server.close();
  await bare.close();
  await pipeline.close();
  rmSync(fx.root, { recursive: true, force: true });
});

async function post(base: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/t1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

type Hit = { id: string; score: number; score_name: string; sources: Record<string, number>; snippet?: string };

test("search over HTTP equals the in-process pipeline, with snippets of the stored texts", async () => {
  for (const request of [
    { query: "why is the sky blue?", k: 5, mode: "none" },
    { query: "how do plants make sugar?", k: 4, mode: "none", hybrid: "rrf", snippet_chars: 30 },
    { query: "what is a prime number?", k: 3, mode: "reason", max_reasoning_tokens: 4 },
  ] as const) {
    const r = await post(url, request);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [direct] = await pipeline.search([{ id: "query", text: request.query }], {
      k: request.k,
      mode: request.mode,
      hybrid: "hybrid" in request ? request.hybrid : "none",
      maxReasoningTokens: "max_reasoning_tokens" in request ? request.max_reasoning_tokens : undefined,
    });
    const hits = r.json.hits as Hit[];
    assert.deepEqual(hits.map((h) => h.id), direct!.hits.map((h) => h.id));
    assert.deepEqual(hits.map((h) => h.score), direct!.hits.map((h) => h.score));
    assert.deepEqual(hits.map((h) => h.score_name), direct!.hits.map((h) => h.scoreName));
    assert.equal(r.json.reasoning, direct!.reasoning);
    const chars = ("snippet_chars" in request ? request.snippet_chars : undefined) ?? 160;
    for (const h of hits) assert.equal(h.snippet, snippet(byId.get(h.id)!.text, chars));
  }
  const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { t1: { index?: { documents: number } } }[] };
  assert.equal(models.data[0]!.t1.index!.documents, docs.length);
});

test("bad search requests are 400 naming the field; a server without an index answers 404", async () => {
  const cases: [unknown, RegExp][] = [
    [{}, /"query" is required/],
    [{ query: "" }, /"query" must be a non-empty string/],
    [{ query: "q", k: 0 }, /"k" must be an integer from 1 to 10000, got 0/],
    [{ query: "q", mode: "think" }, /"mode" must be "reason", "none", "external" or "bm25"/],
    [{ query: "q", mode: "external" }, /mode "external" needs "reasoning"/],
    [{ query: "q", hybrid: true }, /"hybrid" must be "none", "rrf" or "weighted"/],
    [{ query: "q", snippet_chars: -1 }, /"snippet_chars" must be a non-negative integer/],
  ];
  for (const [body, re] of cases) {
    const r = await post(url, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match((r.json.error as { message: string }).message, re);
  }
  const none = await post(bareUrl, { query: "q" });
  assert.equal(none.status, 404);
  assert.match((none.json.error as { message: string }).message, /no index is served here/);
});

test("t1 serve --index serves search from the CLI", async () => {
  const { child, base } = await startServeChild(["--model", fx.modelDir, "--index", idx]);
  try {
    const r = await post(base, { query: "why is the sky blue?", k: 3, mode: "none" });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [direct] = await pipeline.search([{ id: "query", text: "why is the sky blue?" }], { k: 3, mode: "none" });
    assert.deepEqual((r.json.hits as Hit[]).map((h) => h.id), direct!.hits.map((h) => h.id));
  } finally {
    child.kill("SIGTERM");
  }
});
