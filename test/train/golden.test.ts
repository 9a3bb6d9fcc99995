// PyTorch parity: logits, losses, every parameter's gradient and 5 AdamW steps of a tiny Qwen3
// against golden files from scripts/golden/train_golden.py (float64 torch 1.13).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createKernels, getKernels, type Kernels } from "../../src/engine/kernels/index.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel, type TokenBatch } from "../../src/train/train-model.js";
import { lossAndBackward, objectiveLoss, type Objective } from "../../src/train/objectives.js";
import { AdamW, clipGradNorm, clipCoefficient, globalGradNorm, learningRateAt } from "../../src/train/adamw.js";

const fix = join(import.meta.dirname, "..", "fixtures", "train");
const golden = JSON.parse(readFileSync(join(fix, "golden", "golden.json"), "utf8"));
const bj = JSON.parse(readFileSync(join(fix, "golden", "batch.json"), "utf8"));
const config = readTrainModelConfig(join(fix, "tiny-qwen3", "config.json"));
const batch: TokenBatch = { B: bj.B, T: bj.T, ids: Int32Array.from(bj.ids), mask: Uint8Array.from(bj.mask) };
const objective: Objective = {
  lm: { targets: Int32Array.from(bj.targets), weight: Float32Array.from(bj.weight), scale: bj.lmScale },
  contrastive: {
    embPositions: Int32Array.from(bj.embPositions), queryRows: Int32Array.from(bj.queryRows), docRows: Int32Array.from(bj.docRows),
    positive: Int32Array.from(bj.positive), temperature: bj.temperature, scale: bj.nceScale,
  },
};

function close(name: string, ours: ArrayLike<number>, ref: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): void {
  assert.equal(ours.length, ref.length, `${name}: length`);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(ours[i] - ref[i]) - rtol * Math.abs(ref[i]);
    if (err > worstErr) { worstErr = err; worst = i; }
  }
  assert.ok(worst < 0 || worstErr <= atol, `${name}[${worst}]: ours ${ours[worst]} vs torch ${ref[worst]}`);
}

for (const k of [getKernels(), createKernels({ backend: "js" })] as Kernels[]) {
  test(`logits, losses and every parameter gradient match PyTorch (${k.name} kernels)`, async () => {
    const ref = await readSafetensors(join(fix, "golden", "golden.safetensors"));
    const m = await TrainModel.load(k, config, join(fix, "tiny-qwen3"));
    const tape = m.forward(batch);
    close("logits", tape.logits!, ref.get("logits")!.data);
    tape.free();
    const r = lossAndBackward(m, batch, objective);
    close("lm loss", [r.lm!], [golden.lm]);
    close("infoNce", [r.infoNce!], [golden.infoNce]);
    close("loss", [r.loss], [golden.loss]);
    assert.equal(m.params.length, [...ref.keys()].filter((n) => n.startsWith("grad.")).length);
    for (const p of m.params) close(`grad ${p.name}`, p.grad!, ref.get("grad." + p.name)!.data);
  });

  test(`5 AdamW steps with clipping and warm-up + cosine LR match PyTorch (${k.name} kernels)`, async () => {
    const o = golden.optimizer;
    const m = await TrainModel.load(k, config, join(fix, "tiny-qwen3"));
    const opt = new AdamW(m.params, { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay });
    for (const s of golden.steps) {
      const lr = learningRateAt(s.step, { lr: o.lr, warmupSteps: o.warmup, totalSteps: o.total, minLrRatio: o.minLrRatio });
      close(`lr step ${s.step}`, [lr], [s.lr], 1e-12, 0);
      m.zeroGrads();
      const r = lossAndBackward(m, batch, objective);
      close(`loss step ${s.step}`, [r.loss], [s.loss]);
      // odd steps clip in place, even steps fold the clip coefficient into the update (what train() does)
      if (s.step % 2) close(`grad norm step ${s.step}`, [clipGradNorm(m.params, o.clip)], [s.gradNorm]);
      else {
        const norm = globalGradNorm(m.params);
        close(`grad norm step ${s.step}`, [norm], [s.gradNorm]);
        opt.update(lr, clipCoefficient(norm, o.clip));
        continue;
      }
      opt.update(lr);
    }
    close("loss after 5 steps", [objectiveLoss(m, batch, objective).loss], [golden.finalLoss]);
  });
}
