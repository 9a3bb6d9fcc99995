// Child process of load-memory.test.ts: loads a checkpoint in a fresh process and prints the growth
// of its peak resident memory during the load. Usage: node --import tsx load-memory-child.ts DIR WEIGHTS
import { loadModel } from "../../src/engine/model.js";
import { createKernels } from "../../src/engine/kernels/index.js";

const [dir, weights] = process.argv.slice(2);
const kernels = createKernels({ threads: 1 });
// Baseline: resident memory now, after a full GC. The process's earlier peak (module loading and
// transpiling garbage) is not a baseline: measured from it, the growth reads low by that garbage.
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage().rss;
const m = await loadModel(dir!, { kernels, weights: weights as "f32" | "f16" });
const after = process.resourceUsage().maxRSS * 1024;
// Use the model so nothing is optimised away, then report.
const logits = m.logits([[1, 2, 3]])[0]!;
process.stdout.write(JSON.stringify({ peakGrowthBytes: after - before, finite: logits.every(Number.isFinite) }));
kernels.dispose();
