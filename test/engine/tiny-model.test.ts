import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { needShared } from "../helpers/shared.js";

const base = { seed: 3, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 48 };

test("tiny qwen3: HF layout, real byte-level BPE with special tokens, deterministic weights", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tiny-"));
  const info = createTinyModel(dir, { arch: "qwen3", ...base });
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.equal(cfg.model_type, "qwen3");
  assert.equal(cfg.head_dim, 16);
  assert.notEqual(cfg.head_dim, cfg.hidden_size / cfg.num_attention_heads);
  const tok = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
  assert.equal(tok.get_vocab(true).size, info.vocabSize);
  const text = "The library answers questions about the sky.<emb_token>";
  const enc = tok.encode(text);
  assert.equal(enc.ids.at(-1), info.specialIds["<emb_token>"]);
  assert.ok(enc.ids.length < text.length - 15, "merges must shorten common English");
  assert.equal(tok.decode(enc.ids), text);
  assert.equal(tok.decode(tok.encode("héllo ✓ 123").ids), "héllo ✓ 123");
  const w = await readSafetensors(dir);
  assert.ok(w.has("model.layers.1.self_attn.q_norm.weight"));
  assert.deepEqual(w.get("model.layers.0.self_attn.q_proj.weight")!.shape, [64, 32]);
  assert.ok(!w.has("lm_head.weight"));
  const dir2 = mkdtempSync(join(tmpdir(), "tiny-"));
  createTinyModel(dir2, { arch: "qwen3", ...base });
  assert.ok(readFileSync(join(dir, "model.safetensors")).equals(readFileSync(join(dir2, "model.safetensors"))));
});

test("tiny qwen2 has qkv biases; untied embeddings add lm_head", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tiny-"));
  createTinyModel(dir, { arch: "qwen2", ...base, headDim: 8, tieEmbeddings: false, vocab: 400 });
  const w = await readSafetensors(dir);
  assert.ok(w.has("model.layers.0.self_attn.q_proj.bias"));
  assert.deepEqual(w.get("lm_head.weight")!.shape, [400, 32]);
});

test("tiny llama copies the stories260k tokenizer", async (t) => {
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const dir = mkdtempSync(join(tmpdir(), "tiny-"));
  createTinyModel(dir, { arch: "llama", ...base });
  const tok = new Tokenizer(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")));
  assert.equal(tok.encode("Once upon a time").ids[0], 1);
});

test("bad options are rejected", () => {
  const dir = mkdtempSync(join(tmpdir(), "tiny-"));
  assert.throws(() => createTinyModel(dir, { arch: "qwen3", ...base, kvHeads: 3 }), /multiple of kvHeads/);
  assert.throws(() => createTinyModel(dir, { arch: "qwen3", ...base, vocab: 100 }), /vocab must be >= 300/);
});
