// Child process of resume.test.ts: trains the tiny Qwen3 fixture and can be slowed down so the
// parent can SIGKILL it mid-run. Usage: node --import tsx resume-child.ts OUT_DIR DELAY_MS
import { join } from "node:path";
import { getKernels } from "../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../src/train/model-config.js";
import { TrainModel } from "../../src/train/train-model.js";
import { train, type TrainData } from "../../src/train/trainer.js";
import { causalLmData } from "../../src/train/lm-data.js";
import { TrainRng } from "../../src/train/rng.js";

const [outDir, delayArg] = process.argv.slice(2);
const delayMs = Number(delayArg ?? 0);
const fixture = join(import.meta.dirname, "..", "fixtures", "train", "tiny-qwen3");
const k = getKernels();
const model = await TrainModel.load(k, readTrainModelConfig(join(fixture, "config.json")), fixture);
const gen = new TrainRng(42);
const seqs = Array.from({ length: 24 }, () => Int32Array.from({ length: 6 + gen.int(8) }, () => gen.int(63)));
const lm = causalLmData(seqs);
// Random crops drawn from the loop's RNG, so a resume must restore the RNG state to match.
const data: TrainData = {
  size: lm.size,
  batch(indices, rng) {
    const r = lm.batch(indices, rng);
    for (let i = 0; i < r.objective.lm!.weight.length; i++) if (rng.next() < 0.2) r.objective.lm!.weight[i] = 0;
    return r;
  },
};
await train(model, data, {
  outDir, totalSteps: 10, microBatchSize: 4, gradAccumSteps: 2, lr: 1e-2, warmupSteps: 2, checkpointEvery: 3, keepCheckpoints: 2, seed: 5,
  tokenizerDir: fixture, quiet: true,
  onStep: () => { if (delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs); },
});
k.dispose();
