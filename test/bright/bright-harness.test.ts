/**
 * `t1 bright eval` on a synthetic BRIGHT copy (real query rows when ../shared is there): exclusions
 * dropped before the top-k cut, logged counts, nDCG@10 equal to evaluateRun on the written runs,
 * resume, results.json fields, report.html rows and escaping, and the CLI.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBrightEval } from "../../src/bright/harness.js";
import type { BrightEvalResults } from "../../src/bright/results.js";
import { Bm25BrightRetriever } from "../../src/bright/retrievers.js";
import { renderBrightReport, escapeHtml } from "../../src/bright/report-html.js";
import { BRIGHT_ANCHORS } from "../../src/bright/anchors.js";
import { evaluateRun } from "../../src/eval/evaluate.js";
import { readRun } from "../../src/data/trec-files.js";
import { buildBm25Index } from "../../src/retrieval/bm25/index.js";
import { brightInstruction } from "../../src/data/bright-domains.js";
import type { Qrels } from "../../src/data/types.js";
import { runInProcess } from "../cli/in-process.js";
import { fixtureDomain, writeFixtureDomain, REAL_ROWS, type FixtureDomain } from "./bright-harness-fixture.js";

const root = mkdtempSync(join(tmpdir(), "t1-bright-harness-"));
after(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, "BRIGHT");
const K = 20;
let bio: FixtureDomain;
let leet: FixtureDomain;
const extraFile = join(root, "extra-exclusions.txt");
let extraBanned: [string, string];

before(async () => {
  if (!REAL_ROWS) console.error("bright-harness tests: ../shared/data/bright is absent; using made-up query rows instead of BRIGHT's");
  bio = await fixtureDomain("biology", 5, 120);
  leet = await fixtureDomain("leetcode", 5, 120);
  writeFixtureDomain(dir, "biology", bio);
  writeFixtureDomain(dir, "leetcode", leet);
  // An extra exclusion file (like Anserini's exclude.bright-leetcode.txt): bans one filler for query 0's id.
  extraBanned = [leet.rows[0]!.id, "leetcode/filler_0.txt"];
  // A line for a query that is not evaluated is listed but never applied.
  writeFileSync(extraFile, `${extraBanned[0]} ${extraBanned[1]}\nno-such-query leetcode/filler_1.txt\n`);
});

const qrelsOf = (fx: FixtureDomain): Qrels => new Map(fx.rows.map((r) => [r.id, new Map(r.gold_ids.map((g) => [g, 1]))]));
const exclusionsOf = (fx: FixtureDomain, extra: ReadonlyArray<readonly [string, string]> = []): Map<string, Set<string>> => {
  const m = new Map<string, Set<string>>();
  for (const r of fx.rows) for (const x of r.excluded_ids) if (x !== "N/A") (m.get(r.id) ?? m.set(r.id, new Set()).get(r.id)!).add(x);
  for (const [q, d] of extra) (m.get(q) ?? m.set(q, new Set()).get(q)!).add(d);
  return m;
};

async function evalBoth(out: string, opts: { k?: number; domains?: string[] } = {}): Promise<BrightEvalResults> {
  return runBrightEval({
    dir,
    out,
    retriever: new Bm25BrightRetriever(),
    domains: opts.domains ?? ["biology", "leetcode"],
    k: opts.k ?? K,
    exclusionFiles: (opts.domains ?? ["leetcode"]).includes("leetcode") ? { leetcode: [extraFile] } : {},
    command: "t1 bright eval --out '<x>&'",
    quiet: true,
  });
}

test("exclusions are dropped before the top-k cut; counts logged; nDCG@10 equals evaluateRun on the run files", async () => {
  const out = join(root, "res-main");
  const r = await evalBoth(out);
  assert.deepEqual(r.domains.map((d) => d.domain), ["biology", "leetcode"]);

  for (const [fx, domain, extra] of [[bio, "biology", []], [leet, "leetcode", [extraBanned]]] as const) {
    const rec = r.domains.find((d) => d.domain === domain)!;
    const run = readRun(join(out, `${domain}.trec`));
    const ex = exclusionsOf(fx, extra);
    // Reference: rank every document with BM25 (no exclusion, no cut), drop the excluded ids, keep K.
    const index = await buildBm25Index(fx.docs.map((d) => ({ id: d.id, text: d.content })), { quiet: true });
    let dropped = 0;
    for (const row of fx.rows) {
      const full = index.search(row.query, { k: index.numDocs });
      const banned = ex.get(row.id) ?? new Set<string>();
      dropped += full.slice(0, K).filter((d) => banned.has(d.docid)).length;
      const expected = full.filter((d) => !banned.has(d.docid)).slice(0, K);
      const got = run.get(row.id)!;
      assert.equal(got.length, Math.min(K, expected.length), `${domain} q${row.id}: k documents remain after exclusions`);
      assert.equal(got.length, K, `${domain} q${row.id}: the fixture has more than k candidates`);
      assert.deepEqual(new Set(got.map((d) => d.docid)), new Set(expected.map((d) => d.docid)), `${domain} q${row.id}: the official top-k`);
      for (const d of got) assert.ok(!banned.has(d.docid), `${domain} q${row.id}: excluded ${d.docid} returned`);
    }
    // Counts: listed ids (N/A skipped), the extra file, distinct applied, and the dropped scored ones.
    const listed = fx.rows.reduce((a, row) => a + row.excluded_ids.filter((x) => x !== "N/A").length, 0);
    assert.equal(rec.exclusions.listedInExamples, listed);
    assert.equal(rec.exclusions.listedInFiles, domain === "leetcode" ? 2 : 0);
    assert.equal(rec.exclusions.applied, [...ex.values()].reduce((a, s) => a + s.size, 0));
    assert.equal(rec.exclusions.dropped, dropped);
    if (domain === "leetcode") {
      assert.ok(rec.exclusions.dropped >= listed, "every excluded id is a strong match, so each was scored and dropped");
      assert.deepEqual(rec.exclusions.files, [extraFile]);
    } else assert.equal(rec.exclusions.dropped, 0);

    const ev = evaluateRun(qrelsOf(fx), run, { measures: ["ndcg_cut.10", "recall.100", "recall.1000"], mode: "pytrec_eval" });
    assert.equal(rec.metrics.ndcg_cut_10, ev.mean.ndcg_cut_10);
    assert.equal(rec.metrics.recall_100, ev.mean.recall_100);
    assert.equal(rec.metrics.recall_1000, ev.mean.recall_1000);
    assert.deepEqual(rec.perQueryNdcg10, Object.fromEntries([...ev.perQuery].map(([q, v]) => [q, v.ndcg_cut_10])));
    assert.ok(rec.metrics.ndcg_cut_10 > 0, `${domain}: gold documents share query words, BM25 finds some`);
    assert.equal(rec.documents, fx.docs.length);
    assert.equal(rec.queries, fx.rows.length);
    assert.deepEqual(rec.instruction, { query: null, document: null }, "BM25 uses no instruction, and says so");
  }
  assert.equal(r.average.ndcg_cut_10, (r.domains[0]!.metrics.ndcg_cut_10 + r.domains[1]!.metrics.ndcg_cut_10) / 2);

  // results.json: every protocol choice.
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as BrightEvalResults & { protocol: Record<string, any> };
  assert.match(json.t1Version, /^\d+\.\d+\.\d+/);
  assert.ok(!Number.isNaN(Date.parse(json.timestamp)));
  assert.equal(json.command, "t1 bright eval --out '<x>&'");
  assert.equal(json.protocol.querySet, "examples");
  assert.equal(json.protocol.longDocuments, false);
  assert.equal(json.protocol.topK, K);
  assert.equal(json.protocol.retriever, "bm25");
  assert.deepEqual({ variant: json.protocol.bm25.variant, k1: json.protocol.bm25.k1, b: json.protocol.bm25.b }, { variant: "lucene", k1: 0.9, b: 0.4 });
  assert.equal(json.protocol.evaluation.measures.length, 3);
  assert.match(json.protocol.exclusions.rule, /BEFORE/);
  assert.equal(json.domains.length, 2);
  assert.equal(json.domains[1]!.exclusions.dropped, r.domains[1]!.exclusions.dropped);

  // results.tsv: header, a row per domain, the average.
  const tsv = readFileSync(join(out, "results.tsv"), "utf8").trimEnd().split("\n");
  assert.equal(tsv.length, 4);
  assert.match(tsv[3]!, /^average\t/);

  // report.html: one row per domain, anchors beside, escaped command, no external resources.
  const html = readFileSync(join(out, "report.html"), "utf8");
  assert.equal((html.match(/<tr class="domain">/g) ?? []).length, 2);
  assert.ok(html.includes("&lt;x&gt;&amp;"), "the command is escaped");
  assert.ok(!html.includes("'<x>&'"));
  assert.ok(!/<script|https?:\/\/(?!www\.w3\.org)/.test(html), "self-contained: no scripts, no external URLs");
  for (const a of BRIGHT_ANCHORS) assert.ok(html.includes(escapeHtml(a.system)), a.system);
  assert.ok(html.includes("<svg"));
  assert.ok(html.includes(escapeHtml(brightInstruction("leetcode"))) === false, "BM25: instructions shown as (none)");
});

test("report.html escapes every text it shows", () => {
  const fake: BrightEvalResults = {
    t1Version: "0.0.0<i>",
    timestamp: "2026-01-01T00:00:00Z",
    command: `t1 bright eval --out "a<b>"`,
    protocol: { retriever: "t1", t1: { model: "</pre><script>alert(1)</script>" } },
    domains: [
      {
        domain: "biology",
        settingsKey: "",
        queries: 1,
        evaluatedQueries: 1,
        documents: 2,
        instruction: { query: "Given a <b>biology</b> post & more", document: "doc \"side\"" },
        exclusions: { listedInExamples: 0, listedInFiles: 0, files: [], applied: 0, queriesWithExclusions: 0, dropped: 0, queriesAffected: 0, removedFromCandidates: 0 },
        metrics: { ndcg_cut_10: 0.5, recall_100: 1, recall_1000: 1 },
        perQueryNdcg10: { "0": 0.5 },
        run: "biology.trec",
        runDocuments: 2,
        index: { path: "x", reused: false, seconds: 0 },
        details: {},
        seconds: 0,
        finishedAt: "",
      },
    ],
    average: { ndcg_cut_10: 0.5, recall_100: 1, recall_1000: 1 },
    averageOver: 1,
    resumed: [],
    files: { json: "", tsv: "", html: "" },
  };
  const html = renderBrightReport(fake);
  assert.ok(!html.includes("<script>"));
  assert.ok(!html.includes("<b>biology</b>"));
  assert.ok(html.includes("Given a &lt;b&gt;biology&lt;/b&gt; post &amp; more"));
  assert.ok(html.includes("doc &quot;side&quot;"));
  assert.ok(html.includes("0.0.0&lt;i&gt;"));
  assert.equal((html.match(/<tr class="domain">/g) ?? []).length, 1);
  assert.match(html, /<td class="ours">50\.0<\/td>/);
});

test("resume: finished domains are skipped, a domain cut off mid-run is recomputed, other settings recompute", async () => {
  const out = join(root, "res-resume");
  const first = await evalBoth(out, { domains: ["biology"] });
  assert.deepEqual(first.resumed, []);
  const bioRun = join(out, "biology.trec");
  const mtime = statSync(bioRun).mtimeMs;
  // A run killed inside leetcode: its index may exist, its run file may be half written, no record.
  writeFileSync(join(out, "leetcode.trec"), "garbage\n");
  const second = await evalBoth(out);
  assert.deepEqual(second.resumed, ["biology"]);
  assert.equal(statSync(bioRun).mtimeMs, mtime, "biology was not recomputed");
  assert.equal(second.domains[0]!.metrics.ndcg_cut_10, first.domains[0]!.metrics.ndcg_cut_10);
  assert.equal(readRun(join(out, "leetcode.trec")).size, leet.rows.length);
  // The cached BM25 index is reused by a recomputation.
  unlinkSync(join(out, "domains", "leetcode.json"));
  const third = await evalBoth(out);
  assert.deepEqual(third.resumed, ["biology"]);
  assert.equal(third.domains[1]!.index.reused, true);
  assert.equal(third.domains[1]!.metrics.ndcg_cut_10, second.domains[1]!.metrics.ndcg_cut_10);
  // Another depth: nothing is resumed.
  const fourth = await evalBoth(out, { k: 10 });
  assert.deepEqual(fourth.resumed, []);
  assert.ok([...readRun(bioRun).values()].every((d) => d.length === 10));
});

test("t1 bright eval (CLI): bm25 gensim variant, TSV on stdout, reproducible command line; bad input exits 2", async () => {
  const out = join(root, "res-cli");
  const r = await runInProcess(["bright", "eval", "--retriever", "bm25", "--variant", "bright-gensim", "--dir", dir, "--out", out, "--domains", "leetcode", "--k", String(K), "--exclude", extraFile, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^domain\tqueries/);
  assert.match(r.stdout, /\nleetcode\t/);
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { command: string; protocol: Record<string, any>; domains: { exclusions: { files: string[] } }[] };
  assert.equal(json.protocol.bm25.variant, "bright-gensim");
  assert.equal(json.protocol.bm25.padWithZeros, true);
  assert.deepEqual(json.domains[0]!.exclusions.files, [extraFile]);
  assert.match(json.command, /^t1 bright eval --retriever bm25 .*--domains leetcode .*--k 20 .*--variant bright-gensim --k1 0\.9 --b 0\.4/);
  // Rerunning the recorded command resumes.
  const again = await runInProcess([...json.command.split(" ").slice(1).map((s) => s.replace(/^'(.*)'$/, "$1")), "--quiet"]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual((JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { resumed: string[] }).resumed, ["leetcode"]);
  assert.ok(existsSync(join(out, "report.html")));

  const bad = await runInProcess(["bright", "eval", "--retriever", "colbert", "--dir", dir, "--out", out]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--retriever must be one of bm25, t1; got "colbert"/);
  const several = await runInProcess(["bright", "eval", "--dir", dir, "--out", out, "--domains", "biology,leetcode", "--exclude", extraFile]);
  assert.equal(several.code, 2);
  assert.match(several.stderr, /DOMAIN=FILE/);
  const long = await runInProcess(["bright", "eval", "--dir", dir, "--out", out, "--domains", "leetcode", "--long"]);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /no long documents/);
  const noModel = await runInProcess(["bright", "eval", "--retriever", "t1", "--dir", dir, "--out", out, "--domains", "biology"]);
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /needs --model/);
});
