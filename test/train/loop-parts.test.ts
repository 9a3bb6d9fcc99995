// Pieces of the training loop: data order, LR schedule, gradient accumulation, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { getKernels } from "../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel } from "../../src/train/train-model.js";
import { lossAndBackward } from "../../src/train/objectives.js";
import { causalLmData } from "../../src/train/lm-data.js";
import { epochOrder, TrainRng } from "../../src/train/rng.js";
import { learningRateAt } from "../../src/train/adamw.js";
import { parseTrainModelConfig, toHfConfig } from "../../src/train/model-config.js";

const fixture = join(import.meta.dirname, "..", "fixtures", "train", "tiny-qwen3");

test("epoch order: a permutation, the same for the same (seed, epoch), different across epochs", () => {
  const a = epochOrder(50, 3, 0);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(epochOrder(50, 3, 0), a);
  assert.notDeepEqual(epochOrder(50, 3, 1), a);
  assert.notDeepEqual(epochOrder(50, 4, 0), a);
});

test("learning rate: linear warm-up, cosine down to the floor at the last step", () => {
  const s = { lr: 1, warmupSteps: 4, totalSteps: 14, minLrRatio: 0.1 };
  assert.deepEqual([0, 1, 2, 3].map((i) => learningRateAt(i, s)), [0.25, 0.5, 0.75, 1]);
  assert.equal(learningRateAt(4, s), 1);
  assert.ok(Math.abs(learningRateAt(9, s) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRateAt(14, s) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRateAt(99, s) - 0.1) < 1e-12);
});

test("gradient accumulation: 2 micro-batches at scale 1/2 = one batch of both (equal lengths)", async () => {
  const k = getKernels();
  const cfg = readTrainModelConfig(join(fixture, "config.json"));
  const rng = new TrainRng(9);
  const seqs = Array.from({ length: 4 }, () => Int32Array.from({ length: 8 }, () => rng.int(63)));
  const data = causalLmData(seqs);
  const whole = await TrainModel.load(k, cfg, fixture), acc = await TrainModel.load(k, cfg, fixture);
  whole.zeroGrads();
  const one = data.batch(Int32Array.of(0, 1, 2, 3), rng);
  lossAndBackward(whole, one.batch, one.objective);
  acc.zeroGrads();
  for (const idx of [Int32Array.of(0, 1), Int32Array.of(2, 3)]) {
    const mb = data.batch(idx, rng);
    lossAndBackward(acc, mb.batch, mb.objective, 0.5);
  }
  for (const p of whole.params) {
    const q = acc.param(p.name).grad!;
    for (let i = 0; i < q.length; i++) assert.ok(Math.abs(p.grad![i] - q[i]) <= 1e-6 + 1e-4 * Math.abs(q[i]), `${p.name}[${i}]: ${p.grad![i]} vs ${q[i]}`);
  }
});

test("bad input is named: unknown architecture, malformed JSON, short sequence, wrong batch size", async () => {
  assert.throws(() => parseTrainModelConfig(JSON.stringify({ model_type: "gpt2" }), "x/config.json"), /gpt2/);
  assert.throws(() => parseTrainModelConfig("{", "x/config.json"), /x\/config\.json.*not valid JSON/);
  assert.throws(() => causalLmData([Int32Array.of(1, 2), Int32Array.of(3)]), /sequence 1 has 1 tokens/);
  const m = await TrainModel.load(getKernels(), readTrainModelConfig(join(fixture, "config.json")), fixture);
  assert.throws(() => m.forward({ B: 2, T: 3, ids: Int32Array.of(1, 2, 3) }), /B·T = 6/);
  assert.throws(() => m.forward({ B: 1, T: 2, ids: Int32Array.of(1, 99) }), /token id 99.*vocabulary/);
});

test("checkpoint config.json round-trips through the engine's parser for qwen3, qwen2, llama", () => {
  const base = readTrainModelConfig(join(fixture, "config.json"));
  for (const arch of ["qwen3", "qwen2", "llama"] as const) {
    const { raw: _raw, ...c } = { ...base, arch, qkNorm: arch === "qwen3", qkvBias: arch === "qwen2", tieEmbeddings: arch !== "qwen2" };
    const { raw: _again, ...back } = parseTrainModelConfig(JSON.stringify(toHfConfig(c)));
    assert.deepEqual(back, c, arch);
  }
});
