/**
 * The built-in default model (models/tiny-t1): small enough to commit, with its format settings,
 * and `t1 convert --to gguf` gives a file llama.cpp (an independent implementation, threads: 1)
 * searches with: the same greedy reasoning and >= 9/10 of the same top 10 as the native engine.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { LlamaCppBackend } from "../../src/backends/llamacpp.js";
import { makeTestbed } from "../../src/data/testbed/index.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { encodeDocuments } from "../../src/retrieval/encoders/document-encoder.js";
import { createIndex } from "../../src/retrieval/index/dense-index.js";
import { defaultModelDir, DEMO_TESTBED } from "../../src/experiment/tiny-t1.js";
import { packageRoot } from "../../src/util/paths.js";
import { scratch } from "../helpers/scratch.js";

const model = defaultModelDir();
const fmt = JSON.parse(readFileSync(join(model, "t1_format.json"), "utf8")) as { instruction: string; max_document_tokens: number; max_reasoning_tokens: number };

test("models/tiny-t1 is a Hugging Face directory under 20 MB with t1_format.json and how it was made", () => {
  const files = readdirSync(model);
  for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "t1_format.json", "training.json"]) assert.ok(files.includes(f), f);
  const bytes = files.reduce((a, f) => a + statSync(join(model, f)).size, 0);
  assert.ok(bytes <= 20 * 2 ** 20, `${bytes} bytes`);
  assert.ok(!files.includes("optimizer.safetensors"), "no optimizer state shipped");
  assert.equal(JSON.parse(readFileSync(join(model, "config.json"), "utf8")).model_type, "qwen3");
});

test("t1 convert --to gguf: llama.cpp (threads 1) reasons exactly as the native engine and ranks >= 9/10 of the same top 10", async () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-tiny-gguf-")));
  const gguf = join(dir, "tiny-t1.gguf");
  const r = spawnSync(process.execPath, ["--import", "tsx", join(packageRoot(), "src", "cli", "main.ts"), "convert", "--to", "gguf", model, gguf], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const native = await NativeBackend.open({ model });
  const llama = await LlamaCppBackend.open({ model: gguf, gpu: false, threads: 1 });
  after(() => llama.close());
  const bed = makeTestbed(DEMO_TESTBED.seed, DEMO_TESTBED.size);
  const queries = bed.test.slice(0, 12).map((q) => ({ id: q.id, text: q.query }));
  const opts = { mode: "reason" as const, instruction: fmt.instruction, maxReasoningTokens: fmt.max_reasoning_tokens };
  const tops: string[][][] = [], reasons: string[][] = [];
  for (const backend of [native, llama]) {
    const idx = createIndex(join(dir, `idx-${backend.kind}`), { dims: backend.dims, model: "tiny-t1", instruction: fmt.instruction });
    await encodeDocuments(backend, bed.corpus, idx, { instruction: fmt.instruction, maxLength: fmt.max_document_tokens });
    const qs = await encodeQueries(backend, queries, opts);
    reasons.push(qs.map((q) => q.reasoning));
    tops.push(idx.searchBatch(qs.map((q) => q.vector), { k: 10 }).map((hits) => hits.map((h) => h.id)));
    idx.close();
  }
  assert.deepEqual(reasons[1], reasons[0]);
  assert.ok(reasons[0]!.some((t) => t.trim().length > 0), "the model writes some reasoning");
  tops[0]!.forEach((ids, q) => {
    const overlap = ids.filter((id) => tops[1]![q]!.includes(id)).length;
    assert.ok(overlap >= 9, `query ${queries[q]!.id}: overlap ${overlap}`);
  });
});
