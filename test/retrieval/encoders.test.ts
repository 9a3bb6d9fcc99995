import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import type { T1Backend } from "../../src/backends/types.js";
import { createIndex, openIndex } from "../../src/retrieval/index/dense-index.js";
import { encodeDocuments } from "../../src/retrieval/encoders/document-encoder.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { ReasoningCache } from "../../src/retrieval/encoders/reasoning-cache.js";
import { T1Error } from "../../src/util/errors.js";
import { FIXTURE_QUERIES, makeTinyModel } from "../backends/fixtures/tiny.js";
import { bigCorpus, ENCODE_OPTS } from "./fixtures/corpus.js";

const fx = await makeTinyModel({ gguf: false });
const backend = await NativeBackend.open({ model: fx.modelDir, modelId: "tiny" });
after(() => rmSync(fx.root, { recursive: true, force: true }));

test("a document encoding killed mid-run resumes and gives the same vectors as an uninterrupted run", async () => {
  const docs = bigCorpus();
  const refDir = join(fx.root, "ref");
  const ref = createIndex(refDir, { dims: 64, model: "tiny", instruction: ENCODE_OPTS.instruction });
  const r0 = await encodeDocuments(backend, docs, ref, ENCODE_OPTS);
  assert.equal(r0.encoded, 160);
  assert.ok(r0.paddingSaved > 0.3, `length batching saved ${r0.paddingSaved}`);

  const dir = join(fx.root, "resumed");
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures", "encode-child.ts"), fx.modelDir, dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let seen = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      const m = [...d.toString().matchAll(/done (\d+)/g)];
      if (m.length) seen = Number(m[m.length - 1][1]);
      if (seen >= 48) child.kill("SIGKILL");
    });
    child.on("exit", () => resolve());
  });
  assert.ok(seen >= 48 && seen < 160, `child got to ${seen} before the kill`);
  const partial = openIndex(dir);
  const before = partial.size;
  assert.ok(before >= 40 && before < 160, `${before} docs survived the kill`);
  const r = await encodeDocuments(backend, docs, partial, ENCODE_OPTS);
  assert.equal(r.skipped, before);
  assert.equal(r.encoded, 160 - before);
  for (const d of docs) assert.deepEqual(Array.from(partial.vector(d.id)!), Array.from(ref.vector(d.id)!), d.id);
  // Resuming with other settings would mix vectors: refused.
  await assert.rejects(encodeDocuments(backend, docs, partial, { ...ENCODE_OPTS, maxLength: 99 }), (e: unknown) => e instanceof T1Error && e.code === "MISMATCH");
  partial.close();
  ref.close();
});

test("reasoning cache: a rerun does not generate again and returns the same reasoning and vectors", async () => {
  let calls = 0;
  // Counts generation calls on the real backend (a spy, not a mock: every call runs the engine).
  const counting: T1Backend = Object.assign(Object.create(backend) as T1Backend, {
    generateAndEmbed: (p: readonly string[], o: Parameters<T1Backend["generateAndEmbed"]>[1]) => {
      calls += p.length;
      return backend.generateAndEmbed(p, o);
    },
  });
  const dir = mkdtempSync(join(fx.root, "cache-"));
  const path = join(dir, "reasoning.jsonl");
  const opts = { maxReasoningTokens: 6, instruction: "Q" };
  const first = await encodeQueries(counting, FIXTURE_QUERIES, { ...opts, cache: new ReasoningCache(path) });
  assert.equal(calls, 5);
  appendFileSync(path, '{"key":"torn'); // a crash mid-append
  const cache = new ReasoningCache(path);
  assert.equal(cache.loaded, 5);
  const again = await encodeQueries(counting, FIXTURE_QUERIES, { ...opts, cache });
  assert.equal(calls, 5, "no generation on the rerun");
  assert.equal(cache.hits, 5);
  again.forEach((q, i) => {
    assert.ok(q.cached);
    assert.equal(q.reasoning, first[i].reasoning);
    assert.deepEqual(Array.from(q.vector), Array.from(first[i].vector));
  });
  await encodeQueries(counting, FIXTURE_QUERIES.slice(0, 2), { ...opts, maxReasoningTokens: 7, cache });
  assert.equal(calls, 7, "other generation parameters are another key");
  assert.equal(new ReasoningCache(path).size, 7, "entries appended after the torn line still load");
});

test("query modes: none and external differ from reason; external needs reasoning; vectors are unit length", async () => {
  const none = await encodeQueries(backend, FIXTURE_QUERIES, { mode: "none" });
  const ext = await encodeQueries(backend, FIXTURE_QUERIES.map((q) => ({ ...q, reasoning: "light scatters" })), { mode: "external" });
  for (const q of [...none, ...ext]) assert.ok(Math.abs(Math.hypot(...q.vector) - 1) < 1e-5);
  assert.notDeepEqual(Array.from(none[0].vector), Array.from(ext[0].vector));
  assert.equal(ext[0].reasoning, "light scatters");
  await assert.rejects(encodeQueries(backend, FIXTURE_QUERIES, { mode: "external" }), /has no reasoning/);
});

test("buildT1Index syncs a changed corpus: new documents are added, removed ones pruned, BM25 rebuilt", async () => {
  const { buildT1Index } = await import("../../src/retrieval/build-index.js");
  const { openBm25Index } = await import("../../src/retrieval/bm25/index.js");
  const docs = bigCorpus().slice(0, 24);
  const out = join(fx.root, "sync");
  const o = { out, progress: false, batchSize: 8, maxLength: 64, pipeline: { backend: "native" as const } };
  const first = await buildT1Index(backend, docs.slice(0, 16), o);
  assert.equal(first.encoded, 16);
  const second = await buildT1Index(backend, docs.slice(8), { ...o, prune: true });
  assert.equal(second.encoded, 8);
  assert.equal(second.skipped, 8);
  assert.equal(second.pruned, 8);
  const idx = openIndex(out);
  assert.deepEqual(idx.ids().sort(), docs.slice(8).map((d) => d.id).sort());
  assert.equal(idx.manifest.segments.length, 1, "compacted");
  idx.close();
  const bm = openBm25Index(join(out, "bm25.idx"));
  const hits = bm.search(docs[20].text, { k: 24 }).map((h) => h.docid);
  assert.ok(hits.includes(docs[20].id) && !hits.includes(docs[0].id));
});

test("reason mode: reasoning stays within maxReasoningTokens; sampling is reproducible by seed, a cache key of its own, and differs from greedy", async () => {
  const opts = { mode: "reason" as const, instruction: "Q", maxReasoningTokens: 8 };
  const greedy = await encodeQueries(backend, FIXTURE_QUERIES, opts);
  const sampled = { ...opts, temperature: 1.5, seed: 7 };
  const a = await encodeQueries(backend, FIXTURE_QUERIES, sampled);
  const b = await encodeQueries(backend, FIXTURE_QUERIES, sampled);
  const otherSeed = await encodeQueries(backend, FIXTURE_QUERIES, { ...sampled, seed: 8 });
  for (const q of [...greedy, ...a, ...otherSeed]) assert.ok(q.reasoningTokens >= 0 && q.reasoningTokens <= 8, `${q.id}: ${q.reasoningTokens} tokens`);
  assert.ok(greedy.some((q) => q.reasoningTokens === 8), "the bound is what stops the tiny model's reasoning");
  a.forEach((q, i) => {
    assert.equal(q.reasoning, b[i].reasoning, `${q.id}: same seed, same reasoning`);
    assert.deepEqual(Array.from(q.vector), Array.from(b[i].vector));
  });
  const texts = (r: { reasoning: string }[]) => r.map((q) => q.reasoning).join("\u0000");
  assert.notEqual(texts(a), texts(greedy), "temperature 1.5 samples something other than the greedy path");
  assert.notEqual(texts(a), texts(otherSeed), "another seed samples other reasoning");

  const path = join(mkdtempSync(join(fx.root, "cache-")), "reasoning.jsonl");
  const cache = new ReasoningCache(path);
  await encodeQueries(backend, FIXTURE_QUERIES, { ...opts, cache });
  const fromCache = await encodeQueries(backend, FIXTURE_QUERIES, { ...sampled, cache });
  assert.ok(fromCache.every((q) => !q.cached), "sampled reasoning is not served from the greedy entries");
  assert.equal(texts(fromCache), texts(a));
  assert.ok((await encodeQueries(backend, FIXTURE_QUERIES, { ...sampled, cache })).every((q) => q.cached));
});
