// lm_head logits at selected positions only (forward({ logitPositions })): the same rows as the full
// logits, the same gradients as the all-positions path for cross-entropy, sequenceLogProbs and
// GRPO's policy pass, and (N − P)·V fewer saved activation floats.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKernels, getKernels, type Kernels } from "../../src/engine/kernels/index.js";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel, type TokenBatch } from "../../src/train/train-model.js";
import { lossAndBackward, objectiveLoss, sequenceLogProbs, type Objective } from "../../src/train/objectives.js";
import { crossEntropyForward, tokenLogProbsForward, tokenLogProbsBackward } from "../../src/train/ops/cross-entropy.js";
import { crossEntropyBackward } from "./reference-ops.js";
import { positionsWhere } from "../../src/train/ops/row-select.js";
import { embeddingsAt, hiddenGradFromEmbeddings } from "../../src/train/contrastive-loss.js";
import { policyPass } from "../../src/train/stages/policy-pass.js";
import { contrastiveData } from "../../src/train/stages/contrastive-data.js";
import { loadTokenizer, t1Formats } from "../../src/train/stages/formats.js";
import { TrainRng } from "../../src/train/rng.js";
import { InputError } from "../../src/util/errors.js";

async function tinyModel(k: Kernels, arch: "qwen3" | "qwen2" = "qwen3"): Promise<TrainModel> {
  const dir = mkdtempSync(join(tmpdir(), "t1-logit-pos-"));
  try {
    createTinyModel(dir, { arch, seed: 3, hiddenSize: 16, layers: 2, heads: 4, kvHeads: 2, headDim: 4, intermediateSize: 24, vocab: 512, withTokenizer: false, tieEmbeddings: arch !== "qwen2" });
    return await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const B = 3, T = 6, N = B * T;
const batch: TokenBatch = {
  B, T,
  ids: Int32Array.of(5, 17, 300, 41, 9, 77, /**/ 8, 120, 33, 77, 0, 0, /**/ 64, 7, 211, 99, 77, 0),
  mask: Uint8Array.of(1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, 0),
};
// CE on row 0's tail and one token of row 1 (weights not all 1); row 2 is a document (no logits)
const lm = {
  targets: Int32Array.of(0, 0, 41, 9, 77, 0, /**/ 120, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0),
  weight: Float32Array.of(0, 0, 1, 1, 0.5, 0, /**/ 2, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0),
};
const contrastive = { embPositions: Int32Array.of(5, 3, 4), queryRows: Int32Array.of(0), docRows: Int32Array.of(1, 2), positive: Int32Array.of(1), temperature: 0.5, scale: 0.7 };

function closeGrads(a: TrainModel, b: TrainModel, what: string): void {
  for (const p of a.params) {
    const q = b.param(p.name).grad!;
    for (let i = 0; i < q.length; i++) assert.ok(Math.abs(p.grad![i] - q[i]) <= 1e-6 + 1e-4 * Math.abs(q[i]), `${what} ${p.name}[${i}]: ${p.grad![i]} vs ${q[i]}`);
  }
}

for (const k of [getKernels(), createKernels({ backend: "js" })] as Kernels[]) {
  test(`selected-position logits are the corresponding rows of the full logits (${k.name} kernels)`, async () => {
    const m = await tinyModel(k);
    const V = m.config.vocabSize;
    const full = m.forward(batch, { logits: true });
    for (const rows of [Int32Array.of(2, 3, 4, 6), Int32Array.of(0), Int32Array.of(17), Int32Array.of(1, 5, 9, 10, 11, 12, 16, 17)]) {
      const sel = m.forward(batch, { logitPositions: rows });
      assert.equal(sel.logits!.length, rows.length * V);
      assert.deepEqual(sel.logitPositions, rows);
      assert.deepEqual(sel.hidden, full.hidden);
      rows.forEach((r, p) => {
        const want = full.logits!.subarray(r * V, r * V + V), got = sel.logits!.subarray(p * V, p * V + V);
        for (let c = 0; c < V; c++) assert.ok(Math.abs(got[c] - want[c]) <= 1e-6 * (1 + Math.abs(want[c])), `position ${r} logit ${c}: ${got[c]} vs ${want[c]}`);
      });
      sel.free();
    }
    full.free();
  });
}

test("CE on masked positions: gradients with the selection equal the all-positions path (lm alone and with InfoNCE)", async () => {
  const k = getKernels();
  for (const arch of ["qwen3", "qwen2"] as const) {
    for (const obj of [{ lm }, { lm, contrastive }] as Objective[]) {
      const sel = await tinyModel(k, arch), full = await tinyModel(k, arch);
      const V = sel.config.vocabSize;
      sel.zeroGrads();
      const r = lossAndBackward(sel, batch, obj);
      // reference: logits at every position, plain JS cross-entropy over all N rows
      full.zeroGrads();
      const tape = full.forward(batch, { logits: true });
      const ce = crossEntropyForward(tape.logits!, lm.targets, lm.weight, N, V);
      const dLogits = new Float32Array(N * V);
      crossEntropyBackward(dLogits, 1, tape.logits!, lm.targets, lm.weight, N, V);
      if (obj.contrastive) {
        // gradients add up: start from the InfoNCE-only gradients (that path runs no lm_head)
        const ref = await tinyModel(k, arch);
        ref.zeroGrads();
        const nce = lossAndBackward(ref, batch, { contrastive });
        assert.ok(Math.abs(nce.infoNce! - r.infoNce!) < 1e-6);
        for (const p of ref.params) full.param(p.name).grad!.set(p.grad!);
      }
      full.backward(tape, { dLogits });
      tape.free();
      assert.ok(Math.abs(ce - r.lm!) <= 1e-6 * Math.abs(ce), `${arch}: lm ${r.lm} vs ${ce}`);
      closeGrads(sel, full, `${arch} ${obj.contrastive ? "lm+nce" : "lm"}`);
      assert.ok(Math.abs(objectiveLoss(sel, batch, obj).lm! - r.lm!) < 1e-6);
    }
  }
});

test("backward of a (P, V) dLogits equals the full backward with zero rows elsewhere", async () => {
  const k = getKernels();
  const a = await tinyModel(k, "qwen2"), b = await tinyModel(k, "qwen2");
  const V = a.config.vocabSize, C = a.config.hiddenSize;
  const rows = Int32Array.of(1, 4, 7, 12), rng = new TrainRng(4);
  const dSel = Float32Array.from({ length: rows.length * V }, () => rng.normal());
  const dEmb = Float32Array.from({ length: B * C }, () => rng.normal());
  const dFull = new Float32Array(N * V);
  rows.forEach((r, p) => dFull.set(dSel.subarray(p * V, p * V + V), r * V));
  a.zeroGrads();
  b.zeroGrads();
  const ta = a.forward(batch, { logitPositions: rows }), tb = b.forward(batch);
  a.backward(ta, { dLogits: dSel, dHidden: hiddenGradFromEmbeddings(ta, contrastive.embPositions, dEmb, C) });
  b.backward(tb, { dLogits: dFull, dHidden: hiddenGradFromEmbeddings(tb, contrastive.embPositions, dEmb, C) });
  ta.free();
  tb.free();
  closeGrads(a, b, "dLogits + dHidden");
});

test("sequenceLogProbs: log-probs and gradients with logits at the valid positions only = the full logits", async () => {
  const k = getKernels();
  const sel = await tinyModel(k), full = await tinyModel(k);
  const V = sel.config.vocabSize;
  const s = sequenceLogProbs(sel, batch);
  // reference on all N positions
  const next = new Int32Array(N), valid = new Uint8Array(N);
  for (let i = 0; i + 1 < N; i++) if ((i + 1) % T !== 0 && batch.mask![i] && batch.mask![i + 1]) { next[i] = batch.ids[i + 1]; valid[i] = 1; }
  assert.deepEqual(s.valid, valid);
  const tape = full.forward(batch, { logits: true });
  const logp = new Float32Array(N);
  tokenLogProbsForward(logp, tape.logits!, next, N, V);
  for (let i = 0; i < N; i++) assert.ok(valid[i] ? Math.abs(s.logp[i] - logp[i]) < 1e-6 : s.logp[i] === 0, `logp[${i}]`);
  const rng = new TrainRng(8);
  const dlogp = Float32Array.from({ length: N }, () => rng.normal());
  sel.zeroGrads();
  s.backward(dlogp, 0.5);
  const d = Float32Array.from(dlogp, (x, i) => (valid[i] ? x * 0.5 : 0));
  const dLogits = new Float32Array(N * V);
  tokenLogProbsBackward(dLogits, d, tape.logits!, next, N, V);
  full.zeroGrads();
  full.backward(tape, { dLogits });
  tape.free();
  closeGrads(sel, full, "sequenceLogProbs");
});

test("policyPass: action log-probs and gradients (with the embedding term) = the full logits", async () => {
  const k = getKernels();
  const sel = await tinyModel(k), full = await tinyModel(k);
  const V = sel.config.vocabSize, C = sel.config.hiddenSize;
  const active = Uint8Array.of(0, 0, 1, 1, 1, 0, /**/ 0, 1, 1, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0);
  const targets = Int32Array.from({ length: N }, (_, i) => (i * 37) % V);
  const p = policyPass(sel, batch, targets, active, contrastive.embPositions);
  const tape = full.forward(batch, { logits: true });
  const logp = new Float32Array(N);
  tokenLogProbsForward(logp, tape.logits!, targets, N, V);
  for (let i = 0; i < N; i++) assert.ok(active[i] ? Math.abs(p.logp[i] - logp[i]) < 1e-6 : p.logp[i] === 0, `logp[${i}]`);
  assert.deepEqual(p.emb, embeddingsAt(tape, contrastive.embPositions, C));
  const rng = new TrainRng(2);
  const dlogp = Float64Array.from({ length: N }, () => rng.normal()), dEmb = Float32Array.from({ length: B * C }, () => rng.normal());
  sel.zeroGrads();
  p.backward(dlogp, dEmb);
  const dLogits = new Float32Array(N * V);
  tokenLogProbsBackward(dLogits, Float32Array.from(dlogp, (x, i) => (active[i] ? x : 0)), tape.logits!, targets, N, V);
  full.zeroGrads();
  full.backward(tape, { dLogits, dHidden: hiddenGradFromEmbeddings(tape, contrastive.embPositions, dEmb, C) });
  tape.free();
  closeGrads(sel, full, "policyPass");
});

test("activation floats drop by (N − P)·V: lossAndBackward, and stage 2 (documents need no logits)", async () => {
  const k = getKernels();
  const m = await tinyModel(k);
  const V = m.config.vocabSize;
  const t = m.forward(batch, { logits: true }), fullFloats = t.floats;
  t.free();
  const noLogits = m.forward(batch, { logits: false });
  assert.equal(fullFloats - noLogits.floats, N * V);
  noLogits.free();
  const P = positionsWhere(lm.weight).length;
  assert.equal(P, 4);
  const r = lossAndBackward(m, batch, { lm, contrastive });
  assert.equal(r.activationFloats, fullFloats - (N - P) * V);
  const s = sequenceLogProbs(m, batch);
  s.free();

  // stage 2: one padded batch of queries (with reasoning) and documents; CE only on reasoning tokens
  const root = mkdtempSync(join(tmpdir(), "t1-logit-pos-stage2-"));
  try {
    createTinyModel(root, { arch: "qwen3", seed: 3, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64 });
    const f = t1Formats(loadTokenizer(root));
    const model = await TrainModel.load(k, readTrainModelConfig(join(root, "config.json")), root);
    const rows = ["apple", "river", "engine"].map((w, i, all) => ({ query: `tell me about ${w}`, positives: [`${w}: a passage`], negatives: [`${all[(i + 1) % 3]}: another passage about it`], reasoning: `The user asks about ${w}, so look for ${w}.` }));
    const mb = contrastiveData(rows, f, true).batch(Int32Array.of(0, 1, 2), new TrainRng(1));
    const Ns = mb.batch.B * mb.batch.T, Vs = model.config.vocabSize, Ps = positionsWhere(mb.objective.lm!.weight).length;
    assert.ok(Ps > 0 && Ps < Ns / 3, `${Ps} reasoning positions of ${Ns}`);
    const ft = model.forward(mb.batch, { logits: true }), stageFull = ft.floats;
    ft.free();
    const rs = lossAndBackward(model, mb.batch, mb.objective);
    assert.equal(rs.activationFloats, stageFull - (Ns - Ps) * Vs);
    model.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("logitPositions: every position = the full head; none = no logits and no head gradient; bad selections are named", async () => {
  const k = getKernels();
  const a = await tinyModel(k), b = await tinyModel(k);
  const all = Int32Array.from({ length: N }, (_, i) => i);
  const ta = a.forward(batch, { logitPositions: all }), tb = b.forward(batch);
  assert.equal(ta.logitPositions, null);
  assert.deepEqual(ta.logits, tb.logits);
  ta.free();
  tb.free();
  // an lm term with no weighted position: logits (0, V), the same gradients as without the term
  a.zeroGrads();
  b.zeroGrads();
  const r = lossAndBackward(a, batch, { lm: { targets: lm.targets, weight: new Float32Array(N) }, contrastive });
  lossAndBackward(b, batch, { contrastive });
  assert.equal(r.lm, 0);
  for (const p of a.params) assert.deepEqual(p.grad, b.param(p.name).grad, p.name);
  const empty = a.forward(batch, { logitPositions: new Int32Array(0) });
  assert.equal(empty.logits!.length, 0);
  empty.free();
  for (const bad of [Int32Array.of(3, 2), Int32Array.of(1, 1), Int32Array.of(-1), Int32Array.of(N)]) {
    assert.throws(() => a.forward(batch, { logitPositions: bad }), (e: unknown) => e instanceof InputError && /logitPositions/.test(e.message));
  }
  assert.throws(() => a.forward(batch, { logits: false, logitPositions: Int32Array.of(1) }), InputError);
  const t = a.forward(batch, { logitPositions: Int32Array.of(1, 2) });
  assert.throws(() => a.backward(t, { dLogits: new Float32Array(N * a.config.vocabSize) }), /dLogits has/);
  t.free();
});
