import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { needShared } from "../helpers/shared.js";
import { loadClassicCollection } from "../../src/data/classic.js";
import { T1Error, InputError } from "../../src/util/errors.js";
import type { Collection } from "../../src/data/types.js";

function judgments(c: Collection): { pairs: number; relevant: number; queries: number } {
  let pairs = 0;
  let relevant = 0;
  for (const q of c.qrels.values()) for (const r of q.values()) (pairs++, r > 0 && relevant++);
  return { pairs, relevant, queries: c.qrels.size };
}

/** Every judged query and document must exist: a loader that mis-numbers ids fails here. */
function assertConsistent(c: Collection, emptyDocs: string[] = []): void {
  const qids = new Set(c.queries.map((q) => q.id));
  const dids = new Set(c.documents.map((d) => d.id));
  assert.equal(dids.size, c.documents.length, "unique document ids");
  assert.equal(qids.size, c.queries.length, "unique query ids");
  for (const [qid, docs] of c.qrels) {
    assert.ok(qids.has(qid), `judged query ${qid} exists`);
    for (const d of docs.keys()) assert.ok(dids.has(d), `judged doc ${d} exists`);
  }
  assert.deepEqual(c.documents.filter((d) => d.text === "").map((d) => d.id), emptyDocs, "documents without text");
  for (const q of c.queries) assert.ok(q.text.length > 0, `query ${q.id} has text`);
}

test("Cranfield: 1400 docs, 225 queries numbered by position, graded qrels made higher-is-better", (t) => {
  const dir = needShared("data", "classic", "cranfield");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const c = loadClassicCollection("cranfield");
  assert.equal(c.documents.length, 1400);
  assert.equal(c.queries.length, 225);
  assertConsistent(c, ["471", "995"]); // both records are empty in cran.all.1400 itself
  assert.deepEqual(judgments(c), { pairs: 1837, relevant: 1612, queries: 225 });
  // cran.qry's third record is ".I 004": position 3, which is how cranqrel numbers it.
  assert.equal(c.queries[2]!.id, "3");
  assert.equal(c.queries[2]!.text, "what problems of heat conduction in composite slabs have been solved so far .");
  assert.equal(c.qrels.get("1")!.get("184"), 3, "code 2 becomes level 3");
  assert.equal(c.qrels.get("1")!.get("486"), 0, "code -1 becomes 0 (judged not relevant)");
  const d1 = c.documents[0]!;
  assert.equal(d1.title, "experimental investigation of the aerodynamics of a wing in a slipstream .");
  assert.ok(d1.text.startsWith(d1.title + "\n" + d1.title + " an experimental study"), "title, then the .W body (which repeats it)");
  assert.ok(!d1.text.includes("brenckman"), "authors are left out");
});

test("CACM: the spurious empty .I 0 query is dropped; zero-padded qrels ids match", (t) => {
  const dir = needShared("data", "classic", "cacm");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const c = loadClassicCollection("cacm");
  assert.equal(c.documents.length, 3204);
  assert.equal(c.queries.length, 64);
  assert.ok(!c.queries.some((q) => q.id === "0"));
  assertConsistent(c);
  assert.deepEqual(judgments(c), { pairs: 796, relevant: 796, queries: 52 });
  assert.equal(c.qrels.get("1")!.get("1410"), 1);
  assert.equal(c.documents[0]!.text, "Preliminary Report-International Algebraic Language", "no abstract: title only");
});

test("CISI and Vaswani load with the published counts", (t) => {
  const cisiDir = needShared("data", "classic", "cisi");
  const vasDir = needShared("data", "classic", "vaswani_npl");
  if (typeof cisiDir !== "string") return t.skip(cisiDir.skip);
  if (typeof vasDir !== "string") return t.skip(vasDir.skip);
  const cisi = loadClassicCollection("cisi");
  assert.equal(cisi.documents.length, 1460);
  assert.equal(cisi.queries.length, 112);
  assertConsistent(cisi);
  assert.deepEqual(judgments(cisi), { pairs: 3114, relevant: 3114, queries: 76 });
  const v = loadClassicCollection("vaswani");
  assert.equal(v.documents.length, 11429);
  assert.equal(v.queries.length, 93);
  assertConsistent(v);
  assert.deepEqual(judgments(v), { pairs: 2083, relevant: 2083, queries: 93 });
  assert.equal(v.queries[0]!.text, "MEASUREMENT OF DIELECTRIC CONSTANT OF LIQUIDS BY THE USE OF MICROWAVE TECHNIQUES");
  assert.equal(v.documents[0]!.text, "compact memories have flexible capacities a digital data storage system with capacity up to bits and random and or sequential access is described");
});

test("missing folder is NOT_FOUND with a hint; malformed files name file:line", () => {
  assert.throws(() => loadClassicCollection("cacm", "/nonexistent/cacm"), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND" && /\/nonexistent\/cacm/.test(e.message));
  const dir = mkdtempSync(join(tmpdir(), "t1-cran-"));
  writeFileSync(join(dir, "cran.all.1400"), ".I 1\n.T\nt\n.W\nbody\n");
  writeFileSync(join(dir, "cran.qry"), ".I 001\n.W\nq\n");
  writeFileSync(join(dir, "cranqrel"), "1 1 2\n1 2 7\n");
  assert.throws(() => loadClassicCollection("cranfield", dir), (e: unknown) => e instanceof InputError && /cranqrel:2: expected `query doc code` with code -1 or 1\.\.4/.test(e.message));
  writeFileSync(join(dir, "cran.qry"), ".I x1\n.W\nq\n");
  assert.throws(() => loadClassicCollection("cranfield", dir), /cran\.qry:1: expected "\.I <number>"/);
});
