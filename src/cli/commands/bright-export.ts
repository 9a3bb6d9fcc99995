import { defineCommand } from "../command.js";
import { InputError, T1Error } from "../../util/errors.js";
import { existsSync } from "node:fs";
import { loadBrightTask } from "../../data/bright.js";
import { BRIGHT_DOMAINS, normalizeBrightDomain } from "../../data/bright-domains.js";
import { exportBrightTask } from "../../data/bright-export.js";
import { defaultCacheDir } from "../../data/hub-model.js";

export default defineCommand({
  name: "bright export",
  summary: "Write one BRIGHT task (from t1 download --bright) as corpus, queries, qrels and exclusions files",
  usage: "--domain DOMAIN --out DIR [--dir BRIGHT_DIR] [--long] [--queries CONFIG]",
  details: `
Reads the Hugging Face layout of xlangai/BRIGHT (parquet or JSONL per config) and writes
  DIR/documents.jsonl  {id, text}: the corpus for t1 index (or t1 bm25)
  DIR/queries.jsonl    {id, text}: the queries for t1 run
  DIR/qrels.txt        TREC qrels (from gold_ids, or gold_ids_long with --long) for t1 evaluate
  DIR/exclusions.txt   qid docid lines (excluded_ids) for t1 run --exclusions
  DIR/task.json        domain, BRIGHT's query instruction, counts
A BRIGHT evaluation then reads:
  t1 index --model M --corpus DIR/documents.jsonl --task DOMAIN --out IDX
      (with --long: --instruction "<instruction from task.json>" instead of --task)
  t1 run --index IDX --queries DIR/queries.jsonl --exclusions DIR/exclusions.txt --out run.trec
  t1 evaluate --qrels DIR/qrels.txt --run run.trec --mode pytrec_eval -m ndcg_cut.10
Domains: ${BRIGHT_DOMAINS.join(", ")} ("-" or "_").`,
  options: {
    domain: { type: "string", description: "BRIGHT domain (task)", required: true, arg: "DOMAIN" },
    out: { type: "string", description: "Folder to write the files into", required: true, arg: "DIR" },
    dir: { type: "string", description: "Local BRIGHT copy (default: where t1 download --bright puts it)", arg: "BRIGHT_DIR" },
    long: { type: "boolean", description: "Long-document setting: long_documents and gold_ids_long" },
    queries: { type: "string", description: "Query config: examples, or a reasoning set such as gpt4_reason", default: "examples", arg: "CONFIG" },
    exclude: { type: "string", description: "Extra qid docid exclusion file (e.g. Anserini's exclude.bright-leetcode.txt)", arg: "FILE", multiple: true },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 bright export: unexpected argument "${positionals[0]}"`);
    // A misspelt domain is named as such, before any question of whether BRIGHT is downloaded.
    const domain = normalizeBrightDomain(values.domain);
    const dir = values.dir ?? defaultCacheDir("datasets", "xlangai/BRIGHT");
    if (!existsSync(dir)) throw new T1Error("NOT_FOUND", `t1 bright export: no BRIGHT copy at ${dir} (run t1 download --bright, or pass --dir)`);
    const task = await loadBrightTask(dir, domain, {
      longDocuments: values.long,
      queries: values.queries,
      exclusionFiles: values.exclude ?? [],
      progress: !values.quiet,
    });
    const out = values.out;
    exportBrightTask(task, out, dir);
    const excluded = [...task.exclusions.values()].reduce((a, s) => a + s.size, 0);
    console.error(`t1 bright export: ${task.domain}: ${task.documents.length} documents, ${task.queries.length} queries, ${excluded} exclusions; instruction "${task.instruction}"`);
    console.log(out);
    return 0;
  },
});
