// Loading converts bf16 to f32 tensor by tensor: peak memory grows by about the f32 weights' size,
// not by file + weights, also for a sharded checkpoint (model.safetensors.index.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { readSafetensors, writeSafetensors, type TensorMap } from "../../src/engine/safetensors.js";

test("a sharded bf16 checkpoint loads as f32 with peak memory close to the f32 weights' size", { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "t1-loadmem-"));
  try {
    // ~13M parameters: 50 MB as f32, 25 MB as bf16 on disk, in two shards.
    createTinyModel(dir, { arch: "qwen3", seed: 1, hiddenSize: 512, layers: 4, heads: 8, kvHeads: 4, headDim: 64, intermediateSize: 1536, vocab: 1024 });
    const all = await readSafetensors(join(dir, "model.safetensors"));
    rmSync(join(dir, "model.safetensors"));
    const names = [...all.keys()].sort();
    const shards: TensorMap[] = [new Map(), new Map()];
    const weightMap: Record<string, string> = {};
    names.forEach((n, i) => {
      const s = i < names.length / 2 ? 0 : 1;
      shards[s]!.set(n, all.get(n)!);
      weightMap[n] = `model-0000${s + 1}-of-00002.safetensors`;
    });
    shards.forEach((m, s) => writeSafetensors(join(dir, `model-0000${s + 1}-of-00002.safetensors`), m, {}, { dtype: "BF16" }));
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    let f32Bytes = 0;
    for (const t of all.values()) f32Bytes += t.data.length * 4;
    all.clear();

    const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "load-memory-child.ts"), dir, "f32"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const { peakGrowthBytes, finite } = JSON.parse(r.stdout) as { peakGrowthBytes: number; finite: boolean };
    assert.ok(finite);
    const ratio = peakGrowthBytes / f32Bytes;
    t.diagnostic(`peak RSS growth ${(peakGrowthBytes / 2 ** 20).toFixed(1)} MB for ${(f32Bytes / 2 ** 20).toFixed(1)} MB of f32 weights (${ratio.toFixed(3)}x)`);
    // Reading the whole file first and converting after would need ~1.5x (file + f32 weights).
    assert.ok(ratio <= 1.25, `peak memory grew by ${(peakGrowthBytes / 2 ** 20).toFixed(1)} MB for ${(f32Bytes / 2 ** 20).toFixed(1)} MB of f32 weights (${ratio.toFixed(2)}x)`);
    assert.ok(ratio >= 0.9, `peak growth ${ratio.toFixed(2)}x of the weights: the measurement is off (weights not resident?)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
