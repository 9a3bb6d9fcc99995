import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "../../src/engine/model.js";
import { readNpyF32, writeNpyF32 } from "../../src/engine/npy.js";

const ROOT = join(import.meta.dirname, "..", "..");
const FIX = join(ROOT, "test", "fixtures", "engine");
const QWEN = join(FIX, "tiny-qwen3");

function t1(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "main.ts"), ...args], { encoding: "utf8", cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test(".npy matches numpy's own bytes (fixture written by np.save)", () => {
  const file = join(FIX, "numpy-2x3.npy");
  const { shape, data } = readNpyF32(file);
  assert.deepEqual(shape, [2, 3]);
  assert.deepEqual([...data], [1.5, -2, 0.25, 3, Math.fround(4e-8), -1e6]);
  const out = join(mkdtempSync(join(tmpdir(), "npy-")), "x.npy");
  writeNpyF32(out, [data.subarray(0, 3), data.subarray(3)], 3);
  assert.ok(readFileSync(out).equals(readFileSync(file)));
});

test("t1 generate --json prints ids and text equal to the API's greedy output", async () => {
  const r = t1("generate", "--model", QWEN, "--prompt", "Once upon a time", "--max-tokens", "6", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { ids: number[]; text: string };
  const m = await loadModel(QWEN);
  const [g] = await m.generateText(["Once upon a time"], { maxTokens: 6 });
  assert.deepEqual(j.ids, g!.ids);
  assert.equal(j.text, g!.text);
});
