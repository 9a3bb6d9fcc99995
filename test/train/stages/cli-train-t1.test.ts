// `t1 train t1`: --help lists the defaults; the three stages chain (each stage starts from the
// previous stage's checkpoint); bad rows stop with exit code 2 naming file, line and field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInProcess } from "../../cli/in-process.js";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { readStepLog } from "../../../src/train/train-log.js";
import { latestCheckpoint } from "../../../src/train/checkpoint.js";

test("t1 train t1: help, stage 1 → 2 → 3 chain, bad input exit 2", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-cli-t1-"));
  try {
    const help = await runInProcess(["train", "t1", "--help"]);
    assert.equal(help.code, 0);
    for (const s of ["--stage", "--group-size", "--kl-beta", "--clip-eps", "--tau", "--lambda", "--pool", "default: 0.05", "default: 8"]) assert.ok(help.stdout.includes(s), `help lacks ${s}`);

    const model = join(root, "model");
    createTinyModel(model, { arch: "qwen3", seed: 2, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.3, tieEmbeddings: false });
    const topics = ["apple", "river", "engine", "violin"];
    const rows = topics.map((t, i) => ({ query: `tell me about ${t}`, positive: `${t} passage`, negatives: [`${topics[(i + 1) % 4]} passage`], reasoning: `look for ${t}` }));
    const data = join(root, "rows.jsonl"), pool = join(root, "pool.jsonl"), grpo = join(root, "grpo.jsonl");
    writeFileSync(data, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    writeFileSync(pool, topics.map((t, i) => JSON.stringify({ id: `d${i}`, text: `${t} passage` })).join("\n") + "\n");
    writeFileSync(grpo, topics.map((t, i) => JSON.stringify({ query: `tell me about ${t}`, positives: [`d${i}`] })).join("\n") + "\n");
    const common = ["--steps", "2", "--batch-size", "2", "--lr", "1e-3", "--quiet", "--instruction", "Find the passage"];
    let from = model;
    for (const stage of ["1", "2", "3"]) {
      const out = join(root, `stage${stage}`);
      const extra = stage === "3" ? ["--data", grpo, "--pool", pool, "--group-size", "4", "--max-reasoning-tokens", "4"] : ["--data", data];
      const r = await runInProcess(["train", "t1", "--stage", stage, "--model", from, "--out", out, ...extra, ...common]);
      assert.equal(r.code, 0, r.stderr);
      const logs = readStepLog(join(out, "log.jsonl"));
      assert.deepEqual(logs.map((l) => l.step), [1, 2]);
      if (stage === "2") assert.ok(logs.every((l) => l.lm !== undefined && l.infoNce !== undefined));
      if (stage === "3") assert.ok(logs.every((l) => typeof (l as unknown as { rewardMean: number }).rewardMean === "number"));
      assert.ok(existsSync(join(out, "curves.html")));
      from = latestCheckpoint(join(out, "checkpoints"))!;
      for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]) assert.ok(existsSync(join(from, f)), `${from}/${f}`);
    }

    // Re-running a stage with more steps continues from its newest checkpoint.
    const more = await runInProcess(["train", "t1", "--stage", "1", "--model", model, "--out", join(root, "stage1"), "--data", data, ...common, "--steps", "3"]);
    assert.equal(more.code, 0, more.stderr);
    assert.deepEqual(readStepLog(join(root, "stage1", "log.jsonl")).map((l) => l.step), [1, 2, 3]);

    const bad = join(root, "bad.jsonl");
    writeFileSync(bad, JSON.stringify({ query: "q", positive: "p" }) + "\n" + JSON.stringify({ query: "q", positive: "p", reasoning: 3 }) + "\n");
    const r = await runInProcess(["train", "t1", "--stage", "2", "--model", model, "--data", bad, "--out", join(root, "bad"), "--quiet"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.jsonl:1: missing \(field "reasoning"\)/);
    const s4 = await runInProcess(["train", "t1", "--stage", "4", "--model", model, "--data", data, "--out", join(root, "bad")]);
    assert.equal(s4.code, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
