// Format settings travel with the model: every training checkpoint records the T1 format it was
// trained with (t1_format.json), stage 3 inherits stage 2's and defaults its rollout budget to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { readT1FormatSettings } from "../../../src/data/t1-format/index.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { train } from "../../../src/train/trainer.js";
import { contrastiveData } from "../../../src/train/stages/contrastive-data.js";
import { loadTokenizer, t1Formats } from "../../../src/train/stages/formats.js";
import { trainGrpo } from "../../../src/train/stages/grpo.js";

const TOPICS = ["apple", "river", "engine", "violin"];
const rows = TOPICS.map((t, i) => ({
  query: `tell me about ${t}`, positives: [`${t}: a passage about ${t}`], negatives: [`${TOPICS[(i + 1) % 4]} notes`], reasoning: `look for ${t}`,
}));

test("stage 2 and stage 3 checkpoints carry t1_format.json; GRPO's reasoning budget defaults to the model's", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-ckfmt-"));
  const k = getKernels();
  try {
    const base = join(root, "base");
    createTinyModel(base, { arch: "qwen3", seed: 4, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64 });
    assert.equal(readT1FormatSettings(base), undefined, "the fixture starts without settings");
    const f2 = t1Formats(loadTokenizer(base), { instruction: "Find the passage", maxDocLength: 40, maxReasoningLength: 7 });
    const m2 = await TrainModel.load(k, readTrainModelConfig(join(base, "config.json")), base);
    const s2 = await train(m2, contrastiveData(rows, f2, true, { negativesPerQuery: 1 }), {
      outDir: join(root, "stage2"), totalSteps: 1, microBatchSize: 4, lr: 1e-3, seed: 1, checkpointEvery: 1, quiet: true, tokenizerDir: base,
    });
    const saved2 = readT1FormatSettings(s2.checkpoint);
    assert.ok(saved2, `${s2.checkpoint} has no t1_format.json`);
    assert.equal(saved2.instruction, "Find the passage");
    assert.equal(saved2.maxDocumentTokens, 40);
    assert.equal(saved2.maxReasoningTokens, 7);
    assert.equal(saved2.learnedToStop, true);

    // Stage 3 from the stage-2 checkpoint, its formats read from the checkpoint, no budget given.
    const f3 = t1Formats(loadTokenizer(s2.checkpoint), { settings: saved2 });
    const cfg = readTrainModelConfig(join(s2.checkpoint, "config.json"));
    const policy = await TrainModel.load(k, cfg, s2.checkpoint);
    const s3 = await trainGrpo(policy, null, { rows, formats: f3 }, {
      outDir: join(root, "stage3"), totalSteps: 1, queriesPerStep: 2, groupSize: 2, lr: 1e-4, seed: 2, quiet: true, tokenizerDir: s2.checkpoint, checkpointEvery: 1,
    });
    const state = JSON.parse(readFileSync(join(s3.checkpoint, "trainer_state.json"), "utf8")) as { options: { maxReasoningTokens: number } };
    assert.equal(state.options.maxReasoningTokens, 7, "GRPO samples with the budget the model is searched with");
    assert.ok(s3.logs.every((l) => (l.lengthMax ?? 0) <= 7), "no rollout is longer than the budget");
    const saved3 = readT1FormatSettings(s3.checkpoint);
    assert.deepEqual(saved3, saved2, "stage 3 keeps stage 2's settings (it changes none of them)");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
