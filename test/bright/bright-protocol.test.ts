/**
 * `t1 bright eval` end to end on generated documents with BRIGHT's real queries and qrels
 * (../shared/data/bright), in the default (official) mode and in `--compat pyserini`:
 * - results.json records every protocol choice (mode, exclusion rule, averaging, dataset revision and
 *   document hashes, query prompt and document instruction per domain, document length and its
 *   source, truncation counts, reasoning budget, decoding and stop tokens);
 * - the two modes differ exactly where they should: R@1000 on aops, leetcode and
 *   theoremqa_questions (exclusions after the cut leave fewer than k documents), and the averaging of
 *   a query with zero hits (a stop-words-only query added to biology: left out of pytrec_eval's mean,
 *   counted 0 by trec_eval -c); a domain with neither (earth_science) scores identically.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { brightInstruction, type BrightDomain } from "../../src/data/bright-domains.js";
import { writeBrightDownloadRecord } from "../../src/data/bright-revision.js";
import { readBrightExpectedScores } from "../../src/data/bright-expected.js";
import { readRun } from "../../src/data/trec-files.js";
import { applyExclusions, applyExclusionsAfterCut } from "../../src/data/bright.js";
import { needShared } from "../helpers/shared.js";
import { runInProcess } from "../cli/in-process.js";
import { fixtureDomain, writeFixtureDomain, type FixtureDomain } from "./bright-harness-fixture.js";

const root = mkdtempSync(join(tmpdir(), "t1-bright-protocol-"));
after(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, "BRIGHT");
const shared = needShared("data", "bright");
const DOMAINS: BrightDomain[] = ["biology", "earth_science", "leetcode", "aops", "theoremqa_questions"];
const EXCLUDING: BrightDomain[] = ["leetcode", "aops", "theoremqa_questions"];
const ZERO_HIT_QID = "t1-fixture-stopwords-only";
const K = 4;
const fixtures = new Map<BrightDomain, FixtureDomain>();

before(async () => {
  if (typeof shared !== "string") return;
  for (const d of DOMAINS) {
    const fx = await fixtureDomain(d, 4, 60);
    if (d === "biology") {
      // Every word is an English stop word: the Lucene analyzer leaves no term, BM25 returns nothing.
      fx.rows.push({ id: ZERO_HIT_QID, query: "The and of it is? Is it the one, or not?", reasoning: "N/A", gold_ids: [fx.docs[0]!.id], gold_ids_long: ["N/A"], excluded_ids: ["N/A"], gold_answer: "N/A" });
    }
    fixtures.set(d, fx);
    writeFixtureDomain(dir, d, fx);
  }
  writeBrightDownloadRecord(dir, { repo: "xlangai/BRIGHT", revision: "3066d29c9651a576c8aba4832d249807b181ecae", downloadedAt: "2026-01-01T00:00:00Z" });
});

type Json = { protocol: Record<string, any>; domains: any[]; reference?: any; average: Record<string, number> };
const readJson = (out: string): Json => JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Json;
const sha256 = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

test("bm25: official vs --compat pyserini differ exactly at R@1000 of aops/leetcode/theoremqa_questions and zero-hit averaging; every choice recorded", async (t) => {
  if (typeof shared !== "string") return t.skip(shared.skip);
  const common = ["bright", "eval", "--retriever", "bm25", "--dir", dir, "--domains", DOMAINS.join(","), "--k", String(K), "--quiet"];
  const outA = join(root, "official");
  const outB = join(root, "pyserini");
  const a = await runInProcess([...common, "--out", outA]);
  assert.equal(a.code, 0, a.stderr);
  const b = await runInProcess([...common, "--out", outB, "--compat", "pyserini"]);
  assert.equal(b.code, 0, b.stderr);
  const ja = readJson(outA);
  const jb = readJson(outB);

  // The mode, its exclusion rule and averaging, the dataset revision, recorded in both.
  assert.equal(ja.protocol.compat.mode, "official");
  assert.equal(jb.protocol.compat.mode, "pyserini");
  assert.match(ja.protocol.exclusions.rule, /BEFORE keeping the top k/);
  assert.match(jb.protocol.exclusions.rule, /keep the top k, THEN drop/);
  assert.match(jb.protocol.evaluation.averaging, /trec_eval -c/);
  for (const j of [ja, jb]) {
    assert.equal(j.protocol.dataset.revision, "3066d29c9651a576c8aba4832d249807b181ecae");
    assert.equal(j.protocol.queryPrompt, null, "BM25 uses no prompt");
    for (const d of j.domains) {
      assert.deepEqual(d.documentFiles, { [`${d.domain}.jsonl`]: sha256(join(dir, "documents", `${d.domain}.jsonl`)) });
      assert.deepEqual(d.instruction, { query: null, document: null });
      assert.equal(d.details.truncatedDocuments, 0);
    }
  }
  const dom = (j: Json, d: BrightDomain) => j.domains.find((x) => x.domain === d)!;

  // Zero hits: the stop-word query has no run line in either mode; pytrec_eval leaves it out of the
  // mean, trec_eval -c counts it as 0, so biology's means scale by n / (n + 1) and nothing else moves.
  const bioA = dom(ja, "biology");
  const bioB = dom(jb, "biology");
  assert.equal(bioA.queriesWithoutHits, 1);
  assert.equal(bioB.queriesWithoutHits, 1);
  assert.ok(!readRun(join(outA, "biology.trec")).has(ZERO_HIT_QID));
  const n = fixtures.get("biology")!.rows.length - 1;
  assert.equal(bioA.evaluatedQueries, n);
  assert.equal(bioB.evaluatedQueries, n + 1);
  for (const m of ["ndcg_cut_10", "recall_100", "recall_1000"]) {
    assert.ok(bioA.metrics[m] > 0, m);
    assert.ok(Math.abs(bioB.metrics[m] - (bioA.metrics[m] * n) / (n + 1)) < 1e-12, `biology ${m}: the zero-hit query counts 0 under -c`);
  }

  // No exclusions, no zero-hit query: identical numbers and run files.
  assert.deepEqual(dom(jb, "earth_science").metrics, dom(ja, "earth_science").metrics);
  assert.equal(readFileSync(join(outB, "earth_science.trec"), "utf8").replace(/t1-bright-bm25/g, ""), readFileSync(join(outA, "earth_science.trec"), "utf8").replace(/t1-bright-bm25/g, ""));

  // Exclusions after the cut leave fewer than k documents and lose the gold ones behind the excluded.
  for (const d of EXCLUDING) {
    const x = dom(ja, d);
    const y = dom(jb, d);
    assert.ok(y.metrics.recall_1000 < x.metrics.recall_1000, `${d}: R@1000 ${y.metrics.recall_1000} (pyserini) < ${x.metrics.recall_1000} (official)`);
    assert.ok(y.runDocuments < x.runDocuments, `${d}: fewer documents remain`);
    assert.equal(x.runDocuments, x.evaluatedQueries * K, `${d}: the official order always keeps k`);
    assert.equal(y.queriesWithoutHits, 0, `${d}: the difference is the cut, not empty queries`);
  }

  // The report puts Anserini's expected numbers beside ours in both modes.
  const expected = readBrightExpectedScores();
  for (const [out, j] of [[outA, ja], [outB, jb]] as const) {
    const html = readFileSync(join(out, "report.html"), "utf8");
    assert.ok(html.includes("Multi-stage pipelines"));
    assert.ok(html.includes("MQR-A1 rewriter + MRE-T1"));
    if (expected) {
      assert.equal(j.reference.scores.biology.ndcg_cut_10, expected.scores.get("biology")!.ndcg_cut_10);
      assert.ok(html.includes("expected_scores.tsv"));
      assert.ok(html.includes(`${(100 * expected.scores.get("leetcode")!.ndcg_cut_10).toFixed(1)} / `));
    }
  }
});

test("t1: document length, document instruction, query prompt and reasoning settings are resolved, recorded and reported", async (t) => {
  if (typeof shared !== "string") return t.skip(shared.skip);
  const model = join(root, "model");
  createTinyModel(model, { arch: "qwen3", seed: 7, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64 });
  // The checkpoint's saved format (t1_format.json, as the format module writes it).
  writeFileSync(join(model, "t1_format.json"), JSON.stringify({ format: "t1", version: 1, document_instruction: "none", max_document_tokens: 48, max_reasoning_tokens: 3, stop_tokens: ["<|im_end|>"] }));
  const tdir = join(root, "BRIGHT-t1");
  const fx = await fixtureDomain("leetcode", 2, 8);
  for (const r of fx.rows) r.query = r.query.slice(0, 200);
  writeFixtureDomain(tdir, "leetcode", fx);
  const common = ["bright", "eval", "--retriever", "t1", "--model", model, "--dir", tdir, "--domains", "leetcode", "--threads", "1", "--quiet", "--k", "5"];

  // Defaults: everything from t1_format.json; BRIGHT's prompt preset.
  const out1 = join(root, "t1-default");
  const r1 = await runInProcess([...common, "--out", out1]);
  assert.equal(r1.code, 0, r1.stderr);
  const j1 = readJson(out1);
  const s1 = j1.protocol.t1;
  assert.equal(j1.protocol.compat.mode, "official");
  assert.equal(s1.maxDocumentTokens, 48);
  assert.equal(s1.maxDocumentTokensSource, "t1_format.json");
  assert.equal(s1.documentInstruction, "none");
  assert.equal(s1.documentInstructionSource, "t1_format.json");
  assert.deepEqual(s1.reasoning, { budget: 3, budgetSource: "t1_format.json", decoding: "greedy", temperature: 0, seed: 0, stopTokens: ["<|im_end|>"] });
  assert.deepEqual(j1.protocol.queryPrompt, { kind: "preset", name: "bright", source: "xlang-ai/BRIGHT configs/<model>/<task>.json task description", fill: "{task} = raw split name" });
  assert.match(j1.protocol.dataset.revision, /unknown/, "a copy without t1-download.json says so");
  const d1 = j1.domains[0]!;
  assert.deepEqual(d1.instruction, { query: brightInstruction("leetcode"), document: "" });
  assert.ok(d1.details.truncatedDocuments > 0 && d1.details.truncatedDocuments <= d1.documents, `truncated ${d1.details.truncatedDocuments}`);
  assert.ok(d1.details.reasoning.meanTokens > 0 && d1.details.reasoning.meanTokens <= 3);
  const html1 = readFileSync(join(out1, "report.html"), "utf8");
  assert.ok(html1.includes("mean reasoning tokens"));
  assert.ok(html1.includes(`leetcode ${d1.details.truncatedDocuments}`), "the report says how many documents were cut");
  assert.ok(html1.includes(d1.details.reasoning.meanTokens.toFixed(1)));

  // Flags over the saved format: a preset length, custom document text, a prompt file, sampling; pyserini mode.
  const promptFile = join(root, "prompt.txt");
  writeFileSync(promptFile, "Find {task} problems that use the same algorithm\n");
  const out2 = join(root, "t1-flags");
  const r2 = await runInProcess([...common, "--out", out2, "--compat", "pyserini", "--doc-length-preset", "bright-e5", "--doc-instruction", "Coding problem:", "--query-prompt-file", promptFile, "--temperature", "0.7", "--seed", "5", "--max-reasoning-tokens", "2"]);
  assert.equal(r2.code, 0, r2.stderr);
  const j2 = readJson(out2);
  const s2 = j2.protocol.t1;
  assert.equal(j2.protocol.compat.mode, "pyserini");
  assert.equal(s2.maxDocumentTokens, 4096);
  assert.equal(s2.maxDocumentTokensSource, "preset bright-e5");
  assert.deepEqual(s2.documentInstruction, { custom: "Coding problem:" });
  assert.equal(s2.documentInstructionSource, "flag");
  assert.deepEqual(s2.reasoning, { budget: 2, budgetSource: "flag", decoding: "sampled", temperature: 0.7, seed: 5, stopTokens: ["<|im_end|>"] });
  assert.deepEqual(j2.protocol.queryPrompt, { kind: "file", file: promptFile, fill: "{task} = raw split name" });
  const d2 = j2.domains[0]!;
  assert.deepEqual(d2.instruction, { query: "Find leetcode problems that use the same algorithm", document: "Coding problem:" });
  assert.equal(d2.details.truncatedDocuments, 0);
  assert.ok(readFileSync(join(out2, "report.html"), "utf8").includes("No document was truncated."));

  // Bad choices are one-line errors.
  const bad = await runInProcess([...common, "--out", join(root, "bad"), "--doc-length-preset", "huge"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--doc-length-preset must be one of t1, bright-e5, .*; got "huge"/);
  const bad2 = await runInProcess([...common, "--out", join(root, "bad"), "--compat", "anserini"]);
  assert.equal(bad2.code, 2);
  assert.match(bad2.stderr, /--compat must be one of official, pyserini; got "anserini"/);
});

test("--compat pyserini's cut: top k first, then -removeQuery (docid = qid) and the excluded ids", () => {
  const run = new Map([["q1", [{ docid: "q1", score: 9 }, { docid: "x", score: 8 }, { docid: "a", score: 7 }, { docid: "b", score: 6 }, { docid: "c", score: 5 }]]]);
  const ex = new Map([["q1", new Set(["x", "c"])]]);
  const after = applyExclusionsAfterCut(run, ex, 3);
  assert.deepEqual(after.run.get("q1"), [{ docid: "a", score: 7 }]);
  assert.equal(after.dropped, 2);
  // The official order keeps k after dropping (the qid itself is only removed in pyserini mode).
  assert.deepEqual(applyExclusions(run, ex, 3).run.get("q1")!.map((d) => d.docid), ["q1", "a", "b"]);
});
