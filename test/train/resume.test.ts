// Kill -9 a training run after a checkpoint, resume it, and require the same loss sequence (and the
// same final weights) as an uninterrupted run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStepLog } from "../../src/train/train-log.js";
import { latestCheckpoint } from "../../src/train/checkpoint.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { killAfterSteps } from "./kill-child.js";

const child = join(import.meta.dirname, "resume-child.ts");
const run = (out: string) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", child, out, "0"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
};

test("a run killed with SIGKILL after a checkpoint resumes with the same losses", { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-resume-"));
  try {
    const a = join(root, "a"), b = join(root, "b");
    run(a);
    const ref = readStepLog(join(a, "log.jsonl"));
    assert.equal(ref.length, 10);
    assert.ok(ref[9].loss < ref[0].loss, "training should reduce the loss");

    const killedAt = await killAfterSteps(child, [b, "150"], b, 7);
    assert.ok(killedAt >= 7 && killedAt < 10, `killed after step ${killedAt}`);
    assert.match(latestCheckpoint(join(b, "checkpoints")) ?? "", /step-0000006$/);

    run(b);
    const resumed = readStepLog(join(b, "log.jsonl"));
    assert.deepEqual(resumed.map((l) => l.step), ref.map((l) => l.step));
    assert.deepEqual(resumed.map((l) => [l.loss, l.lr, l.gradNorm]), ref.map((l) => [l.loss, l.lr, l.gradNorm]));

    const ca = latestCheckpoint(join(a, "checkpoints"))!, cb = latestCheckpoint(join(b, "checkpoints"))!;
    assert.match(cb, /step-0000010$/);
    for (const f of ["model.safetensors", "optimizer.safetensors", "config.json"]) {
      assert.ok(readFileSync(join(ca, f)).equals(readFileSync(join(cb, f))), `${f} differs`);
    }
    assert.equal(readTrainModelConfig(join(cb, "config.json")).arch, "qwen3");
    assert.ok(readdirSync(join(b, "checkpoints")).every((n) => /^step-\d+$/.test(n)), "temp dirs or extra checkpoints left behind");
    assert.match(readFileSync(join(b, "curves.html"), "utf8"), /<svg[\s\S]*<path d="M/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
