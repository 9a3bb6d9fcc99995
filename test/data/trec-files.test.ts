import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseQrels, parseRun, parseRunWithTag, readQrels, readRun, writeQrels, writeRun } from "../../src/data/trec-files.js";
import { InputError, T1Error } from "../../src/util/errors.js";
import type { Run } from "../../src/data/types.js";

const tmp = () => mkdtempSync(join(tmpdir(), "t1-trec-"));

test("writeRun ranks by score (ties: docid descending), is atomic, and reads back", () => {
  const dir = tmp();
  const run: Run = new Map([
    ["10", [{ docid: "a", score: 0.5 }, { docid: "b", score: 2 }, { docid: "c", score: 0.5 }, { docid: "d", score: 0.1 + 0.2 }]],
    ["9", [{ docid: "x", score: -1.25 }]],
  ]);
  const path = join(dir, "run.txt");
  writeRun(path, run, "t1-bm25");
  const text = readFileSync(path, "utf8");
  assert.equal(text, ["10 Q0 b 1 2 t1-bm25", "10 Q0 c 2 0.5 t1-bm25", "10 Q0 a 3 0.5 t1-bm25", "10 Q0 d 4 0.30000000000000004 t1-bm25", "9 Q0 x 1 -1.25 t1-bm25", ""].join("\n"));
  assert.deepEqual(readdirSync(dir), ["run.txt"], "no temporary file left behind");
  const back = readRun(path);
  assert.deepEqual(back.get("10")!.map((d) => d.docid), ["b", "c", "a", "d"]);
  assert.equal(back.get("10")!.find((d) => d.docid === "d")!.score, 0.1 + 0.2, "scores round-trip exactly");
  writeRun(path, run, "t", { depth: 2 });
  assert.equal(readRun(path).get("10")!.length, 2);
  assert.throws(() => writeRun(path, run, "has space"), InputError);
});

test("qrels round-trip, comments and blank lines, .gz input", () => {
  const dir = tmp();
  const q = parseQrels("# judged by hand\n1 0 d1 2\n\n1 0 d2 0\n2 0 d1 -1\r\n");
  assert.deepEqual([...q.get("1")!], [["d1", 2], ["d2", 0]]);
  assert.equal(q.get("2")!.get("d1"), -1);
  const path = join(dir, "q.txt");
  writeQrels(path, q);
  assert.equal(readFileSync(path, "utf8"), "1 0 d1 2\n1 0 d2 0\n2 0 d1 -1\n");
  writeFileSync(join(dir, "q.txt.gz"), gzipSync(readFileSync(path)));
  assert.deepEqual(readQrels(join(dir, "q.txt.gz")), q);
});

test("malformed lines name file:line and the expected format", () => {
  assert.throws(() => parseQrels("1 0 d1 1\n1 0 d2\n", "my.qrels"), (e: unknown) => e instanceof InputError && e.message.startsWith("my.qrels:2: expected `qid 0 docid rel`") && e.line === 2);
  assert.throws(() => parseQrels("1 0 d1 high\n", "q"), /q:1: expected `qid 0 docid rel` with an integer rel, got "high" \(field "rel"\)/);
  assert.throws(() => parseQrels("1 0 d1 1\n1 0 d1 0\n", "q"), /q:2: docid "d1" is judged twice/);
  assert.throws(() => parseRun("1 Q0 d1 1 0.5\n", "r.run"), /r\.run:1: expected `qid Q0 docid rank score tag` \(6 fields\), got 5/);
  assert.equal(parseRunWithTag("1 Q0 d1 1 0.5 a trailing junk\n1 Q0 d2 2 0.25 b\n").tag, "b", "extra fields ignored and the last tag reported, as trec_eval");
  assert.throws(() => parseRun("1 Q0 d1 1 NaN x\n", "r"), /r:1: expected a finite number for the score, got "NaN"/);
  assert.throws(() => parseRun("1 Q0 d1 1 1 x\n1 Q0 d1 2 0.5 x\n", "r"), /r:2: docid "d1" is retrieved twice for query "1"/);
  assert.equal(parseRun("1 Q0 d1 1 1 x\n1 Q0 d1 2 0.5 x\n", "r", { duplicates: "keep-last" }).get("1")![0]!.score, 0.5);
  assert.throws(() => readRun("/nonexistent/run.txt"), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND" && /nonexistent/.test(e.message));
  const dir = tmp();
  writeFileSync(join(dir, "bad.gz"), "not gzip");
  assert.throws(() => readQrels(join(dir, "bad.gz")), /bad\.gz: not a valid gzip file/);
});
