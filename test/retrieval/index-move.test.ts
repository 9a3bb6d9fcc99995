/**
 * Indexes that move, verify and refuse cleanly (issue 10): an index and its model moved together
 * still search; a copied model is recognised by content, another model is refused by content; damaged
 * files are named with the fix; an empty corpus is refused before anything is written; a model that
 * cannot build the query prompt is refused at index time, and --chat-template makes it searchable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { runInProcess } from "../cli/in-process.js";
import { scratch } from "../helpers/scratch.js";

const fx = await makeTinyModel({ gguf: false });
scratch(fx.root);
const corpus = join(fx.root, "docs.jsonl");
writeFileSync(corpus, fixtureCorpus().map((d) => JSON.stringify(d)).join("\n") + "\n");
const build = ["--batch-size", "8", "--max-doc-length", "32", "--quiet", "--threads", "1"];
const query = ["--mode", "none", "--k", "5", "--json", "--threads", "1"];

async function ok(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runInProcess(args);
  assert.equal(r.code, 0, `t1 ${args.join(" ")}\n${r.stderr}`);
  return r;
}

async function fails(args: string[], code: number, re: RegExp): Promise<string> {
  const r = await runInProcess(args);
  assert.equal(r.code, code, `t1 ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  assert.match(r.stderr, re, `t1 ${args.join(" ")}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "one line, no stack trace");
  return r.stderr;
}

const hitIds = (stdout: string): string[] => (JSON.parse(stdout) as { hits: { id: string }[] }).hits.map((h) => h.id);

test("an index and its model moved together still search, from any directory; a copied model passes by content, another model is refused", async () => {
  // Built as the reproduction: the model given relative to the build directory.
  const a = join(fx.root, "A");
  mkdirSync(a);
  cpSync(fx.modelDir, join(a, "tinyq"), { recursive: true });
  const cwd = process.cwd();
  process.chdir(a);
  try {
    await ok(["index", "--model", "tinyq", "--corpus", corpus, "--out", "idxq", ...build]);
  } finally {
    process.chdir(cwd);
  }
  const before = hitIds((await ok(["search", join(a, "idxq"), "why is the sky blue?", ...query])).stdout);
  assert.equal(before.length, 5);

  const b = join(fx.root, "B");
  renameSync(a, b);
  process.chdir("/");
  try {
    const moved = await ok(["search", join(b, "idxq"), "why is the sky blue?", ...query]);
    assert.deepEqual(hitIds(moved.stdout), before, "same ranking after the move");
  } finally {
    process.chdir(cwd);
  }

  // The model alone moved elsewhere: not found, and the error says what to pass.
  const elsewhere = join(fx.root, "elsewhere");
  renameSync(join(b, "tinyq"), elsewhere);
  await fails(["search", join(b, "idxq"), "x", ...query], 2, /the model it was built with is not at .*; pass --model PATH/);
  // --model pointing at a copy: recognised by content, no --model-id needed.
  const copied = await ok(["search", join(b, "idxq"), "why is the sky blue?", ...query, "--model", elsewhere]);
  assert.deepEqual(hitIds(copied.stdout), before);
  // Another model (other weights, same shapes and tokenizer) is refused by content.
  const other = join(fx.root, "other");
  createTinyModel(other, { arch: "qwen3", seed: 8, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 128 });
  await fails(["search", join(b, "idxq"), "x", ...query, "--model", other], 2, /MISMATCH.*built with another model: .*other has content sha256:/);
  // Resuming a build with the moved model is accepted too (same content).
  const again = await ok(["index", "--model", elsewhere, "--corpus", corpus, "--out", join(b, "idxq"), ...build.filter((x) => x !== "--quiet")]);
  assert.match(again.stderr, /0 embedded, 40 already done/);
});

test("damaged index files are named with the fix; a damaged bm25.idx does not break dense search", async () => {
  const idx = join(fx.root, "idx-damage");
  await ok(["index", "--model", fx.modelDir, "--corpus", corpus, "--out", idx, ...build]);
  const files = readdirSync(idx);
  const vec = join(idx, files.find((f) => f.endsWith(".vec"))!);
  const ids = join(idx, files.find((f) => f.endsWith(".ids.json"))!);
  const flip = (file: string, at: number) => {
    const buf = readFileSync(file);
    buf[at] = buf[at]! ^ 0x01;
    writeFileSync(file, buf);
  };

  // bm25.idx: dense search never reads it; hybrid names it.
  const bm25 = join(idx, "bm25.idx");
  const bm25Bytes = readFileSync(bm25);
  flip(bm25, 100);
  await ok(["search", idx, "sky", ...query]);
  await fails(["search", idx, "sky", ...query, "--hybrid"], 2, new RegExp(`${bm25}: not a usable t1 BM25 index: checksum mismatch.*rebuild the index \\(t1 index \\.\\.\\. --overwrite\\)`));
  writeFileSync(bm25, bm25Bytes);

  // One flipped bit in the vectors: caught by the manifest's sha256 when the index is opened.
  const vecBytes = readFileSync(vec);
  flip(vec, 9);
  await fails(["search", idx, "sky", ...query], 2, new RegExp(`${vec}: checksum mismatch: the index file is corrupt; rebuild the index \\(t1 index \\.\\.\\. --overwrite\\)`));
  writeFileSync(vec, vecBytes);

  // A damaged ids file (and its checksum made to agree, so only the JSON is wrong) names the file, no raw SyntaxError.
  const manifestPath = join(idx, "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { segments: { sha256Ids: string }[] };
  const broken = readFileSync(ids, "utf8").slice(0, -3);
  writeFileSync(ids, broken);
  await fails(["search", idx, "sky", ...query], 2, new RegExp(`${ids}: checksum mismatch: the index file is corrupt`));
  const { createHash } = await import("node:crypto");
  manifest.segments[0]!.sha256Ids = createHash("sha256").update(broken).digest("hex");
  writeFileSync(manifestPath, JSON.stringify(manifest));
  await fails(["search", idx, "sky", ...query], 2, new RegExp(`${ids}: invalid JSON .*the index file is corrupt; rebuild`));
});

test("an empty corpus is refused by t1 index and t1 bm25 index, leaving nothing behind", async () => {
  const empty = join(fx.root, "empty.jsonl");
  writeFileSync(empty, "\n");
  const idx = join(fx.root, "idx-empty");
  await fails(["index", "--model", fx.modelDir, "--corpus", empty, "--out", idx, ...build], 2, /empty\.jsonl: the corpus has no documents/);
  assert.equal(existsSync(idx), false);
  const bm = join(fx.root, "empty.bm25");
  await fails(["bm25", "index", "--corpus", empty, "--out", bm, "--quiet"], 2, /empty\.jsonl: the corpus has no documents/);
  assert.equal(existsSync(bm), false);
  assert.equal(existsSync(`${bm}.parts`), false);
});

test("a model without a chat template is refused before indexing; --chat-template makes it searchable", async () => {
  const bare = join(fx.root, "no-template");
  cpSync(fx.modelDir, bare, { recursive: true });
  const cfgPath = join(bare, "tokenizer_config.json");
  const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  const template = cfg.chat_template as string;
  delete cfg.chat_template;
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const idx = join(fx.root, "idx-template");
  await fails(["index", "--model", bare, "--corpus", corpus, "--out", idx, ...build], 2, /cannot build the query prompt.*--chat-template FILE.*kept in the index/);
  assert.equal(existsSync(join(idx, "manifest.json")), false, "refused before any document was embedded");
  const tplFile = join(fx.root, "chatml.jinja");
  writeFileSync(tplFile, template);
  await ok(["index", "--model", bare, "--corpus", corpus, "--out", idx, "--chat-template", tplFile, ...build]);
  // The template travels with the index: search needs no flag.
  const r = await ok(["search", idx, "why is the sky blue?", "--max-reasoning-tokens", "2", "--k", "3", "--json", "--threads", "1", "--no-cache"]);
  assert.equal(hitIds(r.stdout).length, 3);
});
