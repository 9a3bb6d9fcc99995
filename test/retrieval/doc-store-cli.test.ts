/** `t1 index` keeps document texts in the index directory and `t1 search` shows a snippet per hit. */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { rmSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { openDocStore, snippet } from "../../src/retrieval/index/doc-store.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { runInProcess } from "../cli/in-process.js";

const run = promisify(execFile);
const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const t1 = (...args: string[]) => run(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, T1_THREADS: "1" } });
/** The later steps run in process (cheaper than a spawn each); they must succeed. */
async function t1p(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runInProcess(args);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

const fx = await makeTinyModel({ gguf: false });
after(() => rmSync(fx.root, { recursive: true, force: true }));
const docs = fixtureCorpus();
const byId = new Map(docs.map((d) => [d.id, d]));
const corpus = join(fx.root, "docs.jsonl");
writeFileSync(corpus, docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
const common = ["--model", fx.modelDir, "--batch-size", "8", "--max-doc-length", "64", "--quiet"];

test("t1 index stores texts; t1 search prints each hit's snippet (table and JSON); --prune and --no-store-text keep it in sync", async () => {
  const idx = join(fx.root, "idx");
  await t1("index", ...common, "--corpus", corpus, "--out", idx);
  const store = openDocStore(idx)!;
  assert.equal(store.size, docs.length);
  for (const d of docs) assert.equal(store.document(d.id)!.text, d.text);
  store.close();

  const s = await t1("search", idx, "why is the sky blue?", "--k", "5", "--mode", "none", "--snippet-chars", "40");
  const lines = s.stdout.trim().split("\n");
  const header = lines.findIndex((l) => l.startsWith("rank\t"));
  assert.equal(lines[header], "rank\tdocid\tcosine\ttext");
  const rows = lines.slice(header + 1).map((l) => l.split("\t"));
  assert.equal(rows.length, 5);
  for (const [, id, , text] of rows) assert.equal(text, snippet(byId.get(id!)!.text, 40), `snippet of ${id}`);

  const j = JSON.parse((await t1p("search", idx, "why is the sky blue?", "--k", "3", "--mode", "none", "--json")).stdout) as { hits: { id: string; snippet: string }[] };
  for (const h of j.hits) assert.equal(h.snippet, snippet(byId.get(h.id)!.text, 160));
  const none = await t1p("search", idx, "why is the sky blue?", "--k", "3", "--mode", "none", "--snippet-chars", "0");
  assert.match(none.stdout, /^rank\tdocid\tcosine$/m);

  // Incremental: a smaller corpus with --prune drops the missing texts with their vectors.
  const kept = docs.slice(0, 30);
  const small = join(fx.root, "small.jsonl");
  writeFileSync(small, kept.map((d) => JSON.stringify(d)).join("\n") + "\n");
  await t1p("index", ...common, "--corpus", small, "--out", idx, "--prune");
  const pruned = openDocStore(idx)!;
  assert.deepEqual(pruned.ids().sort(), kept.map((d) => d.id).sort());
  pruned.close();

  await t1p("index", ...common, "--corpus", small, "--out", idx, "--no-store-text");
  assert.equal(openDocStore(idx), undefined);
  assert.deepEqual(readdirSync(idx).filter((f) => f.startsWith("docs")), []);
  const bare = await t1p("search", idx, "why is the sky blue?", "--k", "3", "--mode", "none");
  assert.match(bare.stdout, /^rank\tdocid\tcosine$/m, "no text column without a store");

  const bad = await runInProcess(["search", idx, "q", "--mode", "none", "--snippet-chars=-1"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--snippet-chars must be >= 0, got -1/);
});
