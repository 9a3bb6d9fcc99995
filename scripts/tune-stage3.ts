/**
 * Dev-split sweep of stage-3 (GRPO) knobs from a finished experiment's stage-2 checkpoint, so a
 * stage-3 setting is chosen on dev without rerunning the whole curriculum for each candidate.
 *
 *   npx tsx scripts/tune-stage3.ts --testbed runs/testbed-1 --experiment runs/exp --seed 1 \
 *     --out runs/tune-stage3 --try '{"lr":5e-5}' --try '{"lr":3e-4}'
 *
 * Each --try is a JSON object laid over the experiment's stage3 section. Every candidate trains
 * from the same stage-2 checkpoint for the configured steps, then `stage3:reason` (and, once, the
 * `stage2:reason` baseline) is measured on the DEV split; the test split is never read. Results
 * go to OUT/tune.json, one entry per candidate; a candidate already in it is skipped on a rerun.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { getKernels } from "../src/engine/kernels/index.js";
import { mergeConfig, type ExperimentConfig } from "../src/experiment/config.js";
import { DenseModelEval, type RowEval } from "../src/experiment/retrieval-eval.js";
import { runGrpoStage } from "../src/experiment/stages.js";
import { readTestbed } from "../src/experiment/testbed.js";
import { writeFileAtomic } from "../src/util/atomic.js";

const { values } = parseArgs({
  options: {
    testbed: { type: "string" }, experiment: { type: "string" }, seed: { type: "string", default: "1" },
    out: { type: "string" }, try: { type: "string", multiple: true },
  },
});
if (!values.testbed || !values.experiment || !values.out || !values.try?.length) {
  console.error("usage: tune-stage3.ts --testbed DIR --experiment DIR --seed N --out DIR --try JSON [--try JSON ...]");
  process.exit(2);
}
const seed = Number(values.seed);
const base = JSON.parse(readFileSync(join(values.experiment, "experiment.json"), "utf8")) as ExperimentConfig;
const stage2 = join(values.experiment, `seed-${seed}`, "stage2", "done.json");
if (!existsSync(stage2)) {
  console.error(`${stage2}: missing; run t1 experiment through stage 2 for seed ${seed} first`);
  process.exit(2);
}
const from = (JSON.parse(readFileSync(stage2, "utf8")) as { result: { checkpoint: string } }).result.checkpoint;
const t = readTestbed(values.testbed);
const k = getKernels();
mkdirSync(values.out, { recursive: true });
const file = join(values.out, "tune.json");
type Entry = { stage3: Record<string, unknown>; ndcg10: number; recall10: number; statesAnswer?: number; seconds: number };
const done: Record<string, Entry> = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};

async function devRow(cfg: ExperimentConfig, checkpoint: string, label: string): Promise<RowEval> {
  const m = await DenseModelEval.open(checkpoint, t.corpus, k, {
    instruction: t.instruction, maxDocLength: cfg.formats.maxDocLength, maxReasoningTokens: cfg.eval.maxReasoningTokens,
    depth: cfg.eval.depth, queryBatchSize: cfg.eval.queryBatchSize, quiet: true,
  }, label);
  try {
    return await m.row(t.splits.dev, t.qrels.dev, "reason", label);
  } finally {
    await m.close();
  }
}

if (!done["stage2"]) {
  const started = Date.now();
  const r = await devRow(base, from, "stage2:reason");
  done["stage2"] = { stage3: {}, ndcg10: r.ndcg10, recall10: r.recall10, seconds: (Date.now() - started) / 1000 };
  writeFileAtomic(file, JSON.stringify(done, null, 1) + "\n");
}
console.log(`dev stage2:reason nDCG@10 ${done["stage2"]!.ndcg10.toFixed(3)}`);
for (const json of values.try) {
  if (done[json]) {
    console.log(`dev stage3:reason ${json}: nDCG@10 ${done[json]!.ndcg10.toFixed(3)} (already measured)`);
    continue;
  }
  const cfg = mergeConfig(base, { stage3: JSON.parse(json) }, `--try ${json}`);
  const started = Date.now();
  const dir = join(values.out, `try-${Object.keys(done).length}`);
  const s3 = await runGrpoStage({ k, cfg, testbed: t, fromDir: from, outDir: dir, seed, quiet: true }, true);
  const r = await devRow(cfg, s3.checkpoint, "stage3:reason");
  done[json] = { stage3: cfg.stage3 as unknown as Record<string, unknown>, ndcg10: r.ndcg10, recall10: r.recall10, seconds: (Date.now() - started) / 1000 };
  writeFileAtomic(file, JSON.stringify(done, null, 1) + "\n");
  console.log(`dev stage3:reason ${json}: nDCG@10 ${r.ndcg10.toFixed(3)} R@10 ${r.recall10.toFixed(3)} (${done[json]!.seconds.toFixed(0)} s)`);
}
