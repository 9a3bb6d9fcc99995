import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/util/paths.js";
import { readRun } from "../../../src/data/trec-files.js";
import { bm25Run, buildBm25IndexSync } from "../../../src/retrieval/bm25/index.js";
import { needShared } from "../../helpers/shared.js";

const root = packageRoot();
function t1(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const DOCS = [
  { id: "a", text: "Boundary layer flow over a flat plate" },
  { id: "b", title: "Heat transfer", text: "heat transfer in laminar boundary layers" },
  { id: "c", text: "supersonic flow and shock waves" },
  { id: "d", text: "turbulent flow heat flux measurements" },
];
const QUERIES = [
  { id: "q1", text: "boundary layer heat transfer" },
  { id: "q2", text: "shock waves in supersonic flow" },
];

test("t1 bm25, bm25 index + bm25 search: same run as the library, errors exit 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-bm25-cli-"));
  try {
    writeFileSync(join(dir, "docs.jsonl"), DOCS.map((d) => JSON.stringify(d)).join("\n") + "\n");
    writeFileSync(join(dir, "q.jsonl"), QUERIES.map((q) => JSON.stringify(q)).join("\n") + "\n");
    const direct = t1(["bm25", "--corpus", join(dir, "docs.jsonl"), "--queries", join(dir, "q.jsonl"), "--out", join(dir, "run.trec"), "--quiet"]);
    assert.equal(direct.code, 0, direct.err);
    const expected = bm25Run(buildBm25IndexSync(DOCS.map((d) => ({ id: d.id, text: d.title ? `${d.title}\n${d.text}` : d.text })), { quiet: true }), QUERIES, { quiet: true });
    const got = readRun(join(dir, "run.trec"));
    for (const q of QUERIES) assert.deepEqual(got.get(q.id)!.map((h) => h.docid), expected.get(q.id)!.map((h) => h.docid));

    assert.equal(t1(["bm25", "index", "--corpus", join(dir, "docs.jsonl"), "--out", join(dir, "idx.bm25"), "--quiet"]).code, 0);
    const s = t1(["bm25", "search", "--index", join(dir, "idx.bm25"), "--queries", join(dir, "q.jsonl"), "--out", join(dir, "run2.trec"), "--quiet"]);
    assert.equal(s.code, 0, s.err);
    assert.equal(readFileSync(join(dir, "run2.trec"), "utf8"), readFileSync(join(dir, "run.trec"), "utf8"));
    const one = t1(["bm25", "search", "--index", join(dir, "idx.bm25"), "--query", "shock waves", "--json"]);
    assert.equal(one.code, 0, one.err);
    assert.equal((JSON.parse(one.out) as { docid: string; bm25: number }[])[0]!.docid, "c");

    const missing = t1(["bm25", "--corpus", join(dir, "nope.jsonl"), "--queries", join(dir, "q.jsonl"), "--out", join(dir, "x.trec")]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.jsonl/);
    const badVariant = t1(["bm25", "--corpus", join(dir, "docs.jsonl"), "--queries", join(dir, "q.jsonl"), "--out", join(dir, "x.trec"), "--variant", "okapi"]);
    assert.equal(badVariant.code, 2);
    assert.match(badVariant.err, /--variant must be one of lucene, bright-gensim/);
    const help = t1(["bm25", "--help"]);
    assert.match(help.out, /--k1 N\s+BM25 term-frequency saturation \(default: 0\.9\)/);
    assert.match(help.out, /t1 bm25 search/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("t1 bm25 --collection cranfield prints the Cranfield BM25 metrics; without the shared folder it says where they belong and exits 1", (t) => {
  const absent = t1(["bm25", "--collection", "cranfield"], { T1_SHARED_DIR: join(tmpdir(), "t1-no-such-shared-dir") });
  assert.notEqual(absent.code, 0);
  assert.match(absent.err, /data\/classic\/cranfield/);
  const bad = t1(["bm25", "--collection", "nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--collection must be one of/);
  const shared = needShared("data", "classic", "cranfield");
  if (typeof shared !== "string") return t.skip(shared.skip);
  const r = t1(["bm25", "--collection", "cranfield"]);
  assert.equal(r.code, 0, r.err);
  // 0.3510 is Lucene 8.7's own nDCG@10 for this run (test/retrieval/bm25-lucene.test.ts checks bit-equal scores).
  assert.match(r.out, /nDCG@10\s+0\.3510/);
});
