/** Slow part of the Lucene comparison: BM25 runs on CISI and Vaswani (see bm25-lucene.test.ts). */
import { test } from "node:test";
import type { ClassicName } from "../../src/data/classic.js";
import { needShared } from "../helpers/shared.js";
import { luceneReference } from "./bm25/lucene-reference.js";
import { compareWithLucene } from "./bm25/lucene-compare.js";

for (const name of ["cisi", "vaswani"] as ClassicName[]) {
  test(`BM25 run on ${name} equals Lucene 8 BM25Similarity(0.9, 0.4)`, (t) => {
    const shared = needShared("data", "classic");
    if (typeof shared !== "string") return t.skip(shared.skip);
    const ref = luceneReference();
    if ("skip" in ref) return t.skip(ref.skip);
    compareWithLucene(t, ref.classpath, shared, name);
  });
}
