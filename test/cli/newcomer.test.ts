/**
 * "A CLI a newcomer trusts" (issue 10): the reproductions, each refused with one line naming the
 * option, file or host and saying what to do; copies get normal modes; stories260k becomes
 * searchable with --chat-template.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { packageRoot } from "../../src/util/paths.js";
import { runInProcess } from "./in-process.js";
import { scratch } from "../helpers/scratch.js";
import { needShared } from "../helpers/shared.js";

const tmp = scratch(mkdtempSync(join(tmpdir(), "t1-newcomer-")));
const TINY = { arch: "qwen3", seed: 3, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64 } as const;

async function refused(args: string[], re: RegExp, code = 2): Promise<string> {
  const r = await runInProcess(args);
  assert.equal(r.code, code, `t1 ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, re, `t1 ${args.join(" ")}`);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  return r.stderr;
}

test("bad numbers, enums, empty queries and unknown BRIGHT domains are refused naming the option or file", async () => {
  const docs = join(tmp, "docs.jsonl");
  writeFileSync(docs, '{"id":"a","text":"x y z"}\n');
  const emptyQueries = join(tmp, "empty-q.jsonl");
  writeFileSync(emptyQueries, "\n\n");
  const nowhere = join(tmp, "no-index");
  await refused(["train", "lm", "--model", tmp, "--data", docs, "--out", join(tmp, "run"), "--lr", "-1"], /t1 train lm: --lr must be > 0, got -1/);
  await refused(["train", "lm", "--model", tmp, "--data", docs, "--out", join(tmp, "run"), "--lr", "0"], /t1 train lm: --lr must be > 0, got 0/);
  await refused(["train", "t1", "--stage", "1", "--model", tmp, "--data", docs, "--out", join(tmp, "run"), "--lr", "-1e-5"], /t1 train t1: --lr must be > 0/);
  await refused(["search", nowhere, "q", "--max-reasoning-tokens", "0"], /t1 search: --max-reasoning-tokens must be >= 1, got 0/);
  await refused(["run", "--index", nowhere, "--queries", docs, "--out", join(tmp, "r"), "--max-reasoning-tokens", "0"], /t1 run: --max-reasoning-tokens must be >= 1, got 0/);
  await refused(["bright", "eval", "--retriever", "t1", "--model", tmp, "--out", tmp, "--max-reasoning-tokens", "0"], /t1 bright eval: --max-reasoning-tokens must be >= 1/);
  await refused(["search", nowhere, "q", "--mode", "think"], /t1 search: --mode must be one of reason, none, external; got "think"/);
  await refused(["search", nowhere, "q", "--backend", "gpu"], /t1 search: --backend must be one of native, llamacpp, remote; got "gpu"/);
  await refused(["search", nowhere, "   "], /t1 search: the query is empty/);
  await refused(["run", "--index", nowhere, "--queries", emptyQueries, "--out", join(tmp, "r")], /empty-q\.jsonl: the queries file has no queries/);
  await refused(["bm25", "search", "--index", nowhere, "--query", ""], /t1 bm25 search: --query is empty/);
  await refused(["bm25", "search", "--index", nowhere, "--queries", emptyQueries, "--out", join(tmp, "r")], /./);
  await refused(["bright", "export", "--domain", "zoology", "--out", tmp, "--dir", join(tmp, "no-bright")], /unknown BRIGHT domain "zoology"; expected one of biology, earth_science, .*leetcode/);
  await refused(["bright", "eval", "--domains", "zoology", "--out", tmp, "--dir", join(tmp, "no-bright")], /unknown BRIGHT domain "zoology"; expected one of biology/);
});

test("t1 add-emb-token checks the model before copying, and copies of read-only files get mode 0644", async () => {
  const src = join(tmp, "ro-model");
  createTinyModel(src, TINY);
  writeFileSync(join(src, "LICENSE"), "MIT\n");
  writeFileSync(join(src, "generation_config.json"), "{}\n");
  for (const f of readdirSync(src)) chmodSync(join(src, f), 0o444);
  const out = join(tmp, "ro-out");
  const r = await runInProcess(["add-emb-token", "--model", src, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ["LICENSE", "generation_config.json"]) assert.equal(statSync(join(out, f)).mode & 0o777, 0o644, `${f} is rw-r--r--`);

  const broken = join(tmp, "broken-model");
  cpSync(src, broken, { recursive: true });
  chmodSync(join(broken, "model.safetensors"), 0o644);
  truncateSync(join(broken, "model.safetensors"), statSync(join(broken, "model.safetensors")).size - 100);
  const brokenOut = join(tmp, "broken-out");
  await refused(["add-emb-token", "--model", broken, "--out", brokenOut], /model\.safetensors/);
  assert.equal(existsSync(brokenOut), false, "nothing copied");
});

test("t1 download offline names the host and cause, says how to use a local copy, and leaves nothing behind", async () => {
  // A port nobody listens on: connections are refused, as with no network.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dir = join(tmp, "dl");
  const msg = await refused(["download", "--model", "Qwen/Qwen3-0.6B", "--endpoint", `http://127.0.0.1:${port}`, "--dir", dir, "--quiet"], /t1 download: cannot reach 127\.0\.0\.1:\d+ \(.*ECONNREFUSED/, 1);
  assert.match(msg, /nothing was written/);
  assert.match(msg, /copy the folder from a machine that has it/);
  assert.match(msg, /--endpoint/);
  assert.doesNotMatch(msg, /fetch failed/);
  assert.equal(existsSync(dir), false, "no empty folder left");
  const bright = join(tmp, "dl-bright");
  await refused(["download", "--bright", "--domains", "biology", "--endpoint", `http://127.0.0.1:${port}`, "--dir", bright, "--quiet"], /cannot reach 127\.0\.0\.1/, 1);
  assert.equal(existsSync(bright), false);
});

test("stories260k after t1 add-emb-token: refused at index time with the fix, searchable with --chat-template", async (t) => {
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const model = join(tmp, "stories-emb");
  const corpus = join(tmp, "stories.jsonl");
  writeFileSync(corpus, ["Lily went to the park.", "Tom had a red ball.", "The cat slept in the sun."].map((text, i) => JSON.stringify({ id: `s${i}`, text })).join("\n") + "\n");
  // Before add-emb-token the error names the command that fixes it, not a library call.
  await refused(["index", "--model", p, "--corpus", corpus, "--out", join(tmp, "no-emb-idx"), "--quiet", "--threads", "1"], /vocabulary has no <emb_token> \(add it with `t1 add-emb-token/);
  assert.ok(!existsSync(join(tmp, "no-emb-idx", "manifest.json")), "no index is left behind");
  assert.equal((await runInProcess(["add-emb-token", "--model", p, "--out", model])).code, 0);
  const idx = join(tmp, "stories-idx");
  const args = ["index", "--model", model, "--corpus", corpus, "--out", idx, "--quiet", "--threads", "1"];
  await refused(args, /cannot build the query prompt.*no chat template.*--chat-template FILE.*kept in the index/);
  const template = join(tmp, "chatml.jinja");
  writeFileSync(template, "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
  const built = await runInProcess([...args, "--chat-template", template]);
  assert.equal(built.code, 0, built.stderr);
  assert.equal(readFileSync(join(idx, "chat_template.jinja"), "utf8"), readFileSync(template, "utf8"));
  const s = await runInProcess(["search", idx, "a ball", "--max-reasoning-tokens", "3", "--k", "2", "--json", "--threads", "1"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal((JSON.parse(s.stdout) as { hits: unknown[] }).hits.length, 2);
});

test("with output redirected, t1 index logs its plan and the progress start before the first document", async () => {
  const model = join(tmp, "plan-model");
  createTinyModel(model, TINY);
  const corpus = join(tmp, "plan.jsonl");
  writeFileSync(corpus, Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: `p${i}`, text: `document number ${i}` })).join("\n") + "\n");
  // A real child process with stderr on a pipe, as a user's redirected log sees it.
  const r = spawnSync(process.execPath, ["--import", "tsx", join(packageRoot(), "src", "cli", "main.ts"), "index", "--model", model, "--corpus", corpus, "--out", join(tmp, "plan-idx"), "--threads", "1", "--batch-size", "2", "--skip-bm25"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split("\n");
  assert.match(lines[0] ?? "", /^t1 index: 5 documents from .*plan\.jsonl; opening the native backend/, r.stderr);
  assert.match(lines[1] ?? "", /^t1 index: 5 documents, 0 already in .*, 5 to embed with .* in batches of 2, up to \d+ tokens each, a checkpoint every \d+$/, r.stderr);
  assert.match(lines[2] ?? "", /^index: starting, 5 docs to do$/, r.stderr);
  assert.ok(!r.stderr.includes("\r"), "plain lines, no TTY redraws");
});
