import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { loadModel } from "../../src/engine/model.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { packageRoot } from "../../src/util/paths.js";
import { needShared } from "../helpers/shared.js";
import { runInProcess } from "./in-process.js";
import { scratch } from "../helpers/scratch.js";


const root = packageRoot();
const t1 = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8" });

/** A tiny Qwen3 model whose tokenizer files no longer mention <emb_token> (id 511 becomes unused). */
function tinyQwenWithoutEmbToken(dir: string): void {
  createTinyModel(dir, { arch: "qwen3", seed: 5, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64 });
  const tok = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")) as { added_tokens: { content: string }[] };
  tok.added_tokens = tok.added_tokens.filter((t) => t.content !== "<emb_token>");
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tok));
  const cfg = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")) as { added_tokens_decoder: Record<string, { content: string }>; additional_special_tokens: string[] };
  for (const [id, t] of Object.entries(cfg.added_tokens_decoder)) if (t.content === "<emb_token>") delete cfg.added_tokens_decoder[id];
  cfg.additional_special_tokens = cfg.additional_special_tokens.filter((s) => s !== "<emb_token>");
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(cfg));
}

test("t1 add-emb-token on a Qwen3 model without the token: next free id, mean row, other logits unchanged", async () => {
  const tmp = scratch(mkdtempSync(join(tmpdir(), "t1-addemb-")));
  const src = join(tmp, "src");
  tinyQwenWithoutEmbToken(src);
  const before = await loadModel(src);
  assert.equal(before.embTokenId, undefined);
  const out = join(tmp, "out");
  const r = t1(["add-emb-token", "--model", src, "--out", out, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { id: 511, added: true, vocabSize: 512, out });

  const after = await loadModel(out);
  assert.equal(after.embTokenId, 511);
  const plain = after.encode("a cat sat");
  assert.deepEqual(after.encode("a cat sat<emb_token>"), [...plain, 511], "<emb_token> is one special token");
  // Row 511 is the float64 mean of the 511 real rows (computed here independently).
  const emb = (await readSafetensors(out)).get("model.embed_tokens.weight")!;
  const C = emb.shape[1]!;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let row = 0; row < 511; row++) s += emb.data[row * C + c]!;
    assert.ok(Math.abs(emb.data[511 * C + c]! - s / 511) < 1e-6, `column ${c}`);
  }
  const a = before.logits([plain])[0]!;
  const b = after.logits([plain])[0]!;
  for (let i = 0; i < 511; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `logit ${i}`);
  const [v] = await after.embed(["a cat sat"]);
  assert.equal(v!.length, 32);
  before.dispose();
  after.dispose();

  const again = await runInProcess(["add-emb-token", "--model", out, "--out", join(tmp, "copy")]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already present as id 511/);
});

test("t1 add-emb-token on stories260k (Llama) grows the vocabulary to 513", async (t) => {
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const out = join(scratch(mkdtempSync(join(tmpdir(), "t1-addemb-"))), "out");
  const r = await runInProcess(["add-emb-token", "--model", p, "--out", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /added <emb_token> as id 512 \(vocab_size 513\)/);
  const m = await loadModel(out);
  assert.equal(m.vocabSize, 513);
  assert.equal(m.embTokenId, 512);
  m.dispose();
});

test("t1 add-emb-token: bad input exits 2 naming the option", async () => {
  const tmp = scratch(mkdtempSync(join(tmpdir(), "t1-addemb-")));
  const missing = t1(["add-emb-token", "--model", join(tmp, "nope"), "--out", join(tmp, "o")]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--model .*nope is not a directory/);
  const noOut = await runInProcess(["add-emb-token", "--model", tmp]);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--out is required/);
  const same = await runInProcess(["add-emb-token", "--model", tmp, "--out", tmp + "/"]);
  assert.equal(same.code, 2);
  assert.match(same.stderr, /--out must differ from --model/);
  mkdirSync(join(tmp, "full"));
  writeFileSync(join(tmp, "full", "x"), "");
  const full = await runInProcess(["add-emb-token", "--model", tmp, "--out", join(tmp, "full")]);
  assert.equal(full.code, 2);
  assert.match(full.stderr, /exists and is not empty/);
  const noConfig = await runInProcess(["add-emb-token", "--model", tmp, "--out", join(tmp, "o2")]);
  assert.equal(noConfig.code, 2);
  assert.match(noConfig.stderr, /config\.json/);
});
