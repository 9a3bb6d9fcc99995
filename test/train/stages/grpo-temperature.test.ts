// GRPO scores its actions under the distribution they were sampled from (softmax(logits / T)), and
// refuses settings where every advantage is 0 (T = 0, G = 1) instead of silently learning nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { loadTokenizer, t1Formats } from "../../../src/train/stages/formats.js";
import { policyPass } from "../../../src/train/stages/policy-pass.js";
import { layoutRollout } from "../../../src/train/stages/rollout.js";
import { trainGrpo } from "../../../src/train/stages/grpo.js";
import { InputError } from "../../../src/util/errors.js";

test("policy log-probs at the sampling temperature equal log softmax(full logits / T); T = 0, G = 1 refused; policyGradient: false", async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-grpo-temp-"));
  const k = getKernels();
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 2, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.5 });
    const f = t1Formats(loadTokenizer(dir));
    const cfg = readTrainModelConfig(join(dir, "config.json"));
    const m = await TrainModel.load(k, cfg, dir);
    const roll = layoutRollout([[1, 2, 3], [4, 5]], [[7, 8, 9], [6]], [true, false], { stopId: 11, embId: f.embId, padId: f.padId });
    const full = m.forward(roll.batch);
    const V = cfg.vocabSize, T = roll.batch.T;
    for (const temp of [0.7, 1, 1.5]) {
      const p = policyPass(m, roll.batch, roll.targets, roll.active, roll.embPositions, temp);
      let worst = 0, n = 0;
      for (let i = 0; i < roll.batch.B * T; i++) {
        if (!roll.active[i]) continue;
        const z = Array.from(full.logits!.subarray(i * V, i * V + V), (v) => v / temp);
        const mx = Math.max(...z);
        const ref = z[roll.targets[i]] - mx - Math.log(z.reduce((s, v) => s + Math.exp(v - mx), 0));
        worst = Math.max(worst, Math.abs(p.logp[i] - ref));
        n++;
      }
      p.free();
      assert.equal(n, 5, "3 tokens + the stop, then 1 token (cut at the budget)");
      assert.ok(worst < 1e-4, `T=${temp}: max |logp − reference| = ${worst}`);
    }
    full.free();
    // T = 0 and G = 1 are refused before any work
    const rows = [{ query: "q", positives: ["d"], negatives: [] }];
    const base = { outDir: join(root, "run"), totalSteps: 1, quiet: true, tokenizerDir: dir };
    await assert.rejects(trainGrpo(m, null, { rows, formats: f }, { ...base, samplingTemperature: 0 }), (e: Error) => e instanceof InputError && /samplingTemperature must be a number > 0/.test(e.message));
    await assert.rejects(trainGrpo(m, null, { rows, formats: f }, { ...base, groupSize: 1 }), (e: Error) => e instanceof InputError && /groupSize must be at least 2/.test(e.message));
    // the InfoNCE-only control: no policy gradient (and here no KL or InfoNCE either) = no update at all
    const before = Float32Array.from(m.params[1].data);
    const ctl = await trainGrpo(m, null, { rows, formats: f }, { ...base, outDir: join(root, "control"), groupSize: 2, maxReasoningTokens: 3, infoNceWeight: 0, policyGradient: false, lr: 1e-2 });
    assert.equal(ctl.logs[0].gradNorm, 0);
    assert.ok(Number.isFinite(ctl.logs[0].rewardMean), "rewards are still computed");
    assert.deepEqual(m.params[1].data, before);
    m.dispose();
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
