/**
 * One process trains stage after stage (the experiment runs every stage of every seed in one):
 * a finished run must hand its optimizer moments, and a disposed model its weights, back to the
 * kernel heap, or the 4 GiB wasm32 heap fills (seed 2 of the experiment stopped there).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKernels, WasmKernels } from "../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel } from "../../src/train/train-model.js";
import { causalLmData } from "../../src/train/lm-data.js";
import { train } from "../../src/train/trainer.js";
import { TrainRng } from "../../src/train/rng.js";
import { scratch } from "../helpers/scratch.js";

const fixture = join(import.meta.dirname, "..", "fixtures", "train", "tiny-qwen3");

test("train() frees its optimizer moments and a disposed model its weights: the kernel heap does not grow run after run", async () => {
  const k = createKernels({ threads: 1 });
  assert.ok(k instanceof WasmKernels);
  const cfg = readTrainModelConfig(join(fixture, "config.json"));
  const rng = new TrainRng(5);
  const data = causalLmData(Array.from({ length: 4 }, () => Int32Array.from({ length: 8 }, () => rng.int(63))));
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-kernel-mem-")));
  const live: number[] = [];
  for (let run = 0; run < 3; run++) {
    const model = await TrainModel.load(k, cfg, fixture);
    const weights = k.liveBytes;
    await train(model, data, { outDir: join(dir, `run-${run}`), totalSteps: 2, microBatchSize: 2, lr: 1e-3, checkpointEvery: 2, quiet: true });
    // The moments (2 x the trainable weights) are back; pooled activations (smaller here) stay until dispose.
    const moments = 2 * model.parameterCount * 4;
    assert.ok(k.liveBytes - weights < moments, `after train(): ${k.liveBytes - weights} bytes above the weights (moments: ${moments})`);
    model.dispose();
    live.push(k.liveBytes);
  }
  assert.ok(live[2]! <= live[0]!, `kernel bytes after each run: ${live.join(", ")}`);
});
