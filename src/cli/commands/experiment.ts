import { resolve } from "node:path";
import { defineCommand } from "../command.js";
import { DEFAULT_CONFIG, readConfigFile } from "../../experiment/config.js";
import { runExperiment } from "../../experiment/run-experiment.js";
import { ROWS } from "../../experiment/seed-run.js";
import { InputError } from "../../util/errors.js";

/** "1,2,3" → [1, 2, 3]; anything else is an error naming the option. */
export function parseSeeds(text: string): number[] {
  const seeds = text.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new InputError(`--seeds: expected comma-separated non-negative integers like 1,2,3, got "${text}"`);
  if (new Set(seeds).size !== seeds.length) throw new InputError(`--seeds: "${text}" names a seed twice`);
  return seeds;
}

export default defineCommand({
  name: "experiment",
  summary: "The T1 experiment on a testbed: tokenizer, pretraining, stages 1-3 and controls per seed, test-split table (resumable)",
  usage: "--testbed DIR --seeds 1,2,3 --out DIR [--config FILE]",
  details: `
Per seed, from nothing: a byte-level BPE tokenizer with <emb_token> learned on the testbed's text,
a tiny Qwen3-shaped base LM pretrained on pretrain.jsonl + the corpus, stage 1 (InfoNCE), stage 2
(teacher reasoning CE + InfoNCE), stage 3 (GRPO with the whole corpus as the reward pool), and two
controls: stage 3 with the policy gradient off, and stage 2 trained on for stage 3's compute. Then
every row (${ROWS.join(", ")}) on the test split against the whole corpus.
OUT gets experiment.json (every hyperparameter; --config FILE overrides any subset of it),
seed-N/<step>/ (each step writes done.json when finished; a rerun skips it, and training resumes
from its checkpoints), results.json and RESULTS.md with its SVG figures. Re-run the same command
after an interruption to continue.`,
  options: {
    testbed: { type: "string", description: "Testbed directory (corpus.jsonl, pretrain.jsonl, train/dev/test.jsonl, qrels.dev.txt, qrels.test.txt, instruction.txt)", required: true, arg: "DIR" },
    seeds: { type: "string", description: "Comma-separated seeds", default: "1", arg: "LIST" },
    out: { type: "string", description: "Output directory", required: true, arg: "DIR" },
    config: { type: "string", description: "JSON overriding parts of the default config (see OUT/experiment.json)", arg: "FILE" },
    "results-md": { type: "string", description: "Also write RESULTS.md (and its SVGs) here", arg: "FILE" },
    "eval-split": { type: "string", description: "Split the rows are measured on: test, or dev for tuning (results-dev.json)", default: "test", arg: "SPLIT" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`t1 experiment: unexpected argument "${positionals[0]}"`);
    const configFile = values.config;
    const config = configFile ? readConfigFile(configFile) : DEFAULT_CONFIG;
    const seeds = parseSeeds(values.seeds);
    const evalSplit = values["eval-split"];
    if (evalSplit !== "test" && evalSplit !== "dev") throw new InputError(`--eval-split: expected test or dev, got "${evalSplit}"`);
    const command = ["t1", "experiment", ...process.argv.slice(3)].join(" ");
    const r = await runExperiment({
      testbedDir: values.testbed, seeds, outDir: values.out, config, command,
      resultsMarkdown: values["results-md"] ? resolve(values["results-md"]) : undefined, quiet: values.quiet, evalSplit,
    });
    for (const name of ROWS) console.log(`${name.padEnd(26)} nDCG@10 ${r.rows[name].ndcg10.mean.toFixed(4)} ± ${r.rows[name].ndcg10.sd.toFixed(4)}  R@10 ${r.rows[name].recall10.mean.toFixed(4)} ± ${r.rows[name].recall10.sd.toFixed(4)}`);
  },
});
