// Stage 2 killed with SIGKILL after a checkpoint resumes with the same losses and final weights
// (the positives and hard negatives drawn per step come from the checkpointed RNG).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { readStepLog } from "../../../src/train/train-log.js";
import { latestCheckpoint } from "../../../src/train/checkpoint.js";
import { killAfterSteps } from "../kill-child.js";

const child = join(import.meta.dirname, "stage2-resume-child.ts");

test("stage 2 killed with SIGKILL after a checkpoint resumes with the same losses and weights", { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-stage2-resume-"));
  try {
    const model = join(root, "model");
    createTinyModel(model, { arch: "qwen3", seed: 9, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64 });
    const run = (out: string) => {
      const r = spawnSync(process.execPath, ["--import", "tsx", child, model, out, "0"], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
    };
    const a = join(root, "a"), b = join(root, "b");
    run(a);
    const ref = readStepLog(join(a, "log.jsonl"));
    assert.equal(ref.length, 8);
    assert.ok(ref.every((l) => l.lm !== undefined && l.infoNce !== undefined));

    await killAfterSteps(child, [model, b, "200"], b, 4);
    assert.match(latestCheckpoint(join(b, "checkpoints")) ?? "", /step-0000003$/);

    run(b);
    const resumed = readStepLog(join(b, "log.jsonl"));
    assert.deepEqual(resumed.map((l) => [l.step, l.loss, l.lm, l.infoNce, l.gradNorm]), ref.map((l) => [l.step, l.loss, l.lm, l.infoNce, l.gradNorm]));
    const ca = latestCheckpoint(join(a, "checkpoints"))!, cb = latestCheckpoint(join(b, "checkpoints"))!;
    for (const f of ["model.safetensors", "optimizer.safetensors"]) assert.ok(readFileSync(join(ca, f)).equals(readFileSync(join(cb, f))), `${f} differs`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
