import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCorpus } from "../../src/retrieval/build-index.js";

test("loadCorpus reads a JSONL file or a directory of .jsonl(.gz) files, and names duplicate ids", () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-corpus-"));
  writeFileSync(join(dir, "a.jsonl"), '{"id":"1","text":"one"}\n{"_id":"2","contents":"two"}\n');
  writeFileSync(join(dir, "b.jsonl.gz"), gzipSync('{"docid":"3","title":"T","text":"three"}\n'));
  writeFileSync(join(dir, "notes.txt"), "ignored");
  const docs = loadCorpus(dir);
  assert.deepEqual(docs.map((d) => d.id), ["1", "2", "3"]);
  assert.equal(loadCorpus(join(dir, "a.jsonl")).length, 2);
  writeFileSync(join(dir, "c.jsonl"), '{"id":"2","text":"again"}\n');
  assert.throws(() => loadCorpus(dir), /document id "2" appears in both a.jsonl and c.jsonl/);
  assert.throws(() => loadCorpus(join(dir, "missing.jsonl")), /corpus not found/);
  rmSync(dir, { recursive: true });
});
