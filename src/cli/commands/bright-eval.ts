import { existsSync } from "node:fs";
import { bool, defineCommand, num, optNum, optStr, str, strList, type OptionSpec, type OptionValues } from "../command.js";
import { InputError, T1Error } from "../../util/errors.js";
import { defaultCacheDir } from "../../data/hub-model.js";
import { normalizeBrightDomain, BRIGHT_DOMAINS, type BrightDomain } from "../../data/bright-domains.js";
import { parseBackendKind } from "../../backends/open.js";
import { readBm25Params } from "../../retrieval/bm25/cli-options.js";
import { formatResultsTsv, parseBrightDomains, runBrightEval } from "../../bright/harness.js";
import { Bm25BrightRetriever, T1BrightRetriever, type BrightRetriever } from "../../bright/retrievers.js";
import { DOC_LENGTH_PRESETS, QUERY_PROMPT_PRESETS, parseCompatMode } from "../../bright/protocol.js";

const OPTIONS: Record<string, OptionSpec> = {
  retriever: { type: "string", description: "bm25 | t1", default: "bm25", arg: "NAME" },
  out: { type: "string", description: "Results folder (runs, indexes, results.json/tsv, report.html); rerun to resume", required: true, arg: "RESULTS_DIR" },
  dir: { type: "string", description: "Local BRIGHT copy (default: where t1 download --bright puts it)", arg: "BRIGHT_DIR" },
  domains: { type: "string", description: "Comma-separated domains (default: all 12; with --long the 8 that have long documents)", arg: "LIST", multiple: true },
  queries: { type: "string", description: "Query config: examples (original queries) or a reasoning set such as gpt4_reason", default: "examples", arg: "CONFIG" },
  long: { type: "boolean", description: "Long-document setting: long_documents and gold_ids_long" },
  k: { type: "number", integer: true, min: 1, description: "Documents kept per query after exclusions", default: 1000, arg: "N" },
  exclude: { type: "string", description: "Extra qid docid exclusion file, as DOMAIN=FILE (FILE alone with one domain), e.g. leetcode=exclude.bright-leetcode.txt", arg: "SPEC", multiple: true },
  variant: { type: "string", description: "bm25: lucene (Anserini/Pyserini scores) or bright-gensim (BRIGHT's official gensim BM25)", default: "lucene", arg: "NAME" },
  k1: { type: "number", description: "bm25: term-frequency saturation", default: 0.9, arg: "X" },
  b: { type: "number", description: "bm25: length normalisation, 0..1", default: 0.4, arg: "X" },
  model: { type: "string", description: "t1: model directory or .gguf (native), .gguf (llamacpp), model name (remote)", arg: "M" },
  backend: { type: "string", description: "t1: native | llamacpp | remote", default: "native", arg: "KIND" },
  url: { type: "string", description: "t1: server URL for --backend remote", arg: "URL" },
  mode: { type: "string", description: "t1: reason (the model writes reasoning, T1) | none (plain embedding)", default: "reason", arg: "MODE" },
  "max-reasoning-tokens": { type: "number", integer: true, min: 0, description: "t1: reasoning budget in tokens (default: the model's t1_format.json, else 256)", arg: "N" },
  temperature: { type: "number", min: 0, description: "t1: 0 = greedy; > 0 samples", default: 0, arg: "T" },
  seed: { type: "number", integer: true, description: "t1: sampling seed", default: 0, arg: "N" },
  compat: { type: "string", description: "official (BRIGHT run.py: exclusions before the cut, pytrec_eval averaging) | pyserini (Anserini 2CR: -removeQuery and exclusions after the cut, trec_eval -c)", default: "official", arg: "MODE" },
  "query-prompt": { type: "string", description: `t1: query prompt preset: ${Object.keys(QUERY_PROMPT_PRESETS).join(" | ")}`, default: "bright", arg: "NAME" },
  "query-prompt-file": { type: "string", description: "t1: query prompt text from FILE ({task} = the raw split name), instead of --query-prompt", arg: "FILE" },
  "doc-instruction": { type: "string", description: "t1: before each document: none | task (BRIGHT's task instruction) | custom TEXT (default: the model's t1_format.json, else task)", arg: "none|task|TEXT" },
  "max-doc-length": { type: "number", integer: true, min: 1, description: "t1: document tokens kept, instruction included (default: --doc-length-preset, else t1_format.json, else 512)", arg: "N" },
  "doc-length-preset": { type: "string", description: `t1: named document length: ${Object.entries(DOC_LENGTH_PRESETS).map(([k, n]) => `${k}(${n})`).join(" | ")}`, arg: "NAME" },
  "max-length": { type: "number", integer: true, min: 1, description: "t1: same as --max-doc-length (older name)", arg: "N" },
  "batch-size": { type: "number", integer: true, min: 1, description: "t1: documents per prefill", default: 16, arg: "N" },
  threads: { type: "number", integer: true, min: 1, description: "t1: CPU threads (default: all cores)", arg: "N" },
  quiet: { type: "boolean", description: "No progress output" },
};

const T1_ONLY = ["model", "url", "threads", "query-prompt-file", "doc-instruction", "max-doc-length", "doc-length-preset", "max-length"];

/** The command line that reproduces this run, defaults spelled out (recorded in results.json). */
function commandLine(values: OptionValues): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const retriever = str(values, "retriever");
  const args = ["t1", "bright", "eval"];
  for (const name of Object.keys(OPTIONS)) {
    const v = values[name];
    if (v === undefined || v === false) continue;
    if (retriever === "bm25" && (T1_ONLY.includes(name) || ["backend", "mode", "max-reasoning-tokens", "temperature", "seed", "batch-size", "query-prompt"].includes(name))) continue;
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

function queryPromptSetting(values: OptionValues): { preset?: string; file?: string } {
  const file = optStr(values, "query-prompt-file");
  if (file === undefined) return { preset: str(values, "query-prompt") };
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
pytrec_eval does (BRIGHT's official evaluation). Then RESULTS_DIR/results.json (every protocol
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
    const dir = optStr(values, "dir") ?? defaultCacheDir("datasets", "xlangai/BRIGHT");
    if (!existsSync(dir)) throw new T1Error("NOT_FOUND", `t1 bright eval: no BRIGHT copy at ${dir} (run t1 download --bright, or pass --dir)`);
    const long = bool(values, "long");
    const domains = parseBrightDomains(strList(values, "domains"), long);
    const name = str(values, "retriever");
    let retriever: BrightRetriever;
    if (name === "bm25") {
      for (const o of T1_ONLY) if (values[o] !== undefined) throw new InputError(`t1 bright eval: --${o} applies to --retriever t1`);
      const p = readBm25Params("bright eval", values);
      retriever = new Bm25BrightRetriever({ variant: p.variant, k1: p.k1, b: p.b });
    } else if (name === "t1") {
      const model = optStr(values, "model");
      if (!model) throw new InputError(`t1 bright eval: --retriever t1 needs --model`);
      const mode = str(values, "mode");
      if (mode !== "reason" && mode !== "none") throw new InputError(`t1 bright eval: --mode must be reason or none, got "${mode}"`);
      retriever = new T1BrightRetriever({
        model,
        backend: parseBackendKind(str(values, "backend")),
        url: optStr(values, "url"),
        threads: optNum(values, "threads"),
        mode,
        maxReasoningTokens: optNum(values, "max-reasoning-tokens"),
        temperature: num(values, "temperature"),
        seed: num(values, "seed"),
        maxLength: optNum(values, "max-doc-length") ?? optNum(values, "max-length"),
        docLengthPreset: optStr(values, "doc-length-preset"),
        documentInstruction: optStr(values, "doc-instruction"),
        batchSize: num(values, "batch-size"),
      });
    } else {
      throw new InputError(`t1 bright eval: --retriever must be bm25 or t1, got "${name}"`);
    }
    try {
      const r = await runBrightEval({
        dir,
        out: str(values, "out"),
        retriever,
        domains,
        queries: str(values, "queries"),
        longDocuments: long,
        k: num(values, "k"),
        compat: parseCompatMode(str(values, "compat")),
        queryPrompt: queryPromptSetting(values),
        exclusionFiles: exclusionSpecs(strList(values, "exclude"), domains),
        command: commandLine({ ...values, dir }),
        quiet: bool(values, "quiet"),
        log: bool(values, "quiet") ? () => undefined : (l) => console.error(l),
      });
      console.log(formatResultsTsv(r).trimEnd());
      if (!bool(values, "quiet")) console.error(`t1 bright eval: wrote ${r.files.json}, ${r.files.tsv} and ${r.files.html}`);
    } finally {
      await retriever.close();
    }
    return 0;
  },
});
