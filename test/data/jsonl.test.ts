import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { iterateDocuments, readDocuments, readQueries } from "../../src/data/jsonl.js";
import { InputError, T1Error } from "../../src/util/errors.js";

const tmp = () => mkdtempSync(join(tmpdir(), "t1-jsonl-"));

const corpus = [
  JSON.stringify({ _id: "d1", title: "Heat", text: "conduction in slabs" }), // BEIR
  JSON.stringify({ id: "d2", contents: "pyserini style" }), // Pyserini
  "",
  JSON.stringify({ id: 3, content: "BRIGHT style", title: "" }), // BRIGHT, numeric id
  JSON.stringify({ docid: "d4", text: "" }),
].join("\n");

test("documents: BEIR / Pyserini / BRIGHT field names, title joined, .gz and streaming agree", async () => {
  const dir = tmp();
  writeFileSync(join(dir, "c.jsonl"), corpus + "\n");
  writeFileSync(join(dir, "c.jsonl.gz"), gzipSync(corpus));
  const docs = readDocuments(join(dir, "c.jsonl"));
  assert.deepEqual(docs, [
    { id: "d1", text: "Heat\nconduction in slabs", title: "Heat" },
    { id: "d2", text: "pyserini style" },
    { id: "3", text: "BRIGHT style" },
    { id: "d4", text: "" },
  ]);
  assert.deepEqual(readDocuments(join(dir, "c.jsonl.gz")), docs);
  const streamed = [];
  for await (const d of iterateDocuments(join(dir, "c.jsonl.gz"))) streamed.push(d);
  assert.deepEqual(streamed, docs);
});

test("queries: id/qid/_id and text/query", () => {
  const dir = tmp();
  writeFileSync(join(dir, "q.jsonl"), [JSON.stringify({ qid: "1", query: "what is t1" }), JSON.stringify({ _id: "2", text: "beir" }), JSON.stringify({ id: 3, query: "bright", gold_ids: [] })].join("\n"));
  assert.deepEqual(readQueries(join(dir, "q.jsonl")), [{ id: "1", text: "what is t1" }, { id: "2", text: "beir" }, { id: "3", text: "bright" }]);
});

test("bad lines name file:line and what was expected", async () => {
  const dir = tmp();
  const p = join(dir, "bad.jsonl");
  writeFileSync(p, `{"id":"a","text":"ok"}\n{"id":"b","body":"x"}\n`);
  assert.throws(() => readDocuments(p), (e: unknown) => e instanceof InputError && e.message.includes("bad.jsonl:2: expected the document text in one of the fields \"text\", \"contents\", \"content\"; found fields \"id\", \"body\""));
  writeFileSync(p, `{"id":"a","text":"ok"}\n{"id":"a",\n`);
  assert.throws(() => readDocuments(p), /bad\.jsonl:2: expected one JSON object per line, got invalid JSON/);
  await assert.rejects(async () => {
    for await (const _ of iterateDocuments(p)) void _;
  }, /bad\.jsonl:2: expected one JSON object per line/);
  writeFileSync(p, `{"id":"a","text":"ok"}\n{"id":"a","text":"again"}\n`);
  assert.throws(() => readDocuments(p), /bad\.jsonl:2: document id "a" appears twice \(first on line 1\)/);
  writeFileSync(p, `{"id":"a","text":["x"]}\n`);
  assert.throws(() => readDocuments(p), /bad\.jsonl:1: expected the document text to be a string, got object \(field "text"\)/);
  writeFileSync(p, `[1,2]\n`);
  assert.throws(() => readQueries(p), /bad\.jsonl:1: expected a JSON object per line, got an array/);
  assert.throws(() => readDocuments(join(dir, "none.jsonl")), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND");
  await assert.rejects(async () => {
    for await (const _ of iterateDocuments(join(dir, "none.jsonl"))) void _;
  }, (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND");
});
