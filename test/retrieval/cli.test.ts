/**
 * `t1 index` / `t1 search` / `t1 run` end to end, as a user runs them (child processes), through
 * all three backends: native, llama.cpp (the GGUF of the same weights) and remote (a t1 server on
 * loopback). The three must rank alike.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { readRun } from "../../src/data/trec-files.js";
import { fixtureCorpus, FIXTURE_QUERIES, makeTinyModel } from "../backends/fixtures/tiny.js";

const run = promisify(execFile);
const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const t1 = (...args: string[]) => run(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, T1_THREADS: "1" } });

const fx = await makeTinyModel();
const corpus = join(fx.root, "docs.jsonl");
const queries = join(fx.root, "q.jsonl");
writeFileSync(corpus, fixtureCorpus().map((d) => JSON.stringify(d)).join("\n") + "\n");
writeFileSync(queries, FIXTURE_QUERIES.map((q) => JSON.stringify(q)).join("\n") + "\n");
const server = new OpenAIServer(await NativeBackend.open({ model: fx.modelDir, modelId: "tiny-t1" }));
const url = await server.listen();
after(async () => {
  await server.close();
  rmSync(fx.root, { recursive: true, force: true });
});

const setups = {
  native: ["--backend", "native", "--model", fx.modelDir],
  llamacpp: ["--backend", "llamacpp", "--model", fx.gguf, "--no-gpu", "--threads", "1"],
  remote: ["--backend", "remote", "--url", url],
};
/** Options for search/run: llama.cpp with several threads spin-waits badly on a busy 2-core CI box. */
const queryArgs: Record<string, string[]> = { native: [], llamacpp: ["--no-gpu", "--threads", "1"], remote: [] };
const runs: Record<string, Map<string, { docid: string; score: number }[]>> = {};

for (const [name, args] of Object.entries(setups)) {
  test(`${name}: index, search (dense and hybrid), run`, async () => {
    const idx = join(fx.root, `idx-${name}`);
    const built = await t1("index", ...args, "--corpus", corpus, "--out", idx, "--batch-size", "8", "--max-doc-length", "64", "--instruction", "Given a fact, retrieve passages");
    assert.match(built.stderr, /40 docs \(40 embedded, 0 already done\).*docs\/s/);
    if (name === "native") {
      const again = await t1("index", ...args, "--corpus", corpus, "--out", idx, "--instruction", "Given a fact, retrieve passages", "--batch-size", "8", "--max-doc-length", "64");
      assert.match(again.stderr, /0 embedded, 40 already done/, "a rerun resumes and finds everything done");
      // --show-reasoning streams the reasoning to stderr as it is written (same text as the cached one printed below).
      const shown = await t1("search", idx, "why is the sky blue?", "--k", "3", "--max-reasoning-tokens", "6", "--show-reasoning", "--no-cache");
      assert.doesNotMatch(shown.stdout, /^reasoning \(/m);
      const plain = await t1("search", idx, "why is the sky blue?", "--k", "3", "--max-reasoning-tokens", "6", "--no-cache", "--json");
      const reasoning = (JSON.parse(plain.stdout) as { reasoning: string }).reasoning;
      assert.ok(reasoning.length > 0 && shown.stderr.startsWith(reasoning), "the streamed text is the reasoning");
    }
    const s = await t1("search", idx, "why is the sky blue?", "--k", "5", "--max-reasoning-tokens", "6", ...queryArgs[name]);
    const rows = s.stdout.trim().split("\n").filter((l) => /^\d+\t/.test(l));
    assert.equal(rows.length, 5);
    assert.match(s.stdout, /rank\tdocid\tcosine/);
    assert.match(s.stdout, /^reasoning \(\d+ tokens\):\n/m, "the model's reasoning is printed before the hits");
    assert.ok(s.stdout.indexOf("reasoning (") < s.stdout.indexOf("rank\tdocid"));
    const h = await t1("search", idx, "why is the sky blue?", "--k", "5", "--hybrid", "--mode", "none", ...queryArgs[name]);
    assert.match(h.stdout, /rank\tdocid\trrf\tcosine\tbm25/);
    const out = join(fx.root, `${name}.trec`);
    await t1("run", "--index", idx, "--queries", queries, "--out", out, "--k", "10", "--max-reasoning-tokens", "6", "--quiet", ...queryArgs[name]);
    const r = readRun(out);
    assert.equal(r.size, 5);
    for (const docs of r.values()) assert.equal(docs.length, 10);
    assert.match(readFileSync(out, "utf8"), / t1-reason\n/);
    runs[name] = r;
  });
}

test("the three backends give the same top-10 (>= 9/10 per query)", () => {
  for (const other of ["llamacpp", "remote"]) {
    for (const [qid, docs] of runs.native) {
      const a = docs.map((d) => d.docid);
      const b = runs[other].get(qid)!.map((d) => d.docid);
      const overlap = a.filter((d) => b.includes(d)).length;
      assert.ok(overlap >= 9, `${other} ${qid}: ${overlap}/10`);
    }
  }
});

test("searching with another model or a missing index is a clear error", async () => {
  const idx = join(fx.root, "idx-native");
  await assert.rejects(t1("search", idx, "q", "--backend", "llamacpp", "--model", fx.gguf, "--no-gpu", "--threads", "1"), (e: { stderr: string; code: number }) => {
    assert.match(e.stderr, /MISMATCH.*was built with another model: .*model\.gguf has content sha256:.*--model-id/);
    assert.equal(e.code, 2);
    return true;
  });
  await assert.rejects(t1("search", join(fx.root, "nope"), "q"), (e: { stderr: string }) => /NOT_FOUND.*not a t1 index/.test(e.stderr));
});
