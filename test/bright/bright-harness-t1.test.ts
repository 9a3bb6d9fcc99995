/**
 * `t1 bright eval --retriever t1` end to end on a tiny random model (createTinyModel) and one small
 * synthetic domain with exclusions (leetcode): instructions and reasoning settings logged, excluded
 * documents dropped before the top-k cut (the k-cut run is the head of the uncut one), nDCG@10 equal to
 * evaluateRun on the run file, and a rerun that reuses the index and the reasoning cache; the backend
 * flags (--backend llamacpp --no-gpu) reach the backend and results.json.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { brightInstruction } from "../../src/data/bright-domains.js";
import { evaluateRun } from "../../src/eval/evaluate.js";
import { readRun } from "../../src/data/trec-files.js";
import { runInProcess } from "../cli/in-process.js";
import { makeTinyModel } from "../backends/fixtures/tiny.js";
import { fixtureDomain, writeFixtureDomain } from "./bright-harness-fixture.js";

const root = mkdtempSync(join(tmpdir(), "t1-bright-harness-t1-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("t1 bright eval --retriever t1 on a tiny model: one domain, exclusions before the cut, logged protocol, resume", async () => {
  const model = join(root, "model");
  createTinyModel(model, { arch: "qwen3", seed: 7, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 128 });
  const dir = join(root, "BRIGHT");
  const fx = await fixtureDomain("leetcode", 3, 12);
  // Tiny-model prefill is per token: keep the (real, long) leetcode queries short.
  for (const r of fx.rows) r.query = r.query.slice(0, 300);
  writeFixtureDomain(dir, "leetcode", fx);
  const K = 5;
  const common = ["bright", "eval", "--retriever", "t1", "--model", model, "--dir", dir, "--domains", "leetcode", "--max-reasoning-tokens", "4", "--max-doc-length", "160", "--threads", "1", "--quiet"];

  const out = join(root, "res");
  const r = await runInProcess([...common, "--out", out, "--k", String(K)]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { protocol: Record<string, any>; domains: any[]; command: string };
  assert.equal(json.protocol.retriever, "t1");
  assert.equal(json.protocol.t1.model, model);
  assert.equal(json.protocol.t1.backend, "native");
  assert.equal(json.protocol.t1.reasoningMode, "reason");
  assert.equal(json.protocol.t1.maxReasoningTokens, 4);
  assert.ok(typeof json.protocol.t1.modelId === "string");
  assert.match(json.command, /--retriever t1 .*--model /);
  const d = json.domains[0];
  assert.deepEqual(d.instruction, { query: brightInstruction("leetcode"), document: brightInstruction("leetcode") });
  assert.equal(d.details.reasoning.queries, fx.rows.length);
  assert.equal(d.documents, fx.docs.length);

  const run = readRun(join(out, "leetcode.trec"));
  const qrels = new Map(fx.rows.map((row) => [row.id, new Map(row.gold_ids.map((g) => [g, 1]))]));
  const ev = evaluateRun(qrels, run, { measures: ["ndcg_cut.10", "recall.100", "recall.1000"], mode: "pytrec_eval" });
  assert.equal(d.metrics.ndcg_cut_10, ev.mean.ndcg_cut_10);
  assert.equal(d.metrics.recall_1000, ev.mean.recall_1000);

  // The same model with no cut (k = every document): the k-cut run must be its head, and no
  // excluded id appears in either.
  const outAll = join(root, "res-all");
  const all = await runInProcess([...common, "--out", outAll, "--k", String(fx.docs.length)]);
  assert.equal(all.code, 0, all.stderr);
  const full = readRun(join(outAll, "leetcode.trec"));
  for (const row of fx.rows) {
    const banned = new Set(row.excluded_ids.filter((x) => x !== "N/A"));
    const got = run.get(row.id)!.map((x) => x.docid);
    assert.equal(got.length, K, "k documents remain after the exclusions");
    assert.deepEqual(got, full.get(row.id)!.slice(0, K).map((x) => x.docid));
    assert.equal(full.get(row.id)!.length, fx.docs.length - banned.size, "every document scored, the excluded ones dropped");
    for (const id of [...got, ...full.get(row.id)!.map((x) => x.docid)]) assert.ok(!banned.has(id), `excluded ${id} returned`);
  }
  const dAll = (JSON.parse(readFileSync(join(outAll, "results.json"), "utf8")) as { domains: any[] }).domains[0];
  assert.equal(dAll.exclusions.dropped, d.exclusions.applied, "with no cut every excluded id is dropped from the ranking");

  // Resume: the record gone (a kill before it was written) recomputes from the cached index and reasoning.
  unlinkSync(join(out, "domains", "leetcode.json"));
  const again = await runInProcess([...common, "--out", out, "--k", String(K)]);
  assert.equal(again.code, 0, again.stderr);
  const d2 = (JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { domains: any[] }).domains[0];
  assert.equal(d2.index.reused, true);
  assert.equal(d2.details.reasoning.fromCache, fx.rows.length);
  assert.equal(d2.metrics.ndcg_cut_10, d.metrics.ndcg_cut_10);
  assert.match(readFileSync(join(out, "report.html"), "utf8"), /<tr class="domain"><td>leetcode<\/td>/);
});

test("t1 bright eval --retriever t1: domains with the same documents and instruction (aops, theoremqa_questions) encode them once", async () => {
  const model = join(root, "model-shared");
  createTinyModel(model, { arch: "qwen3", seed: 7, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 128 });
  const dir = join(root, "BRIGHT-math");
  const fx = await fixtureDomain("leetcode", 2, 6);
  for (const r of fx.rows) r.query = r.query.slice(0, 200);
  writeFixtureDomain(dir, "aops", fx);
  writeFixtureDomain(dir, "theoremqa_questions", fx);
  const out = join(root, "res-math");
  const r = await runInProcess(["bright", "eval", "--retriever", "t1", "--model", model, "--dir", dir, "--domains", "aops,theoremqa_questions", "--out", out, "--k", "5", "--max-reasoning-tokens", "2", "--max-doc-length", "96", "--threads", "1", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const [a, t] = (JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { domains: any[] }).domains;
  assert.equal(a.details.documentsEncoded, fx.docs.length);
  assert.equal(t.index.path, a.index.path, "one index for both");
  assert.equal(t.details.documentsEncoded, 0);
  assert.equal(t.index.reused, true);
  assert.equal(t.metrics.ndcg_cut_10, a.metrics.ndcg_cut_10, "same documents, queries and instruction: same numbers");
});

test("t1 bright eval --backend llamacpp --no-gpu: the flag reaches the backend and is recorded in results.json", async () => {
  const fx = await makeTinyModel();
  after(() => rmSync(fx.root, { recursive: true, force: true }));
  const dir = join(root, "BRIGHT-llama");
  const data = await fixtureDomain("leetcode", 2, 6);
  for (const r of data.rows) r.query = r.query.slice(0, 200);
  writeFixtureDomain(dir, "leetcode", data);
  const out = join(root, "res-llama");
  const r = await runInProcess(["bright", "eval", "--retriever", "t1", "--backend", "llamacpp", "--model", fx.gguf, "--no-gpu", "--dir", dir, "--domains", "leetcode", "--out", out, "--k", "5", "--max-reasoning-tokens", "2", "--max-doc-length", "96", "--threads", "1", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { protocol: Record<string, any>; command: string };
  assert.equal(json.protocol.t1.backend, "llamacpp");
  assert.equal(json.protocol.t1.gpu, false, "--no-gpu is the backend's, not dropped on the way");
  assert.match(json.command, / --no-gpu/);
});
