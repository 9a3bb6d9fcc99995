import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseHfConfig } from "../../src/engine/config.js";
import { loadModel } from "../../src/engine/model.js";
import { T1Error } from "../../src/util/errors.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "engine");
const base = JSON.parse(readFileSync(join(FIX, "tiny-qwen3", "config.json"), "utf8")) as Record<string, unknown>;

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof T1Error ? `${e.code}: ${e.message}` : String(e);
  }
  return undefined;
}

test("config.json: supported fields parse, unsupported ones are refused by name", () => {
  const c = parseHfConfig(base);
  assert.equal(c.headDim, 32);
  assert.equal(c.qkNorm, true);
  assert.equal(c.qkvBias, false);
  assert.match(code(() => parseHfConfig({ ...base, model_type: "gpt2" }))!, /^UNSUPPORTED: .*model_type "gpt2"/);
  assert.match(code(() => parseHfConfig({ ...base, hidden_size: undefined }))!, /^BAD_INPUT: .*hidden_size/);
  assert.match(code(() => parseHfConfig({ ...base, num_key_value_heads: 3 }))!, /^BAD_INPUT: .*multiple/);
  assert.match(code(() => parseHfConfig({ ...base, rope_scaling: { rope_type: "yarn", factor: 4 } }))!, /^UNSUPPORTED: .*rope_scaling/);
  assert.match(code(() => parseHfConfig({ ...base, hidden_act: "gelu" }))!, /^UNSUPPORTED: .*gelu/);
  assert.deepEqual(parseHfConfig({ ...base, rope_scaling: { type: "linear", factor: 2 } }).ropeScaling, { type: "linear", factor: 2 });
  assert.match(code(() => parseHfConfig({ ...base, rope_scaling: { rope_type: "llama3", factor: 8 } }))!, /^BAD_INPUT: .*low_freq_factor/);
  assert.match(code(() => parseHfConfig({ ...base, use_sliding_window: true }))!, /^UNSUPPORTED/);
  assert.equal(parseHfConfig({ ...base, model_type: "qwen2", head_dim: undefined, hidden_size: 128 }).headDim, 32);
});

test("a checkpoint that does not match its config is refused", async () => {
  const dir = mkdtempSync(join(tmpdir(), "badcfg-"));
  cpSync(join(FIX, "tiny-qwen3"), dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...base, intermediate_size: 64 }));
  await assert.rejects(loadModel(dir), /mlp.gate_proj.weight" has shape \[128,64\], expected \[64,64\]/);
  writeFileSync(join(dir, "config.json"), JSON.stringify({ ...base, tie_word_embeddings: false }));
  await assert.rejects(loadModel(dir), /lm_head.weight/);
  await assert.rejects(loadModel(join(dir, "nope")), /model not found/);
});
