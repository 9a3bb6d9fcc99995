import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteFile } from "hyparquet-writer";
import { needShared } from "../helpers/shared.js";
import {
  applyExclusions, brightExclusions, loadBrightTask, brightQrels, brightQueries, findBrightFiles, loadBrightDocuments,
  loadBrightExamples, loadBrightExclusions, loadBrightQrelsFile, loadBrightTopics, readExclusionsFile,
} from "../../src/data/bright.js";
import { BRIGHT_DOMAINS, brightInstruction, normalizeBrightDomain } from "../../src/data/bright-domains.js";
import { InputError, T1Error } from "../../src/util/errors.js";
import type { Run } from "../../src/data/types.js";

test("real BRIGHT topics: 1,384 queries; qrels built from gold_ids equal the official qrels files", async (t) => {
  const dir = needShared("data", "bright");
  if (typeof dir !== "string") return t.skip(dir.skip);
  let total = 0;
  for (const domain of BRIGHT_DOMAINS) {
    const ex = await loadBrightTopics(domain);
    total += ex.length;
    assert.deepEqual(brightQrels(ex), loadBrightQrelsFile(domain), domain);
    assert.equal(new Set(ex.map((e) => e.id)).size, ex.length, `${domain}: unique ids`);
    for (const e of ex) for (const d of e.excludedIds) assert.ok(!e.goldIds.includes(d), `${domain} ${e.id}: an excluded id is never gold`);
  }
  assert.equal(total, 1384);
  // Hyphenated (Anserini) and underscored (Hugging Face) names are the same domain.
  assert.deepEqual(await loadBrightTopics("earth-science"), await loadBrightTopics("earth_science"));
  const bio = await loadBrightTopics("biology");
  assert.equal(bio[0]!.goldIdsLong.length, 2, "long-document gold ids kept");
  assert.equal(brightQrels(bio, { longDocuments: true }).get("0")!.get("insects_attracted_to_light/Phototaxis.txt"), 1);
  const leet = await loadBrightTopics("leetcode");
  assert.equal(leet[0]!.reasoning, undefined, '"empty" reasoning placeholder dropped');
  assert.equal(leet[0]!.goldIdsLong.length, 0, '"N/A" dropped');
  assert.deepEqual(brightQueries(leet).slice(0, 1), [{ id: "0", text: leet[0]!.query }]);
});

test("real exclusions: leetcode's file agrees with its excluded_ids; only 3 domains exclude", async (t) => {
  const dir = needShared("data", "bright");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const count = (ex: Map<string, Set<string>>) => [...ex.values()].reduce((a, s) => a + s.size, 0);
  const leet = await loadBrightExclusions("leetcode");
  assert.equal(count(leet), 33485);
  assert.equal(count(readExclusionsFile(join(dir, "exclude.bright-leetcode.txt"))), 33485);
  assert.equal(count(brightExclusions(await loadBrightTopics("leetcode"))), 33485);
  for (const d of ["biology", "pony", "theoremqa_theorems"]) assert.equal(count(await loadBrightExclusions(d)), 0, d);
  const aops = await loadBrightExclusions("aops");
  assert.ok(aops.get("aops_2019_AMC_12A_Problems/Problem_17")!.has("camel_0"));
});

test("applyExclusions drops excluded ids before the top-k cut and counts them", () => {
  const run: Run = new Map([
    ["q1", [{ docid: "a", score: 5 }, { docid: "b", score: 4 }, { docid: "c", score: 3 }, { docid: "d", score: 2 }]],
    ["q2", [{ docid: "a", score: 1 }, { docid: "z", score: 1 }]],
  ]);
  const ex = new Map([["q1", new Set(["a", "c", "not-retrieved"])]]);
  const { run: cut, dropped, droppedPerQuery } = applyExclusions(run, ex, 2);
  // Cut after excluding: b, d survive (cutting first would have kept only b).
  assert.deepEqual(cut.get("q1")!.map((d) => d.docid), ["b", "d"]);
  assert.deepEqual(cut.get("q2")!.map((d) => d.docid), ["z", "a"], "tie order as trec_eval");
  assert.equal(dropped, 2);
  assert.deepEqual([...droppedPerQuery], [["q1", 2]]);
  assert.equal(run.get("q1")!.length, 4, "input untouched");
  assert.throws(() => applyExclusions(run, ex, 0), InputError);
});

test("instructions as BRIGHT publishes them; domain names checked", () => {
  assert.equal(brightInstruction("biology"), "Given a biology post, retrieve relevant passages that help answer the post");
  assert.equal(brightInstruction("earth-science", { longDocuments: true }), "Given a earth_science post, retrieve relevant documents that help answer the post");
  assert.equal(brightInstruction("pony"), "Given a pony question, retrieve relevant passages that help answer the question");
  assert.equal(brightInstruction("leetcode"), "Given a coding problem, retrieve relevant examples that help answer the problem");
  assert.equal(brightInstruction("aops"), "Given a Math problem, retrieve relevant examples that help answer the problem");
  assert.equal(brightInstruction("theoremqa_questions"), brightInstruction("aops"));
  assert.equal(brightInstruction("theoremqa_theorems"), "Given a Math problem, retrieve relevant theorems that help answer the problem");
  assert.throws(() => brightInstruction("aops", { longDocuments: true }), /no long-document setting/);
  assert.throws(() => normalizeBrightDomain("chemistry"), /unknown BRIGHT domain "chemistry"/);
});

test("Hugging Face layout: parquet shards and jsonl, examples / documents / long_documents / gpt4_reason", async () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-bright-"));
  for (const c of ["documents", "long_documents", "examples", "gpt4_reason"]) mkdirSync(join(dir, c));
  // documents as two parquet shards (several row groups each), as the Hub stores large splits.
  parquetWriteFile({ filename: join(dir, "documents", "biology-00000-of-00002.parquet"), columnData: [{ name: "id", data: ["d1", "d2", "d3"], type: "STRING" }, { name: "content", data: ["one", "two", "three"], type: "STRING" }], rowGroupSize: 2 });
  parquetWriteFile({ filename: join(dir, "documents", "biology-00001-of-00002.parquet"), columnData: [{ name: "id", data: ["d4"], type: "STRING" }, { name: "content", data: ["four"], type: "STRING" }] });
  parquetWriteFile({ filename: join(dir, "documents", "biology_extra-00000-of-00001.parquet"), columnData: [{ name: "id", data: ["x"], type: "STRING" }, { name: "content", data: ["not biology"], type: "STRING" }] });
  writeFileSync(join(dir, "long_documents", "biology.jsonl.gz"), gzipSync(JSON.stringify({ id: "L1", content: "long one" }) + "\n"));
  const exampleRow = { id: ["0", "1"], query: ["why do moths fly to light?", "q1"], reasoning: ["", "r"], gold_ids: [["d1"], ["d2", "d3"]], gold_ids_long: [["L1"], ["N/A"]], excluded_ids: [["N/A"], ["d4"]], gold_answer: ["N/A", "a"] };
  parquetWriteFile({ filename: join(dir, "examples", "biology-00000-of-00001.parquet"), columnData: Object.entries(exampleRow).map(([name, data]) => ({ name, data })) });
  writeFileSync(join(dir, "gpt4_reason", "biology.jsonl"), JSON.stringify({ id: "0", query: "Phototaxis: insects orient to light...", gold_ids: ["d1"], gold_ids_long: ["L1"], excluded_ids: ["N/A"] }) + "\n");

  const docs = await loadBrightDocuments(dir, "biology");
  assert.deepEqual(docs, [{ id: "d1", text: "one" }, { id: "d2", text: "two" }, { id: "d3", text: "three" }, { id: "d4", text: "four" }]);
  assert.deepEqual(await loadBrightDocuments(dir, "biology", { longDocuments: true }), [{ id: "L1", text: "long one" }]);
  const ex = await loadBrightExamples(dir, "biology");
  assert.deepEqual(ex[1], { id: "1", query: "q1", reasoning: "r", goldIds: ["d2", "d3"], goldIdsLong: [], excludedIds: ["d4"], goldAnswer: "a" });
  assert.deepEqual(brightQrels(ex), new Map([["0", new Map([["d1", 1]])], ["1", new Map([["d2", 1], ["d3", 1]])]]));
  assert.deepEqual(brightExclusions(ex), new Map([["1", new Set(["d4"])]]));
  const reason = await loadBrightExamples(dir, "biology", { config: "gpt4_reason" });
  assert.equal(brightQueries(reason)[0]!.text, "Phototaxis: insects orient to light...");
  const task = await loadBrightTask(dir, "biology", { queries: "gpt4_reason" });
  assert.equal(task.documents.length, 4);
  assert.deepEqual(task.queries, [{ id: "0", text: "Phototaxis: insects orient to light..." }]);
  assert.deepEqual(task.qrels, new Map([["0", new Map([["d1", 1]])]]), "gold ids from the chosen query config, as run.py");
  assert.deepEqual((await loadBrightTask(dir, "biology")).exclusions, new Map([["1", new Set(["d4"])]]));
  assert.equal(task.instruction, "Given a biology post, retrieve relevant passages that help answer the post");
  const long = await loadBrightTask(dir, "biology", { longDocuments: true });
  assert.deepEqual(long.documents, [{ id: "L1", text: "long one" }]);
  assert.deepEqual(long.qrels, new Map([["0", new Map([["L1", 1]])]]));
  assert.match(long.instruction, /relevant documents/);
  assert.throws(() => findBrightFiles(dir, "documents", "pony"), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND" && /pony-00000-of-00001\.parquet/.test(e.message));
  await assert.rejects(loadBrightExamples(dir, "biology", { config: "bogus" }), /"examples" or "<model>_reason"/);
  writeFileSync(join(dir, "gpt4_reason", "biology.jsonl"), JSON.stringify({ id: "0", query: "q", gold_ids: "d1" }) + "\n");
  await assert.rejects(loadBrightExamples(dir, "biology", { config: "gpt4_reason" }), /biology\.jsonl:1: expected a list of strings \(field "gold_ids"\)/);
  writeFileSync(join(dir, "documents", "pony-00000-of-00001.parquet"), "not parquet");
  await assert.rejects(loadBrightDocuments(dir, "pony"), /pony-00000-of-00001\.parquet: not a readable Parquet file/);
});
