/**
 * Evaluation speed: `t1 evaluate` against NIST trec_eval (C) on the same files in the same run, each
 * as a fresh process (wall time, best of several runs), so process start is counted on both sides.
 * Case: a BRIGHT-sized run, 1,384 queries x 1,000 documents with score ties, 20 judgments per query;
 * measures as BRIGHT reports them, then trec_eval's whole all_trec set per query. The reference is a
 * trec_eval binary given by T1_TREC_EVAL (built from usnistgov/trec_eval); without one the bench
 * says so and writes nothing. Writes bench/results/eval.json.
 *
 *   T1_TREC_EVAL=/path/to/trec_eval npx tsx bench/eval.bench.ts
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/util/atomic.js";
import { packageRoot } from "../src/util/paths.js";

const root = packageRoot();
const bin = process.env.T1_TREC_EVAL;
if (!bin || !existsSync(bin)) {
  console.log("bench/eval: set T1_TREC_EVAL to a trec_eval binary (the reference); skipping");
  process.exit(0);
}
const RUNS = Number(process.env.T1_BENCH_RUNS ?? 5);

function makeFiles(dir: string): { qrels: string; run: string } {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const qrels: string[] = [];
  const run: string[] = [];
  for (let q = 0; q < 1384; q++) {
    for (let j = 0; j < 20; j++) qrels.push(`${q} 0 doc${Math.floor(rand() * 5000)}_${j} ${j < 6 ? 1 : 0}`);
    const seen = new Set<number>();
    while (seen.size < 1000) seen.add(Math.floor(rand() * 5000));
    for (const d of seen) run.push(`${q} Q0 doc${d}_${d % 20} 0 ${(rand() * 20).toFixed(3)} bench`);
  }
  writeFileSync(join(dir, "qrels"), qrels.join("\n") + "\n");
  writeFileSync(join(dir, "run"), run.join("\n") + "\n");
  return { qrels: join(dir, "qrels"), run: join(dir, "run") };
}

/** Best wall time of RUNS runs, and the stdout of the last (to check both sides agree). */
function best(cmd: string, args: string[]): { ms: number; out: string } {
  let ms = Infinity;
  let out = "";
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28, cwd: root });
    const t = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    ms = Math.min(ms, t);
    out = r.stdout;
  }
  return { ms, out };
}

const dir = mkdtempSync(join(tmpdir(), "t1-eval-bench-"));
const files = makeFiles(dir);
const cli = existsSync(join(root, "dist/cli/main.js")) ? [join(root, "dist/cli/main.js")] : ["--import", "tsx", join(root, "src/cli/main.ts")];
const cases = [
  { name: "1384 q x 1000 docs", metric: "ndcg_cut.10,recall.100,1000,map (all only)", ours: ["-m", "ndcg_cut.10,recall.100,1000,map"], ref: ["-m", "ndcg_cut.10", "-m", "recall.100,1000", "-m", "map"] },
  { name: "1384 q x 1000 docs", metric: "all_trec per query (-q)", ours: ["-q", "-m", "all_trec"], ref: ["-q", "-m", "all_trec"] },
];
const results = [];
for (const c of cases) {
  const ours = best(process.execPath, [...cli, "evaluate", "--qrels", files.qrels, "--run", files.run, ...c.ours]);
  const ref = best(bin, [...c.ref, files.qrels, files.run]);
  // Same numbers on both sides (rbp and relstring aside, see the differential test).
  const refLines = new Set(ref.out.split("\n"));
  const mismatched = ours.out.split("\n").filter((l) => l && !l.startsWith("rbp ") && !refLines.has(l));
  if (mismatched.length) throw new Error(`outputs differ, e.g. ${mismatched.slice(0, 3).join(" | ")}`);
  console.log(`${c.metric}: t1 ${ours.ms.toFixed(0)} ms, trec_eval ${ref.ms.toFixed(0)} ms`);
  results.push({ case: c.name, metric: `wall time, ${c.metric}`, unit: "ms", ours: ours.ms, reference: ref.ms, referenceName: "NIST trec_eval 10.0-rc3 (C, clang -O2), fresh process", ratio: ours.ms / ref.ms, higherIsBetter: false });
}
writeFileAtomic(join(root, "bench", "results", "eval.json"), JSON.stringify({
  name: "eval",
  command: "T1_TREC_EVAL=/path/to/trec_eval npx tsx bench/eval.bench.ts",
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  results,
  notes: `best of ${RUNS} fresh processes per side (node start included for t1, ${cli[0]!.endsWith(".js") ? "dist build" : "tsx"}); outputs checked identical line by line; 1-min load average at the end ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (shared machine)`,
}, null, 2) + "\n");
