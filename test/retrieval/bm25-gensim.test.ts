/**
 * The bright-gensim variant against gensim itself (Dictionary, corpus2csc, scipy float32 sparse
 * product: scripts/lucene/bright_gensim_bm25.py) on Cranfield, both fed t1's analyzer tokens (the
 * analyzer is checked against Lucene in bm25-lucene.test.ts). Expected: identical rankings to depth
 * 1000 including BRIGHT's zero-score padding, and bit-equal float32 scores.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadClassicCollection } from "../../src/data/classic.js";
import { analyzeEnglish, bm25Run, buildBm25IndexSync } from "../../src/retrieval/bm25/index.js";
import { packageRoot } from "../../src/util/paths.js";
import { needShared } from "../helpers/shared.js";

const PYTHON = "/usr/bin/python3";

test("bright-gensim on Cranfield is bit-equal to gensim + scipy", (t) => {
  const shared = needShared("data", "classic", "cranfield");
  if (typeof shared !== "string") return t.skip(shared.skip);
  if (spawnSync(PYTHON, ["-c", "import gensim.corpora, scipy, numpy"]).status !== 0) {
    return t.skip(`${PYTHON} cannot import gensim/scipy/numpy (apt-get install python3-gensim); skipping the gensim comparison`);
  }
  const c = loadClassicCollection("cranfield", shared);
  const dir = mkdtempSync(join(tmpdir(), "t1-bm25-gensim-"));
  try {
    const dump = (rows: { id: string; text: string }[]) => rows.map((r) => JSON.stringify({ id: r.id, tokens: analyzeEnglish(r.text) })).join("\n") + "\n";
    writeFileSync(join(dir, "docs.jsonl"), dump(c.documents));
    writeFileSync(join(dir, "queries.jsonl"), dump(c.queries));
    execFileSync(PYTHON, [join(packageRoot(), "scripts", "lucene", "bright_gensim_bm25.py"), join(dir, "docs.jsonl"), join(dir, "queries.jsonl"), join(dir, "gensim.trec"), "1000"]);
    const ref = new Map<string, { docid: string; score: number }[]>();
    for (const line of readFileSync(join(dir, "gensim.trec"), "utf8").trim().split("\n")) {
      const [q, , d, , s] = line.split(" ");
      let l = ref.get(q!);
      if (!l) ref.set(q!, (l = []));
      l.push({ docid: d!, score: Number(s) });
    }
    const ours = bm25Run(buildBm25IndexSync(c.documents, { quiet: true, variant: "bright-gensim" }), c.queries, { k: 1000, quiet: true, padWithZeros: true });
    let sameRanking = 0, exact = 0, compared = 0;
    for (const q of c.queries) {
      const a = ours.get(q.id)!, b = ref.get(q.id)!;
      if (a.map((x) => x.docid).join() === b.map((x) => x.docid).join()) sameRanking++;
      for (let i = 0; i < Math.min(a.length, b.length); i++) {
        compared++;
        if (a[i]!.score === b[i]!.score) exact++;
      }
    }
    t.diagnostic(`cranfield: rankings identical to depth 1000 for ${sameRanking}/${c.queries.length} queries; scores bit-equal ${exact}/${compared}`);
    assert.equal(sameRanking, c.queries.length);
    assert.equal(exact, compared);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
