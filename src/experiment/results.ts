/**
 * results.json: the seeds' rows aggregated (mean ± sample sd over seeds, overall and per family),
 * the reasoning statistics, wall time per step, the training curves, and the command behind the
 * numbers. The schema is a contract: scripts read `rows[name].ndcg10.mean`.
 */
import { join } from "node:path";
import { existsSync } from "node:fs";
import { readStepLog } from "../train/index.js";
import type { ExperimentConfig } from "./config.js";
import { answerRate, lengthStats, type AnswerRate, type LengthStats } from "./reasoning-stats.js";
import { ROWS, TRAIN_STEPS, type RowName, type SeedResult } from "./seed-run.js";
import type { Testbed } from "./testbed.js";

export const RESULTS_SCHEMA = "t1-experiment-results/1";

export interface MeanSd {
  mean: number;
  /** Sample standard deviation over seeds (0 with one seed). */
  sd: number;
  perSeed: number[];
}

export interface RowSummary {
  what: string;
  ndcg10: MeanSd;
  recall10: MeanSd;
  perFamily: Record<string, { ndcg10: MeanSd; recall10: MeanSd }>;
}

export interface ReasoningSummary {
  /** Reasoning tokens per test query, all seeds pooled. */
  lengths: LengthStats;
  /** Rate at which the reasoning names the answer entity, mean over seeds. */
  answerRate: { overall: MeanSd; perFamily: Record<string, MeanSd> };
}

export interface Curve {
  /** [step, value] pairs, at most ~200 per curve. */
  points: [number, number][];
  metric: string;
}

export interface ExperimentResults {
  schema: string;
  command: string;
  /** The split every row is measured on ("test" unless tuning). */
  split: "dev" | "test";
  testbed: { dir: string; corpus: number; train: number; dev: number; test: number; families: string[] };
  seeds: number[];
  config: ExperimentConfig;
  rows: Record<RowName, RowSummary>;
  reasoning: Record<string, ReasoningSummary>;
  /** Wall seconds per step (training and evaluation), mean ± sd over seeds. */
  wallSeconds: Record<string, MeanSd>;
  /** Per seed, per training step, its main curve. */
  curves: Record<string, Record<string, Curve>>;
  /** Stage-2-continued steps (matched to stage 3's compute). */
  continuedSteps: number;
  ordering: { check: string; holds: boolean }[];
  finishedAt: string;
}

export const ROW_DESCRIPTIONS: Record<RowName, string> = {
  bm25: "BM25 (Lucene, k1 0.9, b 0.4), the query alone",
  "bm25+gold_reasoning": "BM25 over the query + the gold reasoning (a lexical oracle)",
  "stage1:none": "stage 1 (InfoNCE warm-up), no reasoning: a plain contrastive embedder",
  "stage2:none": "stage 2, no reasoning at query time",
  "stage2:reason": "stage 2, with the model's own greedy reasoning",
  "stage2:gold_reasoning": "stage 2, embedding the teacher reasoning (oracle)",
  "stage2:shuffled_reasoning": "stage 2, embedding another test query's gold reasoning of the closest length",
  "stage3:reason": "T1: stage 3 (GRPO), with its own greedy reasoning",
  "stage3:none": "T1 with the reasoning removed at query time",
  "bm25+model_reasoning": "BM25 over the query + the stage-3 model's own reasoning (rewrite-then-BM25)",
  "stage3_nce_only:reason": "stage 3 with the policy gradient off (InfoNCE + KL only), same steps",
  "stage2_continued:reason": "stage 2 trained on for stage 3's compute (sequence passes)",
};

export function meanSd(xs: readonly number[]): MeanSd {
  const n = xs.length, mean = n ? xs.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, perSeed: [...xs] };
}

const CURVE_METRIC: Record<string, string> = {
  pretrain: "loss", stage1: "infoNce", stage2: "loss", stage3: "rewardMean", stage3_nce_only: "rewardMean", stage2_continued: "loss",
};

export function readCurves(seedDir: string): Record<string, Curve> {
  const out: Record<string, Curve> = {};
  for (const [step, metric] of Object.entries(CURVE_METRIC)) {
    const file = join(seedDir, step, "log.jsonl");
    if (!existsSync(file)) continue;
    const logs = readStepLog(file) as unknown as Record<string, number>[];
    const every = Math.max(1, Math.ceil(logs.length / 200));
    const points = logs.filter((_, i) => i % every === 0 || i === logs.length - 1).map((l) => [l.step!, l[metric] ?? l.loss!] as [number, number]);
    out[step] = { metric: logs.some((l) => typeof l[metric] === "number") ? metric : "loss", points };
  }
  return out;
}

/** The expected ordering of the issue, checked on the mean nDCG@10. */
export function orderingChecks(rows: Record<RowName, RowSummary>): { check: string; holds: boolean }[] {
  const m = (r: RowName) => rows[r].ndcg10.mean;
  const c = (check: string, holds: boolean) => ({ check, holds });
  return [
    c("stage3:reason > stage2:reason", m("stage3:reason") > m("stage2:reason")),
    c("stage2:reason > stage2:none", m("stage2:reason") > m("stage2:none")),
    c("stage2:none ≈ stage1:none (within 0.05)", Math.abs(m("stage2:none") - m("stage1:none")) <= 0.05),
    c("stage1:none > bm25", m("stage1:none") > m("bm25")),
    c("stage3:reason > stage3_nce_only:reason", m("stage3:reason") > m("stage3_nce_only:reason")),
    c("stage3:reason > stage2_continued:reason", m("stage3:reason") > m("stage2_continued:reason")),
    c("stage3:reason > bm25+model_reasoning", m("stage3:reason") > m("bm25+model_reasoning")),
    c("stage2:reason > stage2:shuffled_reasoning", m("stage2:reason") > m("stage2:shuffled_reasoning")),
  ];
}

export function aggregate(t: Testbed, seeds: readonly SeedResult[], cfg: ExperimentConfig, command: string, outDir: string, split: "dev" | "test" = "test"): ExperimentResults {
  const test = t.splits[split];
  const families = [...new Set(test.map((q) => q.family))].sort();
  const rows = Object.fromEntries(ROWS.map((name) => {
    const per = seeds.map((s) => s.rows[name]);
    return [name, {
      what: ROW_DESCRIPTIONS[name],
      ndcg10: meanSd(per.map((r) => r.ndcg10)),
      recall10: meanSd(per.map((r) => r.recall10)),
      perFamily: Object.fromEntries(families.map((f) => [f, { ndcg10: meanSd(per.map((r) => r.perFamily[f]?.ndcg10 ?? 0)), recall10: meanSd(per.map((r) => r.perFamily[f]?.recall10 ?? 0)) }])),
    } satisfies RowSummary];
  })) as Record<RowName, RowSummary>;
  const reasoning: Record<string, ReasoningSummary> = {};
  for (const name of ["stage2:reason", "stage3:reason", "stage3_nce_only:reason", "stage2_continued:reason", "stage2:gold_reasoning"] as const) {
    const per = seeds.map((s) => s.rows[name].reasoning ?? {});
    const rates: AnswerRate[] = per.map((r) => answerRate(r, test, t.corpusById));
    reasoning[name] = {
      lengths: lengthStats(per.flatMap((r) => Object.values(r).map((x) => x.tokens))),
      answerRate: { overall: meanSd(rates.map((r) => r.overall)), perFamily: Object.fromEntries(families.map((f) => [f, meanSd(rates.map((r) => r.perFamily[f] ?? 0))])) },
    };
  }
  const stepNames = [...new Set(seeds.flatMap((s) => Object.keys(s.seconds)))];
  const ordered = [...TRAIN_STEPS.filter((s) => stepNames.includes(s)), ...stepNames.filter((s) => !(TRAIN_STEPS as readonly string[]).includes(s))];
  return {
    schema: RESULTS_SCHEMA,
    command,
    split,
    testbed: { dir: t.dir, corpus: t.corpus.length, train: t.splits.train.length, dev: t.splits.dev.length, test: test.length, families },
    seeds: seeds.map((s) => s.seed),
    config: cfg,
    rows,
    reasoning,
    wallSeconds: Object.fromEntries(ordered.map((n) => [n, meanSd(seeds.map((s) => s.seconds[n] ?? 0))])),
    curves: Object.fromEntries(seeds.map((s) => [String(s.seed), readCurves(join(outDir, `seed-${s.seed}`))])),
    continuedSteps: seeds[0]?.continuedSteps ?? 0,
    ordering: orderingChecks(rows),
    finishedAt: new Date().toISOString(),
  };
}
