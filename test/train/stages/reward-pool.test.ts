// GRPO's reward ranks each trajectory among a mined pool per query (top-N of the whole corpus by
// BM25 or by the current model, plus the gold documents), not among the step's handful of
// in-batch documents, and logs how many groups carry no signal.
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
import { trainGrpo, type GrpoOptions } from "../../../src/train/stages/grpo.js";
import { mineBm25, mineWithModel, poolDocumentIds, queryCandidates } from "../../../src/train/stages/reward-pool.js";
import type { CandidatePool, GrpoRow } from "../../../src/train/stages/data.js";
import { latestCheckpoint } from "../../../src/train/checkpoint.js";
import { readFileSync } from "node:fs";

const WORDS = ["apple", "river", "engine", "violin", "planet", "castle", "desert", "garden", "winter", "copper", "falcon", "bridge"];
const texts = WORDS.flatMap((w, i) => [`${w} and ${WORDS[(i + 3) % 12]} facts`, `notes on ${w}`, `${WORDS[(i + 5) % 12]} story`]);
const pool: CandidatePool = { ids: texts.map((_, i) => `d${i}`), texts, byId: new Map(texts.map((_, i) => [`d${i}`, i])) };
const rows: GrpoRow[] = WORDS.slice(0, 4).map((w, i) => ({ query: `what about ${w}?`, positives: [texts[3 * i + 1]], negatives: [] }));
const positiveIds = rows.map((_, i) => [3 * i + 1]);

test("mineBm25: the top-N of the whole pool by BM25; the candidates add the gold in pool order", () => {
  const mined = mineBm25(pool, rows, 3);
  mined.forEach((ids, q) => {
    assert.equal(ids.length, 3);
    for (const id of ids) assert.match(texts[id], new RegExp(WORDS[q]), `query ${q} mined "${texts[id]}"`);
  });
  assert.deepEqual(queryCandidates([9, 2, 5], [7, 2]), [2, 5, 7, 9]);
});

test("trainGrpo with a pool ranks against the mined pool by default; full and model-mined pools; rates logged; model pool resumes", { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-reward-pool-"));
  const k = getKernels();
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 4, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.3 });
    const f = t1Formats(loadTokenizer(dir));
    const cfg = readTrainModelConfig(join(dir, "config.json"));
    const run = async (out: string, extra: Partial<GrpoOptions>) => {
      const policy = await TrainModel.load(k, cfg, dir);
      try {
        return await trainGrpo(policy, null, { rows, formats: f, pool, positiveIds }, {
          outDir: join(root, out), totalSteps: 1, queriesPerStep: 2, groupSize: 2, maxReasoningTokens: 3, lr: 1e-4, seed: 3, quiet: true, tokenizerDir: dir, ...extra,
        });
      } finally {
        policy.dispose();
      }
    };
    const mined = (await run("mined", { minedPoolSize: 5 })).logs[0];
    // BM25 returns fewer than N when fewer documents share a word with the query
    const sizes = mineBm25(pool, rows, 5).map((ids, q) => queryCandidates(ids, positiveIds[q]).length);
    assert.ok(mined.candidates >= Math.min(...sizes) && mined.candidates <= Math.max(...sizes) && mined.candidates < texts.length, `mined: ${mined.candidates} candidates, per query ${sizes}`);
    for (const key of ["zeroVarianceGroups", "saturatedGroups"] as const) assert.ok(mined[key] >= 0 && mined[key] <= 1, key);
    const full = (await run("full", { rewardPool: "full" })).logs[0];
    assert.equal(full.candidates, texts.length);

    // the model miner: mined with the policy, re-mined every step, saved in the checkpoint
    const policy = await TrainModel.load(k, cfg, dir);
    const byModel = mineWithModel(policy, f, poolDocumentIds(f, pool), rows, 4);
    policy.dispose();
    assert.deepEqual(byModel.map((x) => x.length), [4, 4, 4, 4]);
    const opts = { poolMiner: "model" as const, minedPoolSize: 4, poolRefreshEvery: 2, totalSteps: 3, checkpointEvery: 1 };
    const m = await run("model", opts);
    assert.equal(m.logs.length, 3);
    const state = JSON.parse(readFileSync(join(latestCheckpoint(join(root, "model", "checkpoints"))!, "trainer_state.json"), "utf8"));
    assert.equal(state.stageState.minedAt, 2, "re-mined at step 2");
    assert.equal(state.stageState.mined.length, rows.length);
    // interrupted after step 1 (a throw after its checkpoint), then resumed: the same step 2 as uninterrupted
    await assert.rejects(run("model-resumed", { ...opts, onStep: (l) => { if (l.step === 1) throw new Error("stop"); } }), /stop/);
    const resumed = await run("model-resumed", opts);
    assert.equal(resumed.resumedFrom, 1);
    assert.deepEqual(resumed.logs.map((l) => [l.loss, l.rewardMean, l.candidates]), m.logs.map((l) => [l.loss, l.rewardMean, l.candidates]));
    await assert.rejects(trainGrpo(await TrainModel.load(k, cfg, dir), null, { rows, formats: f }, { outDir: join(root, "x"), totalSteps: 1, rewardPool: "mined", quiet: true }), /rewardPool "mined" needs a candidate pool/);
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
