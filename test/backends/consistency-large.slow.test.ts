/**
 * Slow: native engine vs llama.cpp on a ~90M-parameter random Qwen3 model (768 hidden, 12 layers,
 * GQA 12/4): document vectors, generate-then-embed query vectors and greedy reasoning must agree
 * at a size where accumulated rounding differences would show.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { NativeBackend } from "../../src/backends/native.js";
import { LlamaCppBackend } from "../../src/backends/llamacpp.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { fixtureCorpus, FIXTURE_QUERIES } from "./fixtures/tiny.js";
import { cosine } from "../helpers/vectors.js";

const root = mkdtempSync(join(tmpdir(), "t1-large-"));
after(() => rmSync(root, { recursive: true, force: true }));


test("~90M model: native and llama.cpp agree on document and query vectors and greedy reasoning", async () => {
  const dir = join(root, "m");
  createTinyModel(dir, { arch: "qwen3", seed: 11, hiddenSize: 768, layers: 12, heads: 12, kvHeads: 4, headDim: 64, intermediateSize: 2560 });
  await convertHfToGguf(dir, dir + ".gguf", { type: GgmlType.F32 });
  const native = await NativeBackend.open({ model: dir });
  const llama = await LlamaCppBackend.open({ model: dir + ".gguf", gpu: false, threads: 1 });
  try {
    const texts = fixtureCorpus().slice(0, 8).map((d) => d.text);
    const a = await native.embedDocuments(texts, { instruction: "Docs:\n", maxLength: 64 });
    const b = await llama.embedDocuments(texts, { instruction: "Docs:\n", maxLength: 64 });
    a.forEach((v, i) => assert.ok(cosine(v, b[i]) >= 0.9999, `doc ${i}: ${cosine(v, b[i])}`));
    const qa = await encodeQueries(native, FIXTURE_QUERIES.slice(0, 2), { maxReasoningTokens: 16 });
    const qb = await encodeQueries(llama, FIXTURE_QUERIES.slice(0, 2), { maxReasoningTokens: 16 });
    qa.forEach((q, i) => {
      assert.equal(q.reasoning, qb[i].reasoning);
      assert.ok(cosine(q.vector, qb[i].vector) >= 0.9999, `query ${i}: ${cosine(q.vector, qb[i].vector)}`);
    });
  } finally {
    await llama.close();
  }
});
