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
import { cosine } from "../helpers/vectors.js";

const fx = await makeTinyModel();
const native = await NativeBackend.open({ model: fx.modelDir });
const llama = await LlamaCppBackend.open({ model: fx.gguf, gpu: false, threads: 1 });
after(async () => {
  await llama.close();
  rmSync(fx.root, { recursive: true, force: true });
});


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

test("a GGUF with add_bos_token / add_eos_token: native (reading that GGUF) and llama.cpp feed the same ids and agree", async () => {
  const { readFileSync, writeFileSync, mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { createTinyModel } = await import("../../src/engine/tiny-model.js");
  const { convertHfToGguf } = await import("../../src/engine/gguf/convert-hf.js");
  const { GgmlType } = await import("../../src/engine/gguf/constants.js");
  const root = mkdtempSync(join(tmpdir(), "t1-bos-eos-"));
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 7, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 128 });
    const cfgPath = join(dir, "tokenizer_config.json");
    const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, add_eos_token: true, add_bos_token: true, bos_token: "<|endoftext|>" }));
    const gguf = join(root, "model.gguf");
    await convertHfToGguf(dir, gguf, { type: GgmlType.F32 });
    const a = await NativeBackend.open({ model: gguf });
    const b = await LlamaCppBackend.open({ model: gguf, gpu: false, threads: 1 });
    try {
      const texts = fixtureCorpus().slice(0, 6).map((d) => d.text);
      const plain = await native.countTokens(texts);
      const counted = await a.countTokens(texts);
      assert.deepEqual(counted, plain.map((n) => n + 1), "T1 inputs get the BOS the GGUF asks for and never its automatic EOS");
      assert.deepEqual(await b.countTokens(texts), counted, "llama.cpp sees the same number of ids");
      const opts = { instruction: "Given a fact, retrieve passages\n", maxLength: 64 };
      const va = await a.embedDocuments(texts, opts);
      const vb = await b.embedDocuments(texts, opts);
      va.forEach((v, i) => assert.ok(cosine(v, vb[i]) >= 0.9999, `doc ${i}: ${cosine(v, vb[i])}`));
      const qa = await encodeQueries(a, FIXTURE_QUERIES, { mode: "reason", maxReasoningTokens: 6 });
      const qb = await encodeQueries(b, FIXTURE_QUERIES, { mode: "reason", maxReasoningTokens: 6 });
      qa.forEach((q, i) => {
        assert.equal(q.reasoning, qb[i].reasoning, q.id);
        assert.ok(cosine(q.vector, qb[i].vector) >= 0.9999, `${q.id}: ${cosine(q.vector, qb[i].vector)}`);
      });
    } finally {
      await b.close();
      await a.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
