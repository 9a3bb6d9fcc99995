/**
 * t1's BM25 against Lucene 8.7 itself (scripts/lucene/LuceneBm25.java, compiled at test time) on the
 * classic collections: analyzer output, then full BM25 runs (k1 = 0.9, b = 0.4, depth 1000).
 * CISI and Vaswani runs are in bm25-lucene.slow.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadClassicCollection, type ClassicName } from "../../src/data/classic.js";
import { analyzeEnglish } from "../../src/retrieval/bm25/index.js";
import { needShared } from "../helpers/shared.js";
import { luceneAnalyze, luceneReference } from "./bm25/lucene-reference.js";
import { compareWithLucene } from "./bm25/lucene-compare.js";

function prerequisites(): { classpath: string; dir: string } | { skip: string } {
  const shared = needShared("data", "classic");
  if (typeof shared !== "string") return shared;
  const ref = luceneReference();
  if ("skip" in ref) return ref;
  return { classpath: ref.classpath, dir: shared };
}

test("analyzer output is identical to Lucene's EnglishAnalyzer on every classic-collection text", (t) => {
  const p = prerequisites();
  if ("skip" in p) return t.skip(p.skip);
  for (const name of ["cranfield", "cacm", "cisi", "vaswani"] as ClassicName[]) {
    const c = loadClassicCollection(name, join(p.dir, name === "vaswani" ? "vaswani_npl" : name));
    const records = [...c.documents, ...c.queries.map((q) => ({ id: `query-${q.id}`, text: q.text }))];
    const lucene = luceneAnalyze(p.classpath, records);
    const differing = records.filter((r, i) => analyzeEnglish(r.text).join(" ") !== lucene[i]!.join(" "));
    t.diagnostic(`${name}: ${records.length - differing.length}/${records.length} texts analyzed identically`);
    assert.equal(differing.length, 0, `${name}: first differing text ${differing[0]?.id}`);
  }
});

for (const name of ["cranfield", "cacm"] as ClassicName[]) {
  test(`BM25 run on ${name} equals Lucene 8 BM25Similarity(0.9, 0.4)`, (t) => {
    const p = prerequisites();
    if ("skip" in p) return t.skip(p.skip);
    compareWithLucene(t, p.classpath, p.dir, name);
  });
}
