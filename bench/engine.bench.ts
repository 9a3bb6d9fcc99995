/**
 * Engine speed vs llama.cpp on the same weights: single-thread prefill (128-token prompt) and
 * decode (64 greedy tokens) for a tiny Qwen3, a ~100M-parameter Qwen3-shaped random model and,
 * with --slow / T1_BENCH_SLOW=1 (set by `npm run bench`), a Qwen3-0.6B-shaped one (real vocabulary size). llama.cpp runs
 * through node-llama-cpp (CPU, 1 thread) on our f32 GGUF export of the same weights.
 *
 *   npx tsx bench/engine.bench.ts [--slow] [--case NAME]
 *
 * Writes bench/results/engine.json. Ratios are ours / llama.cpp in tokens per second.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../src/engine/tiny-model.js";
import { readSafetensors, writeSafetensors } from "../src/engine/safetensors.js";
import { convertHfToGguf } from "../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../src/engine/gguf/constants.js";
import { loadModel, type Model } from "../src/engine/model.js";
import { createKernels } from "../src/engine/kernels/index.js";
import { argmax } from "../src/engine/sampling.js";
import { SeededRng } from "../src/engine/rng.js";
import { writeFileAtomic } from "../src/util/atomic.js";
import { packageRoot } from "../src/util/paths.js";

const slow = process.argv.includes("--slow") || process.env.T1_BENCH_SLOW === "1";
/** `--case NAME` runs only the shapes whose name contains NAME (e.g. for profiling one). */
const caseFilter = process.argv.includes("--case") ? process.argv[process.argv.indexOf("--case") + 1] : undefined;
const PROMPT = 128;
const DECODE = 64;

interface Shape {
  name: string;
  hiddenSize: number; layers: number; heads: number; kvHeads: number; headDim: number; intermediateSize: number;
  /** Embedding rows. Above the trained tokenizer's size the extra rows are random and unnamed
   * (llama.cpp sees `[PADn]` tokens): the compute matches the real shape. */
  vocab: number;
  reps: number;
}

const SHAPES: Shape[] = [
  { name: "tiny-qwen3", hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 24, intermediateSize: 96, vocab: 512, reps: 20 },
  { name: "qwen3-100M", hiddenSize: 768, layers: 12, heads: 12, kvHeads: 4, headDim: 64, intermediateSize: 2048, vocab: 32768, reps: 5 },
  ...(slow ? [{ name: "qwen3-0.6B", hiddenSize: 1024, layers: 28, heads: 16, kvHeads: 8, headDim: 128, intermediateSize: 3072, vocab: 151936, reps: 3 }] : []),
];

/** Writes the HF model; returns its parameter count. */
async function makeModel(dir: string, s: Shape): Promise<number> {
  const tokVocab = Math.min(s.vocab, 1024); // the tiny BPE trainer's text supports ~1.1K tokens
  createTinyModel(dir, { arch: "qwen3", seed: 11, ...s, vocab: tokVocab });
  const tensors = await readSafetensors(dir);
  if (s.vocab > tokVocab) {
    // Widen the (tied) embedding to the target vocabulary so the output head costs what it would.
    const rng = new SeededRng(5);
    const emb = new Float32Array(s.vocab * s.hiddenSize);
    for (let i = 0; i < emb.length; i++) emb[i] = rng.normal();
    tensors.set("model.embed_tokens.weight", { shape: [s.vocab, s.hiddenSize], data: emb });
    writeSafetensors(join(dir, "model.safetensors"), tensors, { format: "pt" });
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    cfg.vocab_size = s.vocab;
    writeFileAtomic(join(dir, "config.json"), JSON.stringify(cfg, null, 2));
  }
  let n = 0;
  for (const t of tensors.values()) n += t.data.length;
  return n;
}

function promptIds(n: number, vocab: number): number[] {
  const rng = new SeededRng(99);
  return Array.from({ length: n }, () => Math.floor(rng.next() * vocab));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One measurement in tokens/s: `prefill`/`decode` are the engine's own compute (for llama.cpp,
 * its llama_perf timings); `wallPrefill`/`wallDecode` are as seen by the calling JS code. */
interface Speeds {
  prefill: number;
  decode: number;
  wallPrefill: number;
  wallDecode: number;
}

interface Runner {
  once(): Promise<Speeds>;
  close(): Promise<void>;
}

/** Ours: one packed forward for the prompt, then one single-token forward per decoded token. */
function oursRunner(m: Model, prompt: number[]): Runner {
  const tf = m.transformer;
  const V = m.vocabSize;
  const cache = tf.createCache(1, prompt.length + DECODE + 1);
  return {
    async once() {
      cache.reset();
      const t0 = performance.now();
      let out = tf.forward(cache, [{ row: 0, tokens: prompt }], { logits: "last" });
      const t1 = performance.now();
      let tok = argmax(out.logits, 0, V);
      for (let i = 0; i < DECODE; i++) {
        out = tf.forward(cache, [{ row: 0, tokens: [tok] }], { logits: "last" });
        tok = argmax(out.logits, 0, V);
      }
      const t2 = performance.now();
      const prefill = (prompt.length * 1000) / (t1 - t0);
      const decode = (DECODE * 1000) / (t2 - t1);
      return { prefill, decode, wallPrefill: prefill, wallDecode: decode };
    },
    async close() {
      cache.free();
    },
  };
}

type NodeLlamaCpp = typeof import("node-llama-cpp");

/** llama_perf_context_print lines: "prompt eval time = X ms / N tokens", "eval time = X ms / N runs". */
function parsePerf(lines: string[], which: "prompt eval" | "eval"): number {
  const re = which === "eval" ? /(?<!prompt )eval time =\s*([\d.]+) ms \/\s*(\d+) runs/ : /prompt eval time =\s*([\d.]+) ms \/\s*(\d+) tokens/;
  const m = re.exec(lines.join("\n"));
  if (!m) throw new Error(`llama.cpp printed no "${which} time" line`);
  return (Number(m[2]) * 1000) / Number(m[1]);
}

/** llama.cpp's log lines since the last `perf()`; one Llama instance (getLlama caches it, logger included). */
const logs: string[] = [];
let llamaInstance: Promise<Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>> | undefined;

/** llama.cpp through node-llama-cpp, same protocol; compute speed from llama.cpp's own timings. */
async function llamaRunner(lib: NodeLlamaCpp, gguf: string, prompt: number[]): Promise<Runner> {
  llamaInstance ??= lib.getLlama({ gpu: false, build: "never", logLevel: lib.LlamaLogLevel.info, logger: (_l, m) => void logs.push(m), maxThreads: 1 });
  const llama = await llamaInstance;
  const model = await llama.loadModel({ modelPath: gguf });
  const ctx = await model.createContext({ contextSize: 512, batchSize: 512, threads: 1, performanceTracking: true });
  const seq = ctx.getSequence();
  // printTimings prints, then resets the counters: each call reports what ran since the last one.
  const perf = async () => {
    logs.length = 0;
    await ctx.printTimings();
    return logs.slice();
  };
  return {
    async once() {
      await seq.clearHistory();
      await perf();
      const t0 = performance.now();
      await seq.evaluateWithoutGeneratingNewTokens(prompt as never);
      const t1 = performance.now();
      const prefill = parsePerf(await perf(), "prompt eval");
      await seq.clearHistory();
      // The first generated token comes from the prompt pass; each later one from one decode.
      let n = 0;
      let tFirst = 0;
      for await (const _ of seq.evaluate(prompt as never, { temperature: 0 })) {
        n++;
        if (n === 1) tFirst = performance.now();
        if (n === DECODE + 1) break;
      }
      const t2 = performance.now();
      const decode = parsePerf(await perf(), "eval");
      return { prefill, decode, wallPrefill: (prompt.length * 1000) / (t1 - t0), wallDecode: (DECODE * 1000) / (t2 - tFirst) };
    },
    async close() {
      await ctx.dispose();
      await model.dispose();
    },
  };
}

/** Alternates ours and the reference rep by rep (after one warm-up each), so load from other
 * processes hits both alike; returns medians. */
async function measure(ours: Runner, ref: Runner, reps: number): Promise<{ ours: Speeds; ref: Speeds }> {
  const o: Speeds[] = [];
  const r: Speeds[] = [];
  await ours.once();
  await ref.once();
  for (let i = 0; i < reps; i++) {
    o.push(await ours.once());
    r.push(await ref.once());
  }
  const med = (xs: Speeds[]): Speeds => ({
    prefill: median(xs.map((x) => x.prefill)),
    decode: median(xs.map((x) => x.decode)),
    wallPrefill: median(xs.map((x) => x.wallPrefill)),
    wallDecode: median(xs.map((x) => x.wallDecode)),
  });
  return { ours: med(o), ref: med(r) };
}

async function main(): Promise<void> {
  const lib = await import("node-llama-cpp");
  const kernels = createKernels({ threads: 1 });
  const results: Array<Record<string, unknown>> = [];
  const notes: string[] = [];
  for (const s of SHAPES.filter((x) => !caseFilter || x.name.includes(caseFilter))) {
    const dir = mkdtempSync(join(tmpdir(), `t1-bench-${s.name}-`));
    try {
      const mdir = join(dir, "hf");
      const params = await makeModel(mdir, s);
      const gguf = join(dir, "model-f32.gguf");
      await convertHfToGguf(mdir, gguf, { type: GgmlType.F32 });
      const prompt = promptIds(PROMPT, Math.min(s.vocab, 1000));
      const m = await loadModel(mdir, { kernels });
      const oursRun = oursRunner(m, prompt);
      const refRun = await llamaRunner(lib, gguf, prompt);
      const { ours, ref } = await measure(oursRun, refRun, s.reps);
      await oursRun.close();
      await refRun.close();
      console.log(
        `${s.name} (${(params / 1e6).toFixed(1)}M params): prefill ours ${ours.prefill.toFixed(1)} tok/s vs llama.cpp ${ref.prefill.toFixed(1)} ` +
          `(ratio ${(ours.prefill / ref.prefill).toFixed(3)}); decode ours ${ours.decode.toFixed(1)} vs ${ref.decode.toFixed(1)} (ratio ${(ours.decode / ref.decode).toFixed(3)}); ` +
          `via node-llama-cpp end to end: prefill ${ref.wallPrefill.toFixed(1)}, decode ${ref.wallDecode.toFixed(1)}`,
      );
      const rows = [
        ["prefill", ours.prefill, ref.prefill, "llama.cpp F32 compute (its llama_perf timings)"],
        ["decode", ours.decode, ref.decode, "llama.cpp F32 compute (its llama_perf timings)"],
        ["prefill", ours.wallPrefill, ref.wallPrefill, "llama.cpp F32 end to end through node-llama-cpp (JS call overhead included)"],
        ["decode", ours.wallDecode, ref.wallDecode, "llama.cpp F32 end to end through node-llama-cpp (JS call overhead included)"],
      ] as const;
      for (const [metric, o, r, refName] of rows) {
        results.push({
          case: `${s.name} (${(params / 1e6).toFixed(1)}M) ${metric === "prefill" ? `prefill ${PROMPT} tokens` : `decode ${DECODE} tokens`}, 1 thread`,
          metric: `${metric} throughput`,
          unit: "tokens/s",
          ours: Number(o.toFixed(2)),
          reference: Number(r.toFixed(2)),
          referenceName: `${refName}, CPU, 1 thread, same weights via t1's GGUF export`,
          ratio: Number((o / r).toFixed(4)),
          higherIsBetter: true,
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  kernels.dispose();
  notes.push(`kernels: ${kernels.name}; prompt ${PROMPT} random ids, decode ${DECODE} greedy tokens; ours and llama.cpp alternate rep by rep (medians after one warm-up each); load average at the end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`);
  notes.push("llama.cpp keeps its KV cache in f16 (its default). Two references per case: llama.cpp's own compute timings, and the same run timed end to end from JS through node-llama-cpp (which adds per-call overhead that dominates tiny models).");
  if (!slow) notes.push("The Qwen3-0.6B-shaped case runs with --slow / T1_BENCH_SLOW=1 (what `npm run bench` sets unless T1_BENCH_SLOW=0).");
  const report = {
    name: "engine: prefill and decode vs llama.cpp",
    command: `npx tsx bench/engine.bench.ts${slow ? " --slow" : ""}`,
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "?", node: process.version },
    results,
    notes: notes.join(" "),
  };
  writeFileAtomic(join(packageRoot(), "bench", "results", "engine.json"), JSON.stringify(report, null, 2) + "\n");
  console.log("wrote bench/results/engine.json");
}

await main();
