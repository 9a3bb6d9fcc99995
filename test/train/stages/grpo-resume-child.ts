// Child process of grpo-resume.test.ts: a few GRPO steps on a tiny model, slowed down so the parent
// can SIGKILL it mid-run. Usage: node --import tsx grpo-resume-child.ts MODEL_DIR OUT_DIR DELAY_MS
import { join } from "node:path";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { loadTokenizer, t1Formats } from "../../../src/train/stages/formats.js";
import { trainGrpo } from "../../../src/train/stages/grpo.js";

const [modelDir, outDir, delayArg] = process.argv.slice(2);
const delayMs = Number(delayArg ?? 0);
const k = getKernels();
const cfg = readTrainModelConfig(join(modelDir, "config.json"));
const policy = await TrainModel.load(k, cfg, modelDir);
const reference = await TrainModel.load(k, cfg, modelDir, { freeze: ["*"] });
const topics = ["apple", "river", "engine", "violin", "planet"];
const rows = topics.map((t, i) => ({ query: `tell me about ${t}`, positives: [`${t}: a passage about ${t}`], negatives: [`${topics[(i + 1) % 5]} notes`, `${topics[(i + 2) % 5]} notes`] }));
await trainGrpo(policy, reference, { rows, formats: t1Formats(loadTokenizer(modelDir)) }, {
  outDir, totalSteps: 8, queriesPerStep: 2, groupSize: 4, maxReasoningTokens: 5, lr: 1e-2, negativesPerQuery: 1, updatesPerBatch: 2,
  checkpointEvery: 3, seed: 4, tokenizerDir: modelDir, quiet: true,
  onStep: () => { if (delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs); },
});
k.dispose();
