// The training model on a real pretrained Llama (stories260k): its padded-batch forward agrees with
// the engine's independent inference forward, a few training steps lower the loss, and the
// checkpoint it writes loads back into the engine with identical logits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { needShared } from "../helpers/shared.js";
import { getKernels } from "../../src/engine/kernels/index.js";
import { parseHfConfig } from "../../src/engine/config.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { Transformer } from "../../src/engine/transformer.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel } from "../../src/train/train-model.js";
import { train } from "../../src/train/trainer.js";
import { causalLmData } from "../../src/train/lm-data.js";

const k = getKernels();

async function engineFor(dir: string): Promise<Transformer> {
  const cfg = parseHfConfig(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), "config.json");
  return new Transformer(cfg, await readSafetensors(dir, { alloc: (n) => k.alloc(n) }), k);
}

/** Engine logits (rows × V) at every position of each sequence, each in its own cache row. */
function engineLogits(e: Transformer, seqs: Int32Array[]): Float32Array[] {
  const cache = e.createCache(seqs.length, 64);
  const r = e.forward(cache, seqs.map((s, row) => ({ row, tokens: s })), { logits: "all" });
  const V = e.cfg.vocabSize;
  return seqs.map((s, i) => r.logits.slice(r.offsets[i] * V, r.offsets[i + 1] * V));
}

function greedy(e: Transformer, n: number): Int32Array {
  const cache = e.createCache(1, 64);
  const out = [1];
  let r = e.forward(cache, [{ row: 0, tokens: [1] }]);
  while (out.length < n) {
    let best = 0;
    for (let v = 1; v < e.cfg.vocabSize; v++) if (r.logits[v] > r.logits[best]) best = v;
    out.push(best);
    r = e.forward(cache, [{ row: 0, tokens: [best] }]);
  }
  return Int32Array.from(out);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("stories260k: training forward = engine forward, loss falls, checkpoint reloads in the engine", async (t) => {
  const dir = needShared("models", "stories260k");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const engine = await engineFor(dir);
  const story = greedy(engine, 40);
  const seqs = [story, story.slice(5, 29), story.slice(10, 40)];
  const ref = engineLogits(engine, seqs);

  const model = await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir);
  const T = 40, V = model.config.vocabSize, B = seqs.length;
  const ids = new Int32Array(B * T), mask = new Uint8Array(B * T);
  seqs.forEach((s, b) => { ids.set(s, b * T); mask.fill(1, b * T, b * T + s.length); });
  const tape = model.forward({ B, T, ids, mask });
  seqs.forEach((s, b) => {
    const d = maxDiff(tape.logits!.subarray(b * T * V, (b * T + s.length) * V), ref[b]);
    assert.ok(d < 2e-4, `row ${b}: training and engine logits differ by ${d}`);
  });
  tape.free();

  const out = mkdtempSync(join(tmpdir(), "t1-train-stories-"));
  try {
    const data = causalLmData([story.slice(0, 20), story.slice(20, 40), story.slice(10, 30)]);
    const r = await train(model, data, { outDir: out, totalSteps: 8, microBatchSize: 3, lr: 3e-3, checkpointEvery: 4, tokenizerDir: dir, quiet: true });
    assert.ok(r.logs[7].loss < r.logs[0].loss * 0.9, `loss ${r.logs[0].loss} -> ${r.logs[7].loss}`);
    assert.ok(existsSync(join(r.checkpoint, "tokenizer.json")), "tokenizer copied into the checkpoint");
    const reloaded = await engineFor(r.checkpoint);
    const after = engineLogits(reloaded, [story]);
    const tape2 = model.forward({ B: 1, T: 40, ids: story });
    const d = maxDiff(tape2.logits!, after[0]);
    tape2.free();
    assert.ok(d < 2e-4, `checkpoint logits in the engine differ from the trained model's by ${d}`);
    assert.ok(maxDiff(after[0], ref[0]) > 1e-2, "training changed nothing");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
