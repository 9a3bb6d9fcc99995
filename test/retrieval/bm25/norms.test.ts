import { test } from "node:test";
import assert from "node:assert/strict";
import { byte4ToInt, intToByte4, LENGTH_TABLE } from "../../../src/retrieval/bm25/index.js";
import { luceneReference, runLucene } from "./lucene-reference.js";

test("SmallFloat: small counts are exact, larger ones round down to a 4-bit mantissa", () => {
  for (let i = 0; i < 24; i++) assert.equal(byte4ToInt(intToByte4(i)), i);
  assert.equal(byte4ToInt(intToByte4(41)), 40); // 24 + 17 → 24 + 16
  assert.equal(byte4ToInt(intToByte4(1000)), 984);
  for (let n = 0; n < 100000; n += 7) {
    const d = byte4ToInt(intToByte4(n));
    assert.ok(d <= n && n - d <= Math.max(0, n - 24) / 8 + 1, `${n} → ${d}`);
  }
  assert.equal(intToByte4(0x7fffffff), 255);
});

test("LENGTH_TABLE equals Lucene's SmallFloat.byte4ToInt for all 256 bytes", (t) => {
  const ref = luceneReference();
  if ("skip" in ref) return t.skip(ref.skip);
  const lucene = runLucene(ref.classpath, ["lengthtable"]).trim().split("\n").map(Number);
  assert.deepEqual(Array.from({ length: 256 }, (_, i) => byte4ToInt(i)), lucene);
  // BM25Similarity keeps the table as Java floats.
  assert.deepEqual([...LENGTH_TABLE], lucene.map(Math.fround));
});
