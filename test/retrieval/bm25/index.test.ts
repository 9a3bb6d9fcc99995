import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { T1Error, InputError } from "../../../src/util/errors.js";
import { bm25Run, buildBm25Index, buildBm25IndexSync, openBm25Index } from "../../../src/retrieval/bm25/index.js";

// Words chosen to be their own Porter stems and not stop words, so the arithmetic below is by hand.
const DOCS = [
  { id: "d1", text: "cat dog" },
  { id: "d2", text: "cat cat fish" },
  { id: "d3", text: "bird" },
  { id: "d4", text: "" }, // counts for gensim's N, not for Lucene's docCount
];

const close = (a: number, b: number, rel = 1e-6): boolean => Math.abs(a - b) <= rel * Math.abs(b);

test("lucene variant: hand-computed Lucene 8 BM25 (no k1+1 factor, N = docs with terms)", () => {
  const idx = buildBm25IndexSync(DOCS, { quiet: true });
  const hits = idx.search("cat fish", { k: 10 });
  // docCount 3, avgdl 6/3 = 2; K(dl) = 0.9 (0.6 + 0.4 dl/2)
  const idfCat = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
  const idfFish = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
  const d2 = idfCat * (2 / (2 + 0.9 * (0.6 + 0.4 * 1.5))) + idfFish * (1 / (1 + 0.9 * (0.6 + 0.4 * 1.5)));
  const d1 = idfCat * (1 / (1 + 0.9 * (0.6 + 0.4 * 1)));
  assert.deepEqual(hits.map((h) => h.docid), ["d2", "d1"]);
  assert.ok(close(hits[0]!.score, d2) && close(hits[1]!.score, d1), JSON.stringify(hits));
  // A repeated query term is a boost of 2 on its clause (Anserini's bag of words).
  const twice = idx.search("cat cat", { k: 10 });
  assert.ok(close(twice[1]!.score, 2 * d1));
});

test("bright-gensim variant: hand-computed gensim LuceneBM25Model weights on both sides", () => {
  const idx = buildBm25IndexSync(DOCS, { quiet: true, variant: "bright-gensim" });
  const hits = idx.search("cat fish", { k: 10 });
  // N = 4 (empty doc included), avgdl = 6/4 = 1.5, idf = ln(N+1) − ln(df+0.5), K(len) = 0.9 (0.6 + 0.4 len/1.5)
  const idfCat = Math.log(5) - Math.log(2.5);
  const idfFish = Math.log(5) - Math.log(1.5);
  const K = (len: number): number => 0.9 * (0.6 + (0.4 * len) / 1.5);
  const qCat = idfCat * (1 / (1 + K(2))); // query "cat fish": 2 tokens
  const qFish = idfFish * (1 / (1 + K(2)));
  const d2 = qCat * idfCat * (2 / (2 + K(3))) + qFish * idfFish * (1 / (1 + K(3)));
  const d1 = qCat * idfCat * (1 / (1 + K(2)));
  assert.deepEqual(hits.map((h) => h.docid), ["d2", "d1"]);
  assert.ok(close(hits[0]!.score, d2) && close(hits[1]!.score, d1), JSON.stringify(hits));
  // BRIGHT ranks every document: zero-score ones fill the list in corpus order.
  const padded = idx.search("cat fish", { k: 4, padWithZeros: true, exclude: new Set(["d3"]) });
  assert.deepEqual(padded.map((h) => [h.docid, h.score === 0]), [["d2", false], ["d1", false], ["d4", true]]);
});

test("save/open round trip: same results, checksum and header checks", async () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-bm25-idx-"));
  try {
    async function* gen() {
      for (let i = 0; i < 300; i++) yield { id: `doc-${i}`, text: `alpha${i % 7} beta${i % 13} gamma ${"delta ".repeat(i % 5)} ünïcode-${i % 3}` };
    }
    const built = await buildBm25Index(gen(), { quiet: true });
    const path = join(dir, "idx.bm25");
    built.save(path);
    const opened = openBm25Index(path);
    assert.equal(opened.numDocs, 300);
    assert.equal(opened.numTerms, built.numTerms);
    for (const q of ["alpha3 beta5", "gamma delta", "ünïcode-2 alpha1", "nothing-matches"]) {
      assert.deepEqual(opened.search(q, { k: 50 }), built.search(q, { k: 50 }), q);
    }
    const run = bm25Run(opened, [{ id: "q1", text: "alpha3" }], { k: 5, quiet: true, exclude: new Map([["q1", new Set(["doc-3"])]]) });
    assert.equal(run.get("q1")!.length, 5);
    assert.ok(!run.get("q1")!.some((h) => h.docid === "doc-3"));

    const bytes = readFileSync(path);
    const corrupt = Buffer.from(bytes);
    corrupt[Math.floor(corrupt.length / 2)]! ^= 0xff;
    writeFileSync(join(dir, "corrupt.bm25"), corrupt);
    assert.throws(() => openBm25Index(join(dir, "corrupt.bm25")), (e: unknown) => e instanceof T1Error && /checksum/.test(e.message));
    writeFileSync(join(dir, "short.bm25"), bytes.subarray(0, bytes.length - 100));
    assert.throws(() => openBm25Index(join(dir, "short.bm25")), T1Error);
    writeFileSync(join(dir, "notidx.bm25"), "hello world, not an index at all");
    assert.throws(() => openBm25Index(join(dir, "notidx.bm25")), /magic/);
    assert.throws(() => openBm25Index(join(dir, "absent.bm25")), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: duplicate ids and non-string text are named", () => {
  assert.throws(() => buildBm25IndexSync([{ id: "a", text: "x" }, { id: "a", text: "y" }], { quiet: true, source: "docs.jsonl" }), (e: unknown) => e instanceof InputError && /docs\.jsonl.*duplicate document id "a"/.test(e.message));
  assert.throws(() => buildBm25IndexSync([{ id: "a", text: 5 as unknown as string }], { quiet: true }), InputError);
  assert.throws(() => buildBm25IndexSync(DOCS, { quiet: true }).search("cat", { k: -1 }), T1Error);
});

test("ties rank the earlier document first, as Lucene's collector does", () => {
  const idx = buildBm25IndexSync([{ id: "z", text: "same words" }, { id: "a", text: "same words" }, { id: "m", text: "same words" }], { quiet: true });
  assert.deepEqual(idx.search("same", { k: 2 }).map((h) => h.docid), ["z", "a"]);
});

test("k1, b and variant given at search time override the index's defaults", () => {
  const lucene = buildBm25IndexSync(DOCS, { quiet: true });
  const gensim = buildBm25IndexSync(DOCS, { quiet: true, variant: "bright-gensim", k1: 1.2, b: 0.75 });
  assert.deepEqual(lucene.search("cat fish", { variant: "bright-gensim", k1: 1.2, b: 0.75 }), gensim.search("cat fish"));
  assert.deepEqual(gensim.search("cat fish", { variant: "lucene", k1: 0.9, b: 0.4 }), lucene.search("cat fish"));
  assert.notDeepEqual(lucene.search("cat fish", { k1: 2, b: 1 }), lucene.search("cat fish"));
});
