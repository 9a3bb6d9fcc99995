// Kill -9 a GRPO run (stage 3) after a checkpoint, resume it, and require the same rewards, losses
// and final weights as an uninterrupted run (sampling seeds come from the checkpointed RNG).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { readStepLog } from "../../../src/train/train-log.js";
import { latestCheckpoint } from "../../../src/train/checkpoint.js";
import type { GrpoStepLog } from "../../../src/train/stages/grpo.js";
import { killAfterSteps } from "../kill-child.js";

const child = join(import.meta.dirname, "grpo-resume-child.ts");

test("a GRPO run killed with SIGKILL after a checkpoint resumes with the same rewards, losses and weights", { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-grpo-resume-"));
  try {
    const model = join(root, "model");
    createTinyModel(model, { arch: "qwen3", seed: 8, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.3, tieEmbeddings: false });
    const run = (out: string) => {
      const r = spawnSync(process.execPath, ["--import", "tsx", child, model, out, "0"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    };
    const a = join(root, "a"), b = join(root, "b");
    run(a);
    const ref = readStepLog(join(a, "log.jsonl")) as GrpoStepLog[];
    assert.equal(ref.length, 8);

    const killedAt = await killAfterSteps(child, [model, b, "200"], b, 4);
    assert.ok(killedAt >= 4 && killedAt < 6, `killed after step ${killedAt}`);
    assert.match(latestCheckpoint(join(b, "checkpoints")) ?? "", /step-0000003$/);

    run(b);
    const resumed = readStepLog(join(b, "log.jsonl")) as GrpoStepLog[];
    const key = (l: GrpoStepLog) => [l.step, l.loss, l.rewardMean, l.rewardStd, l.kl, l.clipFraction, l.lengthMean, l.gradNorm];
    assert.deepEqual(resumed.map(key), ref.map(key));
    const ca = latestCheckpoint(join(a, "checkpoints"))!, cb = latestCheckpoint(join(b, "checkpoints"))!;
    assert.match(cb, /step-0000008$/);
    for (const f of ["model.safetensors", "optimizer.safetensors", "config.json", "tokenizer.json"]) {
      assert.ok(readFileSync(join(ca, f)).equals(readFileSync(join(cb, f))), `${f} differs`);
    }
    assert.ok(readdirSync(join(b, "checkpoints")).every((n) => /^step-\d+$/.test(n)), "temp dirs or extra checkpoints left behind");
    assert.match(readFileSync(join(b, "curves.html"), "utf8"), /<svg[\s\S]*<path d="M[\s\S]*aria-label="reward \(mean\)"/);
    assert.ok(ref.some((l) => l.kl > 0) && ref.some((l) => l.clipFraction > 0), "with μ = 2 the second update sees ratios ≠ 1 and a KL > 0");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
