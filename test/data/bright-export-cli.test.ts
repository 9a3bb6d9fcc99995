/**
 * The BRIGHT path end to end on a tiny model: a local BRIGHT copy (Hugging Face layout, parquet) →
 * t1 bright export → t1 index → t1 run --exclusions → t1 evaluate.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteFile } from "hyparquet-writer";
import { readQrels, readRun } from "../../src/data/trec-files.js";
import { brightInstruction } from "../../src/data/bright-domains.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { runInProcess } from "../cli/in-process.js";

const exec = promisify(execFile);
const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const t1 = (...args: string[]) => exec(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, T1_THREADS: "1" } });

const fx = await makeTinyModel({ gguf: false });
after(() => rmSync(fx.root, { recursive: true, force: true }));

test("t1 bright export writes corpus/queries/qrels/exclusions that t1 index, run --exclusions and evaluate consume", async () => {
  const bright = join(fx.root, "BRIGHT");
  for (const c of ["documents", "examples"]) mkdirSync(join(bright, c), { recursive: true });
  const docs = fixtureCorpus().slice(0, 20);
  parquetWriteFile({
    filename: join(bright, "documents", "biology-00000-of-00001.parquet"),
    columnData: [{ name: "id", data: docs.map((d) => d.id), type: "STRING" }, { name: "content", data: docs.map((d) => d.text), type: "STRING" }],
  });
  const examples = {
    id: ["q0", "q1", "q2"],
    query: ["why is the sky blue?", "how do plants make sugar?", "what is a prime number?"],
    reasoning: ["", "", ""],
    gold_ids: [[docs[0]!.id], [docs[1]!.id, docs[11]!.id], [docs[7]!.id]],
    gold_ids_long: [["N/A"], ["N/A"], ["N/A"]],
    excluded_ids: [["N/A"], [docs[1]!.id, docs[5]!.id], ["N/A"]],
    gold_answer: ["N/A", "N/A", "N/A"],
  };
  parquetWriteFile({ filename: join(bright, "examples", "biology-00000-of-00001.parquet"), columnData: Object.entries(examples).map(([name, data]) => ({ name, data })) });

  const out = join(fx.root, "task");
  const e = await t1("bright", "export", "--dir", bright, "--domain", "biology", "--out", out, "--quiet");
  assert.equal(e.stdout.trim(), out);
  const exported = readFileSync(join(out, "documents.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { id: string; text: string });
  assert.deepEqual(exported, docs.map((d) => ({ id: d.id, text: d.text })));
  assert.deepEqual(readFileSync(join(out, "queries.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l)), examples.id.map((id, i) => ({ id, text: examples.query[i] })));
  assert.deepEqual(readQrels(join(out, "qrels.txt")), new Map(examples.id.map((id, i) => [id, new Map(examples.gold_ids[i]!.map((d) => [d, 1]))])));
  assert.equal(readFileSync(join(out, "exclusions.txt"), "utf8"), `q1 ${docs[1]!.id}\nq1 ${docs[5]!.id}\n`);
  const meta = JSON.parse(readFileSync(join(out, "task.json"), "utf8")) as { instruction: string; documents: number };
  assert.equal(meta.instruction, brightInstruction("biology"));
  assert.equal(meta.documents, 20);

  const idx = join(fx.root, "idx");
  await t1("index", "--model", fx.modelDir, "--corpus", join(out, "documents.jsonl"), "--task", "biology", "--out", idx, "--max-doc-length", "64", "--quiet", "--skip-bm25");
  const plain = join(fx.root, "plain.trec");
  const excluded = join(fx.root, "excluded.trec");
  const common = ["--index", idx, "--queries", join(out, "queries.jsonl"), "--mode", "none", "--quiet"];
  const p = await runInProcess(["run", ...common, "--out", plain, "--k", "20"]);
  assert.equal(p.code, 0, p.stderr);
  const r = await t1("run", ...common, "--out", excluded, "--k", "5", "--exclusions", join(out, "exclusions.txt"));
  assert.match(r.stderr, /2 excluded documents dropped/);
  const full = readRun(plain);
  const cut = readRun(excluded);
  for (const qid of examples.id) {
    const banned = new Set(qid === "q1" ? [docs[1]!.id, docs[5]!.id] : []);
    const expected = full.get(qid)!.filter((d) => !banned.has(d.docid)).slice(0, 5).map((d) => d.docid);
    assert.deepEqual(cut.get(qid)!.map((d) => d.docid), expected, `${qid}: the unexcluded ranking, excluded ids removed before the top-5 cut`);
  }
  const ev = await runInProcess(["evaluate", "--qrels", join(out, "qrels.txt"), "--run", excluded, "--mode", "pytrec_eval", "-m", "ndcg_cut.10", "-m", "recall.100"]);
  assert.equal(ev.code, 0, ev.stderr);
  assert.match(ev.stdout, /^ndcg_cut_10\s+all\s+\d\.\d{4}$/m);
  assert.match(ev.stdout, /^recall_100\s+all\s+\d\.\d{4}$/m);

  await assert.rejects(t1("bright", "export", "--dir", bright, "--domain", "biolgy", "--out", out), (err: { code: number; stderr: string }) => err.code === 2 && /unknown BRIGHT domain "biolgy"/.test(err.stderr));
  await assert.rejects(t1("bright", "export", "--dir", join(fx.root, "none"), "--domain", "biology", "--out", out), (err: { code: number; stderr: string }) => err.code === 2 && /no BRIGHT copy at/.test(err.stderr));
});
