import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DocStore, DocStoreWriter, openDocStore, removeDocStore, snippet, syncDocStore, DOC_STORE_POINTER } from "../../src/retrieval/index/doc-store.js";
import { InputError } from "../../src/util/errors.js";
import type { Document } from "../../src/data/types.js";
import { scratch } from "../helpers/scratch.js";


const docs: Document[] = [
  { id: "a", text: "plain text" },
  { id: "b/1", text: "Title\n\nline one\nline \"two\" with \\ and tab\t.", title: "Title" },
  { id: "ü", text: "Grüße 👋 日本語 — ok" },
];

test("documents round-trip by id (titles, newlines, quotes, non-ASCII); absent ids are undefined", () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-docs-")));
  assert.equal(openDocStore(dir), undefined, "no store yet");
  const w = DocStoreWriter.open(dir);
  w.put(docs);
  w.commit();
  w.close();
  const s = DocStore.open(dir)!;
  assert.equal(s.size, 3);
  assert.deepEqual(s.ids(), ["a", "b/1", "ü"]);
  for (const d of docs) assert.deepEqual(s.document(d.id), d);
  assert.equal(s.document("missing"), undefined);
  s.close();
  const lines = readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!), "utf8").trimEnd().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l) as Document), docs, "the data file is plain JSONL");
});

test("nothing is visible before commit; a torn append is cut off by the next writer", () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-docs-")));
  const w = DocStoreWriter.open(dir);
  w.put(docs.slice(0, 1));
  w.commit();
  w.put([{ id: "late", text: "never committed" }]);
  w.close(); // as if killed before commit
  const data = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
  const committed = (JSON.parse(readFileSync(join(dir, DOC_STORE_POINTER), "utf8")) as { bytes: number }).bytes;
  assert.ok(statSync(data).size > committed, "the uncommitted line reached the file");
  const r = openDocStore(dir)!;
  assert.equal(r.document("late"), undefined);
  assert.deepEqual(r.ids(), ["a"]);
  r.close();
  const w2 = DocStoreWriter.open(dir);
  assert.equal(statSync(data).size, committed, "the torn tail is truncated");
  w2.put([{ id: "next", text: "committed" }]);
  w2.commit();
  w2.close();
  const r2 = openDocStore(dir)!;
  assert.deepEqual(r2.ids(), ["a", "next"]);
  assert.equal(r2.document("next")!.text, "committed");
  r2.close();
});

test("replacing and deleting; compaction rewrites live lines into a new generation, old readers keep reading", () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-docs-")));
  const many: Document[] = Array.from({ length: 100 }, (_, i) => ({ id: `d${i}`, text: `document number ${i} `.repeat(5) }));
  const w = DocStoreWriter.open(dir, { compactAbove: 0.5 });
  w.put(many);
  w.put([{ id: "d0", text: "replaced" }]);
  w.commit();
  const before = openDocStore(dir)!;
  assert.equal(before.document("d0")!.text, "replaced");
  const firstFile = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  assert.equal(w.delete(many.slice(0, 40).map((d) => d.id)), 40);
  w.commit();
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".jsonl")), firstFile, "40% garbage: no compaction yet");
  w.delete(many.slice(40, 70).map((d) => d.id));
  w.commit();
  w.close();
  const files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  assert.equal(files.length, 1);
  assert.notDeepEqual(files, firstFile, "compacted into a new generation, old file removed");
  assert.equal(before.document("d80")!.text, many[80]!.text, "a reader opened before compaction still reads its file");
  before.close();
  const after = openDocStore(dir)!;
  assert.deepEqual(after.ids(), many.slice(70).map((d) => d.id));
  for (const d of many.slice(70)) assert.deepEqual(after.document(d.id), d);
  assert.equal(after.document("d10"), undefined);
  const expectedBytes = many.slice(70).reduce((a, d) => a + Buffer.byteLength(JSON.stringify({ id: d.id, text: d.text })) + 1, 0);
  assert.equal(statSync(join(dir, files[0]!)).size, expectedBytes, "the compacted file holds exactly the live lines");
  after.close();
});

test("syncDocStore adds new ids, prunes on request, resets; removeDocStore removes everything", () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-docs-")));
  assert.deepEqual(syncDocStore(dir, docs), { added: 3, deleted: 0 });
  assert.deepEqual(syncDocStore(dir, [...docs, { id: "new", text: "n" }]), { added: 1, deleted: 0 });
  assert.deepEqual(syncDocStore(dir, [{ id: "a", text: "changed text is not re-stored" }]), { added: 0, deleted: 0 });
  assert.deepEqual(syncDocStore(dir, [{ id: "a", text: "x" }], { prune: true }), { added: 0, deleted: 3 });
  const s = openDocStore(dir)!;
  assert.deepEqual(s.ids(), ["a"]);
  assert.equal(s.document("a")!.text, "plain text", "an id keeps the text it was indexed with");
  s.close();
  assert.deepEqual(syncDocStore(dir, [{ id: "z", text: "fresh" }], { reset: true }), { added: 1, deleted: 0 });
  assert.deepEqual(openDocStore(dir)!.ids(), ["z"]);
  removeDocStore(dir);
  assert.equal(openDocStore(dir), undefined);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("docs")), []);
});

test("a damaged pointer is a clear error naming the file and field", () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-docs-")));
  const pointer = join(dir, DOC_STORE_POINTER);
  writeFileSync(pointer, "{not json");
  assert.throws(() => openDocStore(dir), (e: unknown) => e instanceof InputError && e.message.includes(pointer) && /not valid JSON/.test(e.message));
  writeFileSync(pointer, JSON.stringify({ format: "t1-docstore", version: 1, file: "docs-1.jsonl", generation: 1, bytes: 0, ids: ["a"], offsets: [], lengths: [] }));
  assert.throws(() => openDocStore(dir), /equal length \(field "ids"\)/);
  writeFileSync(pointer, JSON.stringify({ format: "t1-docstore", version: 1, file: "docs-1.jsonl", generation: 1, bytes: 0, ids: [], offsets: [], lengths: [] }));
  assert.throws(() => openDocStore(dir), /docs-1\.jsonl, which is missing/);
  assert.ok(!existsSync(join(dir, "docs-1.jsonl")));
});

test("snippet: one line, whitespace collapsed, cut with an ellipsis without splitting a surrogate pair", () => {
  assert.equal(snippet("  a\n\n b\tc  ", 160), "a b c");
  assert.equal(snippet("abcdefghij", 10), "abcdefghij");
  assert.equal(snippet("abcdefghijk", 10), "abcdefghi…");
  assert.equal(snippet("abc def ghi", 9), "abc def…");
  assert.equal(snippet("abcdefgh👋xyz", 10), "abcdefgh…");
  assert.equal(snippet("abc", 0), "");
});
