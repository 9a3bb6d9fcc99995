// Whole-model finite differences for the architectures the PyTorch golden file does not cover
// (Llama without q/k norm, Qwen2 with q/k/v biases), on padded GQA batches, and the freeze list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getKernels } from "../../src/engine/kernels/index.js";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel, type TokenBatch } from "../../src/train/train-model.js";
import { lossAndBackward, objectiveLoss, sequenceLogProbs, type Objective } from "../../src/train/objectives.js";
import { checkGrad } from "../../src/train/grad-check.js";
import { embeddingsAt, hiddenGradFromEmbeddings, infoNceOnEmbeddings } from "../../src/train/contrastive-loss.js";

const k = getKernels();

async function tinyModel(arch: "llama" | "qwen2" | "qwen3", freeze: string[] = [], recomputeSwiglu = false): Promise<TrainModel> {
  const dir = mkdtempSync(join(tmpdir(), "t1-train-grad-"));
  try {
    createTinyModel(dir, { arch, seed: 3, hiddenSize: 16, layers: 2, heads: 4, kvHeads: 2, headDim: 4, intermediateSize: 24, vocab: 512, withTokenizer: false, tieEmbeddings: arch !== "qwen2" });
    return await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir, { freeze, recomputeSwiglu });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// 3 sequences, right-padded to T = 6; rows 0 and 1 are queries, row 2 the shared document pool
// with row 1's sequence, LM loss on row 0's tail.
const B = 3, T = 6;
const batch: TokenBatch = {
  B, T,
  ids: Int32Array.of(5, 17, 300, 41, 9, 77, /**/ 8, 120, 33, 77, 0, 0, /**/ 64, 7, 211, 99, 77, 0),
  mask: Uint8Array.of(1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 0),
};
const objective: Objective = {
  lm: { targets: Int32Array.of(0, 0, 41, 9, 77, 0, ...new Array(12).fill(0)), weight: Float32Array.of(0, 0, 1, 1, 1, 0, ...new Array(12).fill(0)) },
  contrastive: { embPositions: Int32Array.of(5, 3, 4), queryRows: Int32Array.of(0), docRows: Int32Array.of(1, 2), positive: Int32Array.of(1), temperature: 0.5, scale: 0.7 },
};

async function checkModel(arch: "llama" | "qwen2" | "qwen3"): Promise<void> {
  const m = await tinyModel(arch);
  m.zeroGrads();
  lossAndBackward(m, batch, objective);
  for (const p of m.params) {
    const grad = Float32Array.from(p.grad!);
    const r = checkGrad(
      { forward: ([w]) => (p.data.set(w), Float32Array.of(objectiveLoss(m, batch, objective).loss)), backward: (_x, dy) => [grad.map((g) => g * dy[0])] },
      [Float32Array.from(p.data)],
      { maxProbes: 12, eps: 1e-2, atol: 2e-3, rtol: 2e-2 },
    );
    assert.deepEqual(r.failures, [], `${arch} ${p.name}`);
  }
}

test("llama: every parameter's gradient matches finite differences (padded GQA batch)", () => checkModel("llama"));
test("qwen2 (q/k/v biases, untied lm_head): gradients match finite differences", () => checkModel("qwen2"));

test("frozen parameters get no gradient and the rest are unchanged by freezing", async () => {
  const free = await tinyModel("qwen3");
  const frozen = await tinyModel("qwen3", ["model.embed_tokens.weight", "model.layers.0.*"]);
  free.zeroGrads();
  frozen.zeroGrads();
  lossAndBackward(free, batch, objective);
  lossAndBackward(frozen, batch, objective);
  for (const p of frozen.params) {
    const frozenExpected = p.name === "model.embed_tokens.weight" || p.name.startsWith("model.layers.0.");
    assert.equal(p.grad === null, frozenExpected, p.name);
    if (p.grad) assert.deepEqual(p.grad, free.param(p.name).grad, p.name);
  }
  await assert.rejects(tinyModel("qwen3", ["model.no_such.weight"]), /unknown parameter/);
});

test("sequenceLogProbs (GRPO's building block) agrees with the cross-entropy objective", async () => {
  const a = await tinyModel("qwen3"), b = await tinyModel("qwen3");
  // CE over every position that has a next real token = −mean of those token log-probs.
  const N = B * T, targets = new Int32Array(N), weight = new Float32Array(N);
  for (let i = 0; i + 1 < N; i++) if (batch.mask![i] && batch.mask![i + 1] && (i + 1) % T !== 0) { targets[i] = batch.ids[i + 1]; weight[i] = 1; }
  a.zeroGrads();
  const ce = lossAndBackward(a, batch, { lm: { targets, weight } });
  b.zeroGrads();
  const s = sequenceLogProbs(b, batch);
  let sum = 0, count = 0;
  for (let i = 0; i < N; i++) if (s.valid[i]) { sum += s.logp[i]; count++; }
  assert.equal(count, weight.reduce((x, y) => x + y, 0));
  assert.ok(Math.abs(-sum / count - ce.lm!) < 1e-5, `${-sum / count} vs ${ce.lm}`);
  s.backward(new Float32Array(N).fill(-1 / count));
  for (const p of a.params) {
    const q = b.param(p.name).grad!;
    for (let i = 0; i < q.length; i++) assert.ok(Math.abs(p.grad![i] - q[i]) <= 1e-6 + 1e-4 * Math.abs(q[i]), `${p.name}[${i}]`);
  }
});

test("InfoNCE across two forward passes (queries and documents apart) = the same batch in one pass", async () => {
  const joint = await tinyModel("qwen3"), split = await tinyModel("qwen3");
  const c = objective.contrastive!;
  const C = joint.config.hiddenSize;
  joint.zeroGrads();
  const ref = lossAndBackward(joint, batch, { contrastive: c });
  // queries: row 0 alone; documents: rows 1 and 2 in their own padded batch
  const qb = { B: 1, T, ids: batch.ids.slice(0, T), mask: batch.mask!.slice(0, T) };
  const db = { B: 2, T: 5, ids: Int32Array.of(8, 120, 33, 77, 0, 64, 7, 211, 99, 77), mask: Uint8Array.of(1, 1, 1, 1, 0, 1, 1, 1, 1, 1) };
  const qPos = Int32Array.of(5), dPos = Int32Array.of(3, 4);
  split.zeroGrads();
  const qt = split.forward(qb, { logits: false }), dt = split.forward(db, { logits: false });
  const r = infoNceOnEmbeddings(k, embeddingsAt(qt, qPos, C), embeddingsAt(dt, dPos, C), c.positive, c.temperature, C, c.scale);
  assert.ok(Math.abs(r.loss - ref.infoNce!) < 1e-5, `${r.loss} vs ${ref.infoNce}`);
  split.backward(qt, { dHidden: hiddenGradFromEmbeddings(qt, qPos, r.dQuery, C) });
  split.backward(dt, { dHidden: hiddenGradFromEmbeddings(dt, dPos, r.dDoc, C) });
  qt.free();
  dt.free();
  for (const p of joint.params) {
    const q = split.param(p.name).grad!;
    for (let i = 0; i < q.length; i++) assert.ok(Math.abs(p.grad![i] - q[i]) <= 1e-6 + 1e-4 * Math.abs(q[i]), `${p.name}[${i}]: ${p.grad![i]} vs ${q[i]}`);
  }
});

test("recomputeSwiglu gives the same gradients with fewer saved activations", async () => {
  const keep = await tinyModel("qwen3"), lean = await tinyModel("qwen3", [], true);
  keep.zeroGrads();
  lean.zeroGrads();
  const a = lossAndBackward(keep, batch, objective), b = lossAndBackward(lean, batch, objective);
  assert.equal(a.loss, b.loss);
  const F = keep.config.intermediateSize, L = keep.config.layers;
  assert.equal(a.activationFloats - b.activationFloats, B * T * F * L);
  for (const p of keep.params) assert.deepEqual(lean.param(p.name).grad, p.grad, p.name);
});
