/**
 * The same tiny T1 model through the native engine and through llama.cpp (its F32 GGUF): the
 * independent implementation is the reference for vectors, reasoning and rankings.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { LlamaCppBackend } from "../../src/backends/llamacpp.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { encodeDocuments } from "../../src/retrieval/encoders/document-encoder.js";
import { createIndex } from "../../src/retrieval/index/dense-index.js";
import { EMB_TOKEN } from "../../src/backends/types.js";
import { fixtureCorpus, FIXTURE_QUERIES, makeTinyModel } from "./fixtures/tiny.js";

const fx = await makeTinyModel();
const native = await NativeBackend.open({ model: fx.modelDir });
const llama = await LlamaCppBackend.open({ model: fx.gguf, gpu: false, threads: 1 });
after(async () => {
  await llama.close();
  rmSync(fx.root, { recursive: true, force: true });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

test("document vectors agree (cosine >= 0.9999), truncation included", async () => {
  const texts = fixtureCorpus().map((d) => d.text);
  const opts = { instruction: "Given a fact, retrieve passages\n", maxLength: 10 };
  const a = await native.embedDocuments(texts, opts);
  const b = await llama.embedDocuments(texts, opts);
  assert.equal(a[0].length, 64);
  a.forEach((v, i) => assert.ok(cosine(v, b[i]) >= 0.9999, `doc ${i}: ${cosine(v, b[i])}`));
  // A cut that drops text changes the vector: truncation really happened on both sides.
  const long = await native.embedDocuments(texts, { ...opts, maxLength: 64 });
  assert.ok(cosine(a[0], long[0]) < 0.9999);
  assert.deepEqual(await native.countTokens(texts), await llama.countTokens(texts));
});

test("query vectors and greedy reasoning agree in modes none, external and reason", async () => {
  for (const mode of ["none", "external", "reason"] as const) {
    const queries = FIXTURE_QUERIES.map((q) => ({ ...q, reasoning: `because ${q.text}` }));
    const opts = { mode, instruction: "Given a question, retrieve passages", maxReasoningTokens: 12 };
    const a = await encodeQueries(native, queries, opts);
    const b = await encodeQueries(llama, queries, opts);
    a.forEach((q, i) => {
      assert.equal(q.reasoning, b[i].reasoning, `${mode} ${q.id}`);
      assert.ok(cosine(q.vector, b[i].vector) >= 0.9999, `${mode} ${q.id}: ${cosine(q.vector, b[i].vector)}`);
    });
  }
});

test("generate-then-embed from the KV cache equals one prefill of prompt + reasoning + <emb_token>", async () => {
  for (const backend of [native, llama]) {
    const prompt = backend.chatPrompt("why is the sky blue?");
    const [g] = await backend.generateAndEmbed([prompt], { maxTokens: 6 });
    const [v] = await backend.embedTexts([prompt + g.text + EMB_TOKEN]);
    assert.equal(g.tokens, 6);
    assert.ok(cosine(g.vector, v) >= 0.99999, `${backend.kind}: ${cosine(g.vector, v)}`);
  }
});

test("same top-10 (>= 9/10 overlap per query) from indexes built by each backend", async () => {
  const docs = fixtureCorpus();
  const tops: string[][][] = [];
  for (const backend of [native, llama]) {
    const idx = createIndex(join(fx.root, `idx-${backend.kind}`), { dims: backend.dims, model: "tiny", instruction: "" });
    await encodeDocuments(backend, docs, idx, { batchSize: 8, maxLength: 32 });
    const qs = await encodeQueries(backend, FIXTURE_QUERIES, { mode: "reason", maxReasoningTokens: 8 });
    tops.push(idx.searchBatch(qs.map((q) => q.vector), { k: 10 }).map((hits) => hits.map((h) => h.id)));
    idx.close();
  }
  tops[0].forEach((ids, q) => {
    const overlap = ids.filter((id) => tops[1][q].includes(id)).length;
    assert.ok(overlap >= 9, `query ${q}: overlap ${overlap}`);
  });
});
