/**
 * `t1 experiment`: the three-stage curriculum with its controls on a testbed directory, over
 * several seeds, into OUT/ (experiment.json = the config, seed-N/ = checkpointed steps,
 * results.json, RESULTS.md + plots). Rerunning the same command resumes.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getKernels } from "../engine/kernels/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { T1Error } from "../util/errors.js";
import type { ExperimentConfig } from "./config.js";
import { aggregate, type ExperimentResults } from "./results.js";
import { renderResults } from "./render-results.js";
import { runSeed, type SeedResult } from "./seed-run.js";
import { readTestbed } from "./testbed.js";

export interface ExperimentOptions {
  testbedDir: string;
  seeds: number[];
  outDir: string;
  config: ExperimentConfig;
  /** The command line recorded with every number. */
  command: string;
  /** Also write RESULTS.md (and its SVGs) here. Default: OUT/RESULTS.md only. */
  resultsMarkdown?: string;
  quiet?: boolean;
  /** Split the rows are measured on. Default "test"; "dev" for tuning (results-dev.json, RESULTS-dev.md). */
  evalSplit?: "dev" | "test";
  log?: (msg: string) => void;
}

export const CONFIG_FILE = "experiment.json";

/** Writes OUT/experiment.json, or checks that a resumed run keeps the same config. */
export function saveConfig(outDir: string, cfg: ExperimentConfig): void {
  const file = join(outDir, CONFIG_FILE);
  const text = JSON.stringify(cfg, null, 2) + "\n";
  if (existsSync(file) && readFileSync(file, "utf8") !== text) {
    throw new T1Error("MISMATCH", `${file} holds another config than this run's; resume with --config ${file}, or use a new --out`);
  }
  writeFileAtomic(file, text);
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResults> {
  const log = o.log ?? ((m: string) => console.error(`t1 experiment: ${m}`));
  const testbed = readTestbed(o.testbedDir);
  mkdirSync(o.outDir, { recursive: true });
  saveConfig(o.outDir, o.config);
  log(`testbed ${o.testbedDir}: ${testbed.corpus.length} documents, ${testbed.splits.train.length}/${testbed.splits.dev.length}/${testbed.splits.test.length} train/dev/test queries; seeds ${o.seeds.join(",")}`);
  const k = getKernels();
  const seeds: SeedResult[] = [];
  for (const seed of o.seeds) {
    seeds.push(await runSeed({ k, cfg: o.config, testbed, seed, outDir: o.outDir, quiet: o.quiet ?? false, log, evalSplit: o.evalSplit }));
    // Partial results after every seed, so a long run can be read while it goes on.
    writeResults(o, aggregate(testbed, seeds, o.config, o.command, o.outDir, o.evalSplit ?? "test"));
  }
  const results = aggregate(testbed, seeds, o.config, o.command, o.outDir, o.evalSplit ?? "test");
  writeResults(o, results);
  return results;
}

function writeResults(o: ExperimentOptions, r: ExperimentResults): void {
  const dev = o.evalSplit === "dev" ? "-dev" : "";
  writeFileAtomic(join(o.outDir, `results${dev}.json`), JSON.stringify(r, null, 1) + "\n");
  renderResults(r, join(o.outDir, `RESULTS${dev}.md`));
  if (o.resultsMarkdown) renderResults(r, o.resultsMarkdown);
}
