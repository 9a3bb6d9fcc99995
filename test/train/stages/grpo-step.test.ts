// One GRPO step on a tiny model moves the policy toward its higher-advantage trajectories, and the
// step is a deterministic function of the seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { loadTokenizer, t1Formats } from "../../../src/train/stages/formats.js";
import { policyPass } from "../../../src/train/stages/policy-pass.js";
import { trainGrpo, type GrpoOptions } from "../../../src/train/stages/grpo.js";
import type { Rollout } from "../../../src/train/stages/rollout.js";
import type { GrpoRow } from "../../../src/train/stages/data.js";

const TOPICS = ["apple", "river", "engine", "violin"];
const rows: GrpoRow[] = TOPICS.map((t, i) => ({ query: `tell me about ${t}`, positives: [`${t}: a passage about ${t}`], negatives: [`${TOPICS[(i + 1) % 4]} notes`] }));

function seqLogProbs(m: TrainModel, r: Rollout): number[] {
  const p = policyPass(m, r.batch, r.targets, r.active, r.embPositions);
  const out = new Array(r.batch.B).fill(0);
  for (let i = 0; i < p.logp.length; i++) if (r.active[i]) out[Math.floor(i / r.batch.T)] += p.logp[i];
  p.free();
  return out;
}

test("a GRPO step raises the log-probability of the best trajectory (and tracks the advantages); same seed, same step", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-grpo-"));
  const k = getKernels();
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 5, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.3, tieEmbeddings: false });
    const f = t1Formats(loadTokenizer(dir));
    const cfg = readTrainModelConfig(join(dir, "config.json"));
    const opts = (out: string): GrpoOptions => ({
      outDir: join(root, out), totalSteps: 1, queriesPerStep: 2, groupSize: 8, maxReasoningTokens: 6, lr: 2e-4, infoNceWeight: 0, seed: 11, quiet: true, tokenizerDir: dir,
    });
    const runOnce = async (out: string) => {
      const policy = await TrainModel.load(k, cfg, dir);
      const reference = await TrainModel.load(k, cfg, dir, { freeze: ["*"] });
      let seen: { rollout: Rollout; advantages: Float64Array; before: number[] } | undefined;
      const r = await trainGrpo(policy, reference, { rows, formats: f }, {
        ...opts(out),
        onRollout: ({ rollout, advantages, rewards, oldLogp }) => {
          if (process.env.T1_DEBUG) console.log(rollout.outputs, rewards);
          // oldLogp: the sampling policy, before the update; the hook runs after it
          const before = new Array(rollout.batch.B).fill(0);
          for (let i = 0; i < oldLogp.length; i++) if (rollout.active[i]) before[Math.floor(i / rollout.batch.T)] += oldLogp[i];
          seen = { rollout, advantages, before };
        },
      });
      const after = seqLogProbs(policy, seen!.rollout);
      policy.dispose();
      reference.dispose();
      return { r, ...seen!, after };
    };
    const a = await runOnce("a");
    const adv = Array.from(a.advantages);
    assert.ok(adv.some((x) => x !== 0), "rewards should differ within a group");
    const best = adv.indexOf(Math.max(...adv)), worst = adv.indexOf(Math.min(...adv));
    const delta = a.after.map((v, i) => v - a.before[i]);
    console.log(`GRPO step: best trajectory (A=${adv[best].toFixed(2)}) Δlogp ${delta[best].toFixed(4)}, worst (A=${adv[worst].toFixed(2)}) Δlogp ${delta[worst].toFixed(4)}, Σ A·Δlogp ${adv.reduce((s, x, i) => s + x * delta[i], 0).toFixed(4)}`);
    assert.ok(delta[best] > 0, `log-prob of the best trajectory should rise, moved ${delta[best]}`);
    assert.ok(delta[worst] < delta[best]);
    assert.ok(adv.reduce((s, x, i) => s + x * delta[i], 0) > 0, "log-probs should move with the advantages");
    const log = a.r.logs[0];
    for (const key of ["rewardMean", "rewardStd", "ndcg10", "cosinePositive", "kl", "clipFraction", "lengthMean", "lengthMax"] as const) assert.ok(Number.isFinite(log[key]), key);
    assert.equal(log.kl, 0, "policy == reference at the first step");
    assert.equal(log.clipFraction, 0, "ratio is 1 at the first update");

    const b = await runOnce("b");
    assert.deepEqual(b.r.logs.map((l) => [l.loss, l.rewardMean, l.gradNorm]), a.r.logs.map((l) => [l.loss, l.rewardMean, l.gradNorm]));
    assert.deepEqual(b.rollout.outputs, a.rollout.outputs);
    assert.ok(readFileSync(join(a.r.checkpoint, "model.safetensors")).equals(readFileSync(join(b.r.checkpoint, "model.safetensors"))));
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test("GRPO in chunks of rows (rowsPerPass) matches one pass over the whole rollout", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-grpo-chunk-"));
  const k = getKernels();
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 6, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.3, tieEmbeddings: false });
    const f = t1Formats(loadTokenizer(dir));
    const cfg = readTrainModelConfig(join(dir, "config.json"));
    const run = async (out: string, rowsPerPass: number) => {
      const policy = await TrainModel.load(k, cfg, dir);
      const reference = await TrainModel.load(k, cfg, dir, { freeze: ["*"] });
      const r = await trainGrpo(policy, reference, { rows, formats: f }, {
        outDir: join(root, out), totalSteps: 2, queriesPerStep: 2, groupSize: 4, maxReasoningTokens: 5, lr: 3e-3, updatesPerBatch: 2, seed: 3, quiet: true, rowsPerPass,
      });
      const w = policy.params.map((p) => p.data.slice());
      policy.dispose();
      reference.dispose();
      return { logs: r.logs, w };
    };
    const whole = await run("whole", 0), chunked = await run("chunked", 3);
    // Same samples; values agree to float rounding (the matmul kernels block rows differently).
    chunked.logs.forEach((l, i) => {
      assert.ok(Math.abs(l.rewardMean - whole.logs[i].rewardMean) < 1e-6, `reward ${l.rewardMean} vs ${whole.logs[i].rewardMean}`);
      assert.equal(l.lengthMean, whole.logs[i].lengthMean);
      assert.ok(Math.abs(l.loss - whole.logs[i].loss) < 1e-5 * Math.max(1, Math.abs(l.loss)), `loss ${l.loss} vs ${whole.logs[i].loss}`);
      assert.ok(Math.abs(l.gradNorm - whole.logs[i].gradNorm) < 1e-4 * whole.logs[i].gradNorm, `grad norm ${l.gradNorm} vs ${whole.logs[i].gradNorm}`);
    });
    let maxDiff = 0;
    whole.w.forEach((a, j) => a.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - chunked.w[j][i])))));
    // AdamW divides by sqrt(v): rounding-level gradient differences move near-zero-gradient weights by
    // a small fraction of one lr-sized step (lr = 3e-3 here).
    assert.ok(maxDiff < 1e-4, `weights differ by ${maxDiff}`);
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
