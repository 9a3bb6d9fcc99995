// `t1 train lm` end to end on the real stories260k model: trains, checkpoints, resumes when re-run
// with more steps, and rejects bad input with exit code 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { needShared } from "../helpers/shared.js";
import { readStepLog } from "../../src/train/train-log.js";

const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const t1 = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8", env: { ...process.env, T1_THREADS: "1" } });

test("t1 train lm: trains, checkpoints, resumes with more steps, exit 2 on bad input", { timeout: 120_000 }, (t) => {
  const model = needShared("models", "stories260k");
  if (typeof model !== "string") return t.skip(model.skip);
  const dir = mkdtempSync(join(tmpdir(), "t1-cli-train-"));
  try {
    const data = join(dir, "texts.jsonl");
    const texts = ["Once upon a time, there was a little girl named Lily. She loved to play outside.", "Tom had a big red ball. He liked to kick it in the park with his dog.", "The sun was warm and the birds were singing in the tall green tree."];
    writeFileSync(data, texts.map((text, i) => JSON.stringify({ id: `d${i}`, text })).join("\n") + "\n");
    const out = join(dir, "run");
    const args = ["train", "lm", "--model", model, "--data", data, "--out", out, "--batch-size", "2", "--lr", "3e-3", "--checkpoint-every", "2", "--quiet"];
    const a = t1(...args, "--steps", "4");
    assert.equal(a.status, 0, a.stderr);
    assert.deepEqual(readStepLog(join(out, "log.jsonl")).map((l) => l.step), [1, 2, 3, 4]);
    assert.ok(existsSync(join(out, "checkpoints", "step-0000004", "model.safetensors")));
    assert.ok(existsSync(join(out, "checkpoints", "step-0000004", "tokenizer.json")));
    const b = t1(...args, "--steps", "6");
    assert.equal(b.status, 0, b.stderr);
    const logs = readStepLog(join(out, "log.jsonl"));
    assert.deepEqual(logs.map((l) => l.step), [1, 2, 3, 4, 5, 6]);
    assert.ok(logs[5].loss < logs[0].loss, `loss ${logs[0].loss} -> ${logs[5].loss}`);
    const bad = t1("train", "lm", "--model", model, "--data", join(dir, "missing.jsonl"), "--out", out);
    assert.equal(bad.status === 0, false);
    const badNum = t1(...args, "--steps", "many");
    assert.equal(badNum.status, 2);
    assert.match(badNum.stderr, /--steps expects a (number|positive integer)/);
    const zero = t1(...args, "--batch-size", "0");
    assert.equal(zero.status, 2);
    assert.match(zero.stderr, /--batch-size must be >= 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
