// Training throughput: tokens/s of one optimiser step (forward + backward + clipping + AdamW) for
// ~1M- and ~10M-parameter Qwen3-shaped models, t1 vs PyTorch CPU (same config, same threads,
// timed in this same run). Writes bench/results/train.json.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/util/atomic.js";
import { getKernels, defaultThreads } from "../src/engine/kernels/index.js";
import type { TrainModelConfig } from "../src/train/model-config.js";
import { TrainModel } from "../src/train/train-model.js";
import { lossAndBackward } from "../src/train/objectives.js";
import { AdamW, clipGradNorm } from "../src/train/adamw.js";
import { TrainRng } from "../src/train/rng.js";

interface Case { name: string; vocab: number; hidden: number; layers: number; heads: number; kvHeads: number; headDim: number; intermediate: number; batch: number; seq: number; warmup: number; steps: number }
const cases: Case[] = [
  { name: "qwen3-1M", vocab: 2048, hidden: 128, layers: 4, heads: 4, kvHeads: 2, headDim: 32, intermediate: 384, batch: 4, seq: 128, warmup: 2, steps: 6 },
  { name: "qwen3-10M", vocab: 8192, hidden: 256, layers: 8, heads: 8, kvHeads: 4, headDim: 32, intermediate: 1024, batch: 4, seq: 128, warmup: 1, steps: 3 },
];
const threads = defaultThreads();
const k = getKernels();
const root = join(import.meta.dirname, "..");
const results: Record<string, unknown>[] = [];
const notes: string[] = [];

for (const c of cases) {
  const config: TrainModelConfig = {
    arch: "qwen3", vocabSize: c.vocab, hiddenSize: c.hidden, intermediateSize: c.intermediate, numLayers: c.layers, numHeads: c.heads,
    numKvHeads: c.kvHeads, headDim: c.headDim, rmsNormEps: 1e-6, ropeTheta: 10000, maxPositions: 4096, tieWordEmbeddings: true, qkNorm: true, qkvBias: false,
  };
  const m = TrainModel.init(k, config, 1);
  const opt = new AdamW(m.params, { weightDecay: 0.1 });
  const rng = new TrainRng(7);
  const N = c.batch * c.seq;
  const ids = Int32Array.from({ length: N + c.batch }, () => rng.int(c.vocab));
  const batchIds = new Int32Array(N), targets = new Int32Array(N);
  for (let b = 0; b < c.batch; b++) for (let t = 0; t < c.seq; t++) {
    batchIds[b * c.seq + t] = ids[b * (c.seq + 1) + t];
    targets[b * c.seq + t] = ids[b * (c.seq + 1) + t + 1];
  }
  const weight = new Float32Array(N).fill(1);
  let peak = 0;
  const step = () => {
    m.zeroGrads();
    const r = lossAndBackward(m, { B: c.batch, T: c.seq, ids: batchIds }, { lm: { targets, weight } });
    peak = Math.max(peak, r.activationFloats * 4);
    clipGradNorm(m.params, 1.0);
    opt.update(1e-4);
  };
  for (let i = 0; i < c.warmup; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < c.steps; i++) step();
  const sec = (performance.now() - t0) / 1000 / c.steps;
  const ours = N / sec;
  const py = spawnSync("/usr/bin/python3", [join(root, "scripts", "bench", "train_torch.py"), JSON.stringify({ ...c, threads })], { encoding: "utf8" });
  let reference: number | null = null;
  if (py.status === 0) {
    const r = JSON.parse(py.stdout.trim().split("\n").pop()!);
    reference = r.tokensPerSecond;
    if (r.params !== m.parameterCount) notes.push(`${c.name}: parameter count differs (t1 ${m.parameterCount}, torch ${r.params})`);
  } else notes.push(`${c.name}: PyTorch reference failed: ${py.stderr.slice(-300)}`);
  console.log(`${c.name} (${(m.parameterCount / 1e6).toFixed(2)}M params, B=${c.batch} T=${c.seq}): t1 ${ours.toFixed(0)} tok/s, PyTorch ${reference?.toFixed(0) ?? "n/a"} tok/s, peak activations ${(peak / 2 ** 20).toFixed(1)} MiB`);
  results.push({ case: `${c.name} train step B=${c.batch} T=${c.seq}`, metric: "training tokens/s (fwd+bwd+AdamW)", unit: "tokens/s", ours, reference, referenceName: "PyTorch 1.13 CPU eager (float32)", ratio: reference ? ours / reference : null, higherIsBetter: true });
  results.push({ case: `${c.name} peak saved activations B=${c.batch} T=${c.seq}`, metric: "activation memory", unit: "MiB", ours: peak / 2 ** 20, reference: null, referenceName: "", ratio: null, higherIsBetter: false });
}
k.dispose();
writeFileAtomic(join(root, "bench", "results", "train.json"), JSON.stringify({
  name: "train",
  command: "npx tsx bench/train.bench.ts",
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  results,
  notes: [`kernels ${k.name}, ${threads} threads; PyTorch torch.set_num_threads(${threads})`, ...notes].join("; "),
}, null, 2) + "\n");
