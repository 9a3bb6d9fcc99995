import { existsSync } from "node:fs";
import { defineCommand, type Values } from "../command.js";
import { InputError, T1Error } from "../../util/errors.js";
import { defaultCacheDir } from "../../data/hub-model.js";
import { normalizeBrightDomain, BRIGHT_DOMAINS, type BrightDomain } from "../../data/bright-domains.js";
import { BM25_OPTIONS, bm25Params } from "../options/bm25.js";
import { BACKEND_OPTIONS, backendFromOptions } from "../options/backend.js";
import { MAX_REASONING_TOKENS } from "../options/query.js";
import { formatResultsTsv, parseBrightDomains, runBrightEval } from "../../bright/harness.js";
import { Bm25BrightRetriever, T1BrightRetriever, type BrightRetriever } from "../../bright/retrievers.js";
import { DOC_LENGTH_PRESETS, QUERY_PROMPT_PRESETS, parseCompatMode, type QueryPromptSetting } from "../../bright/protocol.js";

const OPTIONS = {
  retriever: { type: "string", choices: ["bm25", "t1"], description: "BM25 or a T1 model", default: "bm25" },
  out: { type: "string", description: "Results folder (runs, indexes, results.json/tsv, report.html); rerun to resume", required: true, arg: "RESULTS_DIR" },
  dir: { type: "string", description: "Local BRIGHT copy (default: where t1 download --bright puts it)", arg: "BRIGHT_DIR" },
  domains: { type: "string", description: "Comma-separated domains (default: all 12; with --long the 8 that have long documents)", arg: "LIST", multiple: true },
  queries: { type: "string", description: "Query config: examples (original queries) or a reasoning set such as gpt4_reason", default: "examples", arg: "CONFIG" },
  long: { type: "boolean", description: "Long-document setting: long_documents and gold_ids_long" },
  k: { type: "number", integer: true, min: 1, description: "Documents kept per query after exclusions", default: 1000 },
  exclude: { type: "string", description: "Extra qid docid exclusion file, as DOMAIN=FILE (FILE alone with one domain), e.g. leetcode=exclude.bright-leetcode.txt", arg: "SPEC", multiple: true },
  ...BM25_OPTIONS,
  ...BACKEND_OPTIONS,
  mode: { type: "string", choices: ["reason", "none"], description: "t1: reason (the model writes reasoning, T1) | none (plain embedding)", default: "reason" },
  "max-reasoning-tokens": MAX_REASONING_TOKENS,
  temperature: { type: "number", min: 0, description: "t1: 0 = greedy; > 0 samples", default: 0 },
  seed: { type: "number", integer: true, description: "t1: sampling seed", default: 0 },
  "max-doc-length": { type: "number", integer: true, min: 1, description: "t1: document tokens kept, instruction included (default: --doc-length-preset, else the model's t1_format.json, else 512)", arg: "N" },
  "doc-length-preset": { type: "string", choices: Object.keys(DOC_LENGTH_PRESETS), description: `t1: named document length: ${Object.entries(DOC_LENGTH_PRESETS).map(([k, n]) => `${k} ${n}`).join(", ")}`, arg: "NAME" },
  "doc-instruction": { type: "string", description: "t1: before each document: none | task (BRIGHT's task instruction) | custom TEXT (default: the model's t1_format.json, else task)", arg: "none|task|TEXT" },
  "query-prompt": { type: "string", choices: Object.keys(QUERY_PROMPT_PRESETS), description: "t1: query prompt preset (bright: BRIGHT's task instruction; bright-instruct: its Instruct/Query wrapper; none)", default: "bright" },
  "query-prompt-file": { type: "string", description: "t1: query prompt text from FILE ({task} = the raw split name), instead of --query-prompt", arg: "FILE" },
  compat: { type: "string", choices: ["official", "pyserini"], description: "official (BRIGHT run.py: exclusions before the cut, pytrec_eval averaging) | pyserini (Anserini: -removeQuery and exclusions after the cut, trec_eval -c)", default: "official" },
  "batch-size": { type: "number", integer: true, min: 1, description: "t1: documents per prefill", default: 16 },
  quiet: { type: "boolean", description: "No progress output" },
} as const;

const T1_ONLY = ["model", "url", "threads", "max-doc-length", "doc-length-preset", "doc-instruction", "query-prompt-file"] as const;

/** The command line that reproduces this run, defaults spelled out (recorded in results.json). */
function commandLine(values: Values<typeof OPTIONS>): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const retriever = values.retriever;
  const args = ["t1", "bright", "eval"];
  for (const name of Object.keys(OPTIONS) as (keyof typeof OPTIONS)[]) {
    const v = values[name];
    if (v === undefined || v === false) continue;
    if (retriever === "bm25" && ([...T1_ONLY, "no-gpu", "backend", "mode", "max-reasoning-tokens", "temperature", "seed", "batch-size", "query-prompt"] as string[]).includes(name)) continue;
    if (name === "query-prompt" && values["query-prompt-file"] !== undefined) continue;
    if (retriever === "t1" && ["variant", "k1", "b"].includes(name)) continue;
    if (v === true) args.push(`--${name}`);
    else for (const x of Array.isArray(v) ? v : [v]) args.push(`--${name}`, q(String(x)));
  }
  return args.join(" ");
}

function exclusionSpecs(items: string[], domains: BrightDomain[]): Partial<Record<BrightDomain, string[]>> {
  const out: Partial<Record<BrightDomain, string[]>> = {};
  for (const spec of items) {
    const m = /^([A-Za-z_-]+)=(.+)$/.exec(spec);
    let domain: BrightDomain;
    let file: string;
    if (m && (BRIGHT_DOMAINS as readonly string[]).includes(m[1]!.toLowerCase().replace(/-/g, "_"))) {
      domain = normalizeBrightDomain(m[1]!);
      file = m[2]!;
    } else {
      if (domains.length !== 1) throw new InputError(`t1 bright eval: --exclude "${spec}": name the domain (DOMAIN=FILE) when evaluating several; query ids repeat across domains`);
      domain = domains[0]!;
      file = spec;
    }
    if (!existsSync(file)) throw new T1Error("NOT_FOUND", `t1 bright eval: exclusion file not found: ${file}`);
    (out[domain] ??= []).push(file);
  }
  return out;
}

function queryPromptSetting(preset: string | undefined, file: string | undefined): QueryPromptSetting {
  if (file === undefined) return { preset };
  if (!existsSync(file)) throw new T1Error("NOT_FOUND", `t1 bright eval: --query-prompt-file not found: ${file}`);
  return { file };
}

export default defineCommand({
  name: "bright eval",
  summary: "Reproduce a BRIGHT row: per-domain nDCG@10 (R@100, R@1000) for BM25 or a T1 model, with results.json and report.html",
  usage: "--retriever bm25|t1 --out RESULTS_DIR [--dir BRIGHT_DIR] [--domains LIST] [--queries CONFIG] [--long] [bm25 or t1 options]",
  details: `
For each domain: load the queries and gold ids (examples or --queries CONFIG) and the documents from
the local BRIGHT copy (t1 download --bright), build or reuse the index (cached in RESULTS_DIR/index),
score the documents, drop each query's excluded_ids ("N/A" skipped; plus --exclude files) BEFORE
keeping the top --k, write RESULTS_DIR/<domain>.trec and evaluate nDCG@10, R@100 and R@1000 as
pytrec_eval does (BRIGHT's official evaluation). --compat pyserini instead keeps the top --k first,
then drops -removeQuery hits and exclusions, and averages as trec_eval -c (Anserini's numbers).
T1 choices (document length, document instruction, query prompt, reasoning budget, decoding, stop
tokens) default to the model's t1_format.json, are logged, and recorded with their source. Then RESULTS_DIR/results.json (every protocol
choice: instructions, exclusion counts, query set, setting, BM25 parameters or model and reasoning
settings, t1 version, time, command line), results.tsv and report.html (table and chart next to
published rows). A killed run resumes: rerun the same command and finished domains are skipped.
Examples:
  t1 download --bright --domains biology,leetcode
  t1 bright eval --retriever bm25 --domains biology,leetcode --out results/bm25
  t1 bright eval --retriever t1 --model DIR --domains biology --out results/t1
Domains: ${BRIGHT_DOMAINS.join(", ")} ("-" or "_").`,
  options: OPTIONS,
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 bright eval: unexpected argument "${positionals[0]}"`);
    const long = values.long;
    const domains = parseBrightDomains(values.domains ?? [], long);
    const dir = values.dir ?? defaultCacheDir("datasets", "xlangai/BRIGHT");
    if (!existsSync(dir)) throw new T1Error("NOT_FOUND", `t1 bright eval: no BRIGHT copy at ${dir} (run t1 download --bright, or pass --dir)`);
    let retriever: BrightRetriever;
    if (values.retriever === "bm25") {
      for (const o of T1_ONLY) if (values[o] !== undefined) throw new InputError(`t1 bright eval: --${o} applies to --retriever t1`);
      retriever = new Bm25BrightRetriever(bm25Params(values));
    } else {
      const model = values.model;
      if (!model) throw new InputError(`t1 bright eval: --retriever t1 needs --model`);
      retriever = new T1BrightRetriever({
        // Every backend flag (--backend, --url, --threads, --no-gpu) reaches the backend.
        ...backendFromOptions(values, "bright eval"),
        model,
        mode: values.mode,
        maxReasoningTokens: values["max-reasoning-tokens"],
        temperature: values.temperature,
        seed: values.seed,
        maxLength: values["max-doc-length"],
        docLengthPreset: values["doc-length-preset"],
        documentInstruction: values["doc-instruction"],
        batchSize: values["batch-size"],
      });
    }
    try {
      const r = await runBrightEval({
        dir,
        out: values.out,
        retriever,
        domains,
        queries: values.queries,
        longDocuments: long,
        k: values.k,
        compat: parseCompatMode(values.compat),
        queryPrompt: queryPromptSetting(values["query-prompt"], values["query-prompt-file"]),
        exclusionFiles: exclusionSpecs(values.exclude ?? [], domains),
        command: commandLine({ ...values, dir }),
        quiet: values.quiet,
        log: values.quiet ? () => undefined : (l) => console.error(l),
      });
      console.log(formatResultsTsv(r).trimEnd());
      if (!values.quiet) console.error(`t1 bright eval: wrote ${r.files.json}, ${r.files.tsv} and ${r.files.html}`);
    } finally {
      await retriever.close();
    }
    return 0;
  },
});
