// One ModelConfig for engine and training: a Llama-3 rope_scaling model trains with the same RoPE
// as the engine runs, and a checkpoint's config.json keeps every field of the one it was loaded from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { getKernels } from "../../src/engine/kernels/index.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { Transformer } from "../../src/engine/transformer.js";
import { parseHfConfig } from "../../src/engine/config.js";
import { readTrainModelConfig, checkTrainable } from "../../src/train/model-config.js";
import { TrainModel } from "../../src/train/train-model.js";
import { AdamW } from "../../src/train/adamw.js";
import { saveCheckpoint } from "../../src/train/checkpoint.js";
import { T1Error } from "../../src/util/errors.js";

const k = getKernels();
const LLAMA3_SCALING = { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16 };

function llamaDir(root: string, scaling: unknown): string {
  const dir = join(root, scaling ? "scaled" : "plain");
  createTinyModel(dir, { arch: "llama", seed: 9, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 48, withTokenizer: false, initScale: 0.5 });
  const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  if (scaling) cfg.rope_scaling = scaling;
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg, null, 2));
  return dir;
}

async function engineLogits(dir: string, ids: number[]): Promise<Float32Array> {
  const cfg = parseHfConfig(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")));
  const e = new Transformer(cfg, await readSafetensors(dir, { alloc: (n) => k.alloc(n) }), k);
  const cache = e.createCache(1, ids.length);
  const r = e.forward(cache, [{ row: 0, tokens: ids }], { logits: "all" });
  const out = r.logits.slice(0, ids.length * cfg.vocabSize);
  cache.free();
  return out;
}

async function trainLogits(dir: string, ids: number[]): Promise<Float32Array> {
  const m = await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir);
  const tape = m.forward({ B: 1, T: ids.length, ids: Int32Array.from(ids) });
  const out = tape.logits!.slice();
  tape.free();
  m.dispose();
  return out;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test("training-model logits equal engine logits on a Llama config with llama3 rope scaling", async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-rope-scaling-"));
  try {
    const ids = Array.from({ length: 48 }, (_, i) => (i * 37 + 5) % 500);
    const scaled = llamaDir(root, LLAMA3_SCALING), plain = llamaDir(root, null);
    const [eng, tr, engPlain] = [await engineLogits(scaled, ids), await trainLogits(scaled, ids), await engineLogits(plain, ids)];
    const d = maxDiff(eng, tr), effect = maxDiff(eng, engPlain);
    console.log(`llama3 rope scaling: |train − engine| ${d.toExponential(2)}, |scaled − plain| ${effect.toFixed(3)}`);
    assert.ok(effect > 1e-2, `the scaling must change the logits for this test to mean anything (${effect})`);
    assert.ok(d < 1e-4, `training and engine logits differ by ${d}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("load → save → load keeps every field of config.json", async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-config-roundtrip-"));
  try {
    const dir = llamaDir(root, LLAMA3_SCALING);
    const original = { ...JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), bos_token_id: 1, eos_token_id: [2, 3], transformers_version: "4.51.0", torch_dtype: "bfloat16", pretraining_tp: 1, custom_note: { kept: true } };
    writeFileSync(join(dir, "config.json"), JSON.stringify(original));
    const cfg = readTrainModelConfig(join(dir, "config.json"));
    const m = await TrainModel.load(k, cfg, dir);
    const ck = saveCheckpoint(join(root, "ck"), m, new AdamW(m.params), { step: 1, cursor: 0, rngState: 1, seed: 0, options: {} });
    const saved = JSON.parse(readFileSync(join(ck, "config.json"), "utf8"));
    for (const [key, v] of Object.entries(original)) {
      if (key === "torch_dtype") assert.equal(saved[key], "float32", "checkpoints store float32 weights");
      else assert.deepEqual(saved[key], v, `config.json field ${key}`);
    }
    const { raw: _a, ...again } = readTrainModelConfig(join(ck, "config.json"));
    const { raw: _b, ...first } = cfg;
    assert.deepEqual(again, first);
    assert.deepEqual(again.ropeScaling, { type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 });
    // a config changed in code writes the change (the file's spelling is kept only for what did not change)
    const wider = JSON.parse(readFileSync(join(saveCheckpoint(join(root, "ck2"), new TrainModel(k, { ...cfg, ropeTheta: 500000 }, m.tensors()), new AdamW(m.params), { step: 1, cursor: 0, rngState: 1, seed: 0, options: {} }), "config.json"), "utf8"));
    assert.equal(wider.rope_theta, 500000);
    assert.deepEqual(wider.custom_note, { kept: true });
    m.dispose();
    // what training cannot do is refused by name
    assert.throws(() => checkTrainable({ ...cfg, oBias: true }), (e: Error) => e instanceof T1Error && /o_proj/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
