// Child process of stage2-resume.test.ts: stage 2 (reasoning CE + InfoNCE) through the core train()
// loop, slowed down so the parent can SIGKILL it. Usage: node --import tsx stage2-resume-child.ts MODEL_DIR OUT_DIR DELAY_MS
import { join } from "node:path";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { train } from "../../../src/train/trainer.js";
import { loadTokenizer, t1Formats } from "../../../src/train/stages/formats.js";
import { contrastiveData } from "../../../src/train/stages/contrastive-data.js";

const [modelDir, outDir, delayArg] = process.argv.slice(2);
const delayMs = Number(delayArg ?? 0);
const k = getKernels();
const model = await TrainModel.load(k, readTrainModelConfig(join(modelDir, "config.json")), modelDir);
const topics = ["apple", "river", "engine", "violin", "planet", "castle"];
// Several positives and negatives per row: the drawn ones come from the loop's checkpointed RNG.
const rows = topics.map((t, i) => ({
  query: `tell me about ${t}`,
  positives: [`${t} passage`, `more on ${t}`],
  negatives: [1, 2, 3].map((j) => `${topics[(i + j) % 6]} passage`),
  reasoning: `the user wants ${t}`,
}));
await train(model, contrastiveData(rows, t1Formats(loadTokenizer(modelDir)), true, { negativesPerQuery: 2, lambda: 0.5 }), {
  outDir, totalSteps: 8, microBatchSize: 3, gradAccumSteps: 2, lr: 3e-3, checkpointEvery: 3, seed: 2, tokenizerDir: modelDir, quiet: true,
  onStep: () => { if (delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs); },
});
k.dispose();
