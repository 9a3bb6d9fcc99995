/**
 * Runs t1's BM25 and Lucene's on one classic collection and compares them query by query.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClassicCollection, type ClassicName } from "../../../src/data/classic.js";
import { evaluateRun } from "../../../src/eval/evaluate.js";
import type { Run, ScoredDoc } from "../../../src/data/types.js";
import { bm25Run, buildBm25IndexSync } from "../../../src/retrieval/bm25/index.js";
import { runLucene, writeTsv } from "./lucene-reference.js";

const FOLDERS: Record<ClassicName, string> = { cranfield: "cranfield", cacm: "cacm", cisi: "cisi", vaswani: "vaswani_npl" };

export function parseLuceneRun(text: string): Run {
  const run: Run = new Map();
  for (const line of text.trim().split("\n")) {
    const [qid, , docid, , score] = line.split(" ");
    let list = run.get(qid!);
    if (!list) run.set(qid!, (list = []));
    list.push({ docid: docid!, score: Math.fround(Number(score)) }); // Java printed a float: read it back as one
  }
  return run;
}

/** Asserts the brief's bar (top-10 identical for >= 95% of queries, nDCG@10 within 0.002, scores within 1e-5 relative). */
export function compareWithLucene(t: TestContext, classpath: string, classicDir: string, name: ClassicName): void {
  const c = loadClassicCollection(name, join(classicDir, FOLDERS[name]));
  const tmp = mkdtempSync(join(tmpdir(), "t1-bm25-lucene-"));
  try {
    writeTsv(join(tmp, "docs.tsv"), c.documents);
    writeTsv(join(tmp, "queries.tsv"), c.queries);
    runLucene(classpath, ["run", join(tmp, "docs.tsv"), join(tmp, "queries.tsv"), join(tmp, "lucene.trec"), "1000", "0.9", "0.4"]);
    const lucene = parseLuceneRun(readFileSync(join(tmp, "lucene.trec"), "utf8"));
    const ours = bm25Run(buildBm25IndexSync(c.documents, { quiet: true }), c.queries, { k: 1000, quiet: true });

    let sameTop10 = 0, sameFull = 0, compared = 0, exact = 0, maxRel = 0;
    for (const q of c.queries) {
      const a: ScoredDoc[] = ours.get(q.id) ?? [];
      const b: ScoredDoc[] = lucene.get(q.id) ?? [];
      const ids = (l: ScoredDoc[], n: number): string => l.slice(0, n).map((d) => d.docid).join(" ");
      if (ids(a, 10) === ids(b, 10)) sameTop10++;
      if (ids(a, 1000) === ids(b, 1000)) sameFull++;
      const scoreOf = new Map(b.map((d) => [d.docid, d.score]));
      for (const d of a) {
        const s = scoreOf.get(d.docid);
        if (s === undefined) continue;
        compared++;
        if (s === d.score) exact++;
        maxRel = Math.max(maxRel, Math.abs(s - d.score) / s);
      }
    }
    const measures = ["ndcg_cut.10", "map", "recall.100"];
    const mo = evaluateRun(c.qrels, ours, { measures }).mean;
    const ml = evaluateRun(c.qrels, lucene, { measures }).mean;
    const nq = c.queries.length;
    t.diagnostic(`${name}: top-10 identical ${sameTop10}/${nq}, full top-1000 identical ${sameFull}/${nq}, scores bit-equal ${exact}/${compared}, max rel diff ${maxRel}`);
    t.diagnostic(`${name}: nDCG@10 ours ${mo.ndcg_cut_10!.toFixed(4)} lucene ${ml.ndcg_cut_10!.toFixed(4)}; MAP ${mo.map!.toFixed(4)} / ${ml.map!.toFixed(4)}`);
    assert.ok(sameTop10 >= 0.95 * nq, `top-10 identical for only ${sameTop10}/${nq} queries`);
    assert.ok(Math.abs(mo.ndcg_cut_10! - ml.ndcg_cut_10!) <= 0.002, "nDCG@10 differs by more than 0.002");
    assert.ok(compared > 0 && maxRel <= 1e-5, `scores differ up to ${maxRel} relative`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
