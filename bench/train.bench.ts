// Training throughput: tokens/s of one optimiser step (forward + backward + clipping + AdamW) for
// ~1M- and ~10M-parameter Qwen3-shaped models, t1 vs PyTorch CPU (same config, same threads,
// timed in this same run). Writes bench/results/train.json.
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/util/atomic.js";
import { createKernels, defaultThreads, type Kernels } from "../src/engine/kernels/index.js";
import type { ModelConfig } from "../src/engine/config.js";
import { TrainModel } from "../src/train/train-model.js";
import { lossAndBackward } from "../src/train/objectives.js";
import { AdamW, clipCoefficient, globalGradNorm } from "../src/train/adamw.js";
import { TrainRng } from "../src/train/rng.js";

interface Case { name: string; vocab: number; hidden: number; layers: number; heads: number; kvHeads: number; headDim: number; intermediate: number; batch: number; seq: number; warmup: number; steps: number }
const cases: Case[] = [
  { name: "qwen3-1M", vocab: 2048, hidden: 128, layers: 4, heads: 4, kvHeads: 2, headDim: 32, intermediate: 384, batch: 4, seq: 128, warmup: 2, steps: 6 },
  { name: "qwen3-10M", vocab: 8192, hidden: 256, layers: 8, heads: 8, kvHeads: 4, headDim: 32, intermediate: 1024, batch: 4, seq: 128, warmup: 1, steps: 3 },
];
const root = join(import.meta.dirname, "..");
const results: Record<string, unknown>[] = [];
const notes: string[] = [];
const ROUNDS = Number(process.env.T1_BENCH_ROUNDS ?? 3);
const loadAtStart = loadavg()[0];

/** Seconds per training step of t1 on case c (median-free: the caller keeps the best round). */
function t1StepSeconds(k: Kernels, c: Case): { sec: number; cpu: number; peak: number; params: number } {
  const config: ModelConfig = {
    arch: "qwen3", vocabSize: c.vocab, hiddenSize: c.hidden, intermediateSize: c.intermediate, layers: c.layers, heads: c.heads, kvHeads: c.kvHeads,
    headDim: c.headDim, rmsNormEps: 1e-6, ropeTheta: 10000, maxPositions: 4096, tieEmbeddings: true, qkNorm: true, qkvBias: false, oBias: false,
    bosTokenId: null, eosTokenIds: [],
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
    opt.update(1e-4, clipCoefficient(globalGradNorm(m.params), 1.0)); // what train() does
  };
  for (let i = 0; i < c.warmup; i++) step();
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (let i = 0; i < c.steps; i++) step();
  const sec = (performance.now() - t0) / 1000 / c.steps;
  const used = process.cpuUsage(c0);
  const cpu = (used.user + used.system) / 1e6 / c.steps;
  for (const p of m.params) { k.free(p.data); if (p.grad) k.free(p.grad); }
  return { sec, cpu, peak, params: m.parameterCount };
}

function torchStepSeconds(c: Case, threads: number): { sec: number; cpu: number; params: number } | string {
  // OpenBLAS and OpenMP pools sized like torch's intra-op threads, so "n threads" means n on both sides
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
  const py = spawnSync("/usr/bin/python3", [join(root, "scripts", "bench", "train_torch.py"), JSON.stringify({ ...c, threads })], { encoding: "utf8", env });
  if (py.status !== 0) return py.stderr.slice(-300);
  const r = JSON.parse(py.stdout.trim().split("\n").pop()!);
  return { sec: r.secondsPerStep, cpu: r.cpuSecondsPerStep, params: r.params };
}

// The machine may be shared: t1 and PyTorch alternate round by round and each keeps its best round.
for (const threads of [...new Set([1, defaultThreads()])]) {
  const k = createKernels({ threads });
  for (const c of cases) {
    let ours = Infinity, ref = Infinity, oursCpu = Infinity, refCpu = Infinity, peak = 0, params = 0, failed = "";
    for (let r = 0; r < ROUNDS; r++) {
      const o = t1StepSeconds(k, c);
      ours = Math.min(ours, o.sec);
      oursCpu = Math.min(oursCpu, o.cpu);
      peak = o.peak;
      params = o.params;
      const t = torchStepSeconds(c, threads);
      if (typeof t === "string") failed = t;
      else {
        ref = Math.min(ref, t.sec);
        refCpu = Math.min(refCpu, t.cpu);
        if (t.params !== params) notes.push(`${c.name}: parameter count differs (t1 ${params}, torch ${t.params})`);
      }
    }
    const N = c.batch * c.seq;
    const oursTps = N / ours, refTps = Number.isFinite(ref) ? N / ref : null;
    if (failed) notes.push(`${c.name}: PyTorch reference failed: ${failed}`);
    console.log(`${c.name} (${(params / 1e6).toFixed(2)}M params, B=${c.batch} T=${c.seq}, ${threads} thread(s), ${k.name}): t1 ${oursTps.toFixed(0)} tok/s, PyTorch ${refTps?.toFixed(0) ?? "n/a"} tok/s, ratio ${refTps ? (oursTps / refTps).toFixed(2) : "n/a"}, peak activations ${(peak / 2 ** 20).toFixed(1)} MiB`);
    results.push({ case: `${c.name} train step B=${c.batch} T=${c.seq}, ${threads} thread(s)`, metric: "training tokens/s (fwd+bwd+clip+AdamW)", unit: "tokens/s", ours: oursTps, reference: refTps, referenceName: "PyTorch 1.13 CPU eager float32", ratio: refTps ? oursTps / refTps : null, higherIsBetter: true });
    if (threads === 1 && Number.isFinite(refCpu)) {
      // CPU time is what a contended machine distorts least: with one thread it is the work done.
      results.push({ case: `${c.name} train step B=${c.batch} T=${c.seq}, 1 thread, CPU time`, metric: "training tokens per CPU-second", unit: "tokens/CPU-s", ours: N / oursCpu, reference: N / refCpu, referenceName: "PyTorch 1.13 CPU eager float32", ratio: refCpu / oursCpu, higherIsBetter: true });
      console.log(`  per CPU-second: t1 ${(N / oursCpu).toFixed(0)}, PyTorch ${(N / refCpu).toFixed(0)}, ratio ${(refCpu / oursCpu).toFixed(2)}`);
    }
    if (threads === 1) results.push({ case: `${c.name} peak saved activations B=${c.batch} T=${c.seq}`, metric: "activation memory", unit: "MiB", ours: peak / 2 ** 20, reference: null, referenceName: "", ratio: null, higherIsBetter: false });
  }
  notes.push(`${threads} thread(s): kernels ${k.name}, PyTorch torch.set_num_threads(${threads})`);
  k.dispose();
}
// Context for the ratios: a training step is mostly matmul, so the single-thread GEMM rate of the
// shared kernels vs PyTorch's BLAS bounds what the step can reach. Measured here, same shape.
{
  const k = createKernels({ threads: 1 });
  const M = 512, K = 256, N = 1024, reps = 20;
  const a = k.alloc(M * K).fill(0.5), b = k.alloc(N * K).fill(0.25), o = k.alloc(M * N);
  k.matmulTransB(o, a, b, M, K, N);
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) k.matmulTransB(o, a, b, M, K, N);
  const u = process.cpuUsage(c0);
  const ours = (2 * M * K * N * reps) / ((u.user + u.system) / 1e6) / 1e9;
  const code = `import torch,time\ntorch.set_num_threads(1)\na=torch.randn(${M},${K});b=torch.randn(${N},${K});a@b.T\nc=time.process_time()\nfor _ in range(${reps}): a@b.T\nprint(2*${M}*${K}*${N}*${reps}/(time.process_time()-c)/1e9)`;
  const py = spawnSync("/usr/bin/python3", ["-c", code], { encoding: "utf8", env: { ...process.env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1" } });
  const ref = py.status === 0 ? Number(py.stdout.trim()) : null;
  console.log(`matmul ${M}x${K}x${N} (x·Wᵀ), 1 thread: t1 kernels ${ours.toFixed(1)} GFLOP/s, PyTorch ${ref?.toFixed(1) ?? "n/a"} GFLOP/s`);
  results.push({ case: `matmul x·Wᵀ ${M}x${K}x${N}, 1 thread (context: most of a training step)`, metric: "GFLOP per CPU-second", unit: "GFLOP/s", ours, reference: ref, referenceName: "PyTorch 1.13 (OpenBLAS)", ratio: ref ? ours / ref : null, higherIsBetter: true });
  k.dispose();
}

writeFileAtomic(join(root, "bench", "results", "train.json"), JSON.stringify({
  name: "train",
  command: "npx tsx bench/train.bench.ts",
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  results,
  notes: [
    `best of ${ROUNDS} alternating rounds per side (the machine may be shared; 1-minute load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end on ${cpus().length} CPUs: with load above the CPU count, multi-threaded PyTorch (OpenMP spin-waits) degrades far more than t1, so trust the 1-thread rows most)`,
    `peak resident memory of the t1 process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (all cases, weights + AdamW moments + activations + kernel heap)`,
    ...notes,
  ].join("; "),
}, null, 2) + "\n");
