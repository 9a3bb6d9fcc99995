/**
 * The BRIGHT evaluation harness behind `t1 bright eval`: for each domain, load the queries, qrels and
 * exclusions from a local copy of xlangai/BRIGHT, retrieve with BM25 or a T1 model (indexes cached in
 * RESULTS_DIR/index), drop each query's excluded ids BEFORE the top-k cut as the official code does,
 * write RESULTS_DIR/<domain>.trec, evaluate nDCG@10, R@100 and R@1000 in pytrec_eval mode, and record
 * every protocol choice. A finished domain leaves RESULTS_DIR/domains/<domain>.json; a rerun (after a
 * kill) skips those whose settings match. At the end results.json, results.tsv and report.html.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyExclusions, brightExclusions, brightQrels, brightQueries, loadBrightExamples, readExclusionsFile, type Exclusions } from "../data/bright.js";
import { brightInstruction, normalizeBrightDomain, BRIGHT_DOMAINS, BRIGHT_LONG_DOMAINS, type BrightDomain } from "../data/bright-domains.js";
import { writeFileAtomic } from "../util/atomic.js";
import { InputError } from "../util/errors.js";
import { packageRoot } from "../util/paths.js";
import { evaluateRun } from "../eval/evaluate.js";
import { readRun, writeRun } from "../data/trec-files.js";
import { rankRun } from "../data/ranking.js";
import type { BrightRetriever } from "./retrievers.js";
import { renderBrightReport } from "./report-html.js";
import { BRIGHT_MEASURES, BRIGHT_METRIC_KEYS, type BrightDomainResult, type BrightEvalResults, type BrightMetrics } from "./results.js";

export interface BrightEvalOptions {
  /** Local BRIGHT copy in the Hugging Face layout (`t1 download --bright`). */
  dir: string;
  /** Results folder: runs, per-domain records, cached indexes, results.json/tsv, report.html. */
  out: string;
  retriever: BrightRetriever;
  /** Domains (either spelling). Default: all 12, in BRIGHT's order. */
  domains?: string[];
  /** Query config: "examples" (original queries, default) or a `<model>_reason` set such as "gpt4_reason". */
  queries?: string;
  /** Long-document setting (long_documents + gold_ids_long). Default false (BRIGHT's primary setting). */
  longDocuments?: boolean;
  /** Documents kept per query after exclusions. Default 1000 (the official depth). */
  k?: number;
  /**
   * Extra `qid docid` exclusion files per domain (e.g. Anserini's exclude.bright-leetcode.txt for
   * leetcode). Default none: only the examples' excluded_ids, as the official code.
   */
  exclusionFiles?: Partial<Record<BrightDomain, string[]>>;
  /** The command line recorded in results.json. Default: "(library call)". */
  command?: string;
  /** Silence progress and log lines. Default false. */
  quiet?: boolean;
  /** Where log lines go. Default: stderr (unless quiet). */
  log?: (line: string) => void;
}

export function t1Version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function countIds(ex: Exclusions): number {
  let n = 0;
  for (const s of ex.values()) n += s.size;
  return n;
}

/** The protocol block of results.json: every choice that shapes the numbers. */
function protocolOf(o: BrightEvalOptions, domains: BrightDomain[]): Record<string, unknown> {
  return {
    benchmark: "BRIGHT (xlangai/BRIGHT)",
    dir: o.dir,
    domains,
    querySet: o.queries ?? "examples",
    documents: o.longDocuments ? "long_documents (gold_ids_long)" : "documents (short; gold_ids)",
    longDocuments: o.longDocuments ?? false,
    topK: o.k ?? 1000,
    retriever: o.retriever.name,
    [o.retriever.name]: o.retriever.settings,
    exclusions: {
      rule: "per query, drop excluded_ids (skipping \"N/A\") and any extra file's ids from the scored list BEFORE keeping the top k (official BRIGHT run.py)",
      extraFiles: o.exclusionFiles ?? {},
    },
    evaluation: {
      tool: "t1 evaluateRun, mode pytrec_eval (trec_eval 9 semantics as pytrec_eval bundles them)",
      measures: [...BRIGHT_MEASURES],
      relevance: "binary: every gold id at level 1",
      averaging: "per domain: mean over queries in both run and qrels; overall: mean over domains",
      ties: "trec_eval order (score descending, then docid descending); the official Python keeps corpus order",
    },
    instructions: "per domain below (BRIGHT's published templates; BM25 uses none)",
  };
}

function settingsKey(o: BrightEvalOptions, domain: BrightDomain): string {
  return JSON.stringify({
    retriever: o.retriever.name,
    settings: o.retriever.settings,
    queries: o.queries ?? "examples",
    long: o.longDocuments ?? false,
    k: o.k ?? 1000,
    exclusionFiles: o.exclusionFiles?.[domain] ?? [],
  }, (key, v) => (key === "modelId" ? undefined : v));
}

function readFinished(path: string, key: string): BrightDomainResult | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, "utf8")) as BrightDomainResult;
    return r.settingsKey === key ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Evaluates one domain (no resume check); writes its run file and record. */
async function evalDomain(o: BrightEvalOptions, domain: BrightDomain, key: string, log: (l: string) => void): Promise<BrightDomainResult> {
  const t0 = performance.now();
  const k = o.k ?? 1000;
  const long = o.longDocuments ?? false;
  const rows = await loadBrightExamples(o.dir, domain, { config: o.queries ?? "examples" });
  const queries = brightQueries(rows);
  const qrels = brightQrels(rows, { longDocuments: long });
  const files = o.exclusionFiles?.[domain] ?? [];
  const extra = files.map(readExclusionsFile);
  // Only the evaluated queries' exclusions (an extra file may list every query of the domain).
  const queryIds = new Set(rows.map((r) => r.id));
  const exclusions: Exclusions = new Map([...brightExclusions(rows, ...extra)].filter(([qid]) => queryIds.has(qid)));
  const instruction = brightInstruction(domain, { longDocuments: long });
  const got = await o.retriever.retrieve({ dir: o.dir, domain, longDocuments: long, queries, exclusions, instruction, k, indexDir: join(o.out, "index"), quiet: o.quiet ?? false, log });
  const { run, dropped: removed } = applyExclusions(got.run, exclusions, k);
  let dropped = 0;
  let queriesAffected = 0;
  for (const [qid, docs] of got.run) {
    const ex = exclusions.get(qid);
    if (!ex) continue;
    const n = rankRun(docs).slice(0, k).filter((d) => ex.has(d.docid)).length;
    dropped += n;
    if (n > 0) queriesAffected++;
  }
  const runFile = `${domain}.trec`;
  writeRun(join(o.out, runFile), run, `t1-bright-${o.retriever.name}`);
  // Evaluate what was written, so the numbers are exactly those of the file.
  const written = readRun(join(o.out, runFile));
  const ev = evaluateRun(qrels, written, { measures: [...BRIGHT_MEASURES], mode: "pytrec_eval" });
  const metrics = Object.fromEntries(BRIGHT_METRIC_KEYS.map((m) => [m, ev.mean[m] ?? 0])) as BrightMetrics;
  const result: BrightDomainResult = {
    domain,
    settingsKey: key,
    queries: queries.length,
    evaluatedQueries: ev.numQueries,
    documents: got.documents,
    instruction: o.retriever.instructions(instruction),
    exclusions: {
      listedInExamples: rows.reduce((a, r) => a + r.excludedIds.length, 0),
      listedInFiles: extra.reduce((a, m) => a + countIds(m), 0),
      files,
      applied: countIds(exclusions),
      queriesWithExclusions: [...exclusions.values()].filter((s) => s.size > 0).length,
      dropped,
      queriesAffected,
      removedFromCandidates: removed,
    },
    metrics,
    perQueryNdcg10: Object.fromEntries([...ev.perQuery].map(([qid, v]) => [qid, v.ndcg_cut_10 ?? 0])),
    run: runFile,
    runDocuments: [...written.values()].reduce((a, d) => a + d.length, 0),
    index: got.index,
    details: got.details,
    seconds: (performance.now() - t0) / 1000,
    finishedAt: new Date().toISOString(),
  };
  writeFileAtomic(join(o.out, "domains", `${domain}.json`), JSON.stringify(result, null, 2) + "\n");
  return result;
}

export function formatResultsTsv(r: BrightEvalResults): string {
  const head = ["domain", "queries", "evaluated", "documents", "excluded_applied", "excluded_dropped", "ndcg@10", "recall@100", "recall@1000"];
  const lines = [head.join("\t")];
  const f = (x: number) => x.toFixed(4);
  for (const d of r.domains) {
    lines.push([d.domain, d.queries, d.evaluatedQueries, d.documents, d.exclusions.applied, d.exclusions.dropped, f(d.metrics.ndcg_cut_10), f(d.metrics.recall_100), f(d.metrics.recall_1000)].join("\t"));
  }
  lines.push(["average", "", "", "", "", "", f(r.average.ndcg_cut_10), f(r.average.recall_100), f(r.average.recall_1000)].join("\t"));
  return lines.join("\n") + "\n";
}

/** Parses `--domains` items (comma lists allowed); default all 12 in BRIGHT's order, duplicates removed. */
export function parseBrightDomains(items: readonly string[] | undefined, longDocuments = false): BrightDomain[] {
  const list = (items ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  const domains = list.length === 0 ? [...(longDocuments ? BRIGHT_LONG_DOMAINS : BRIGHT_DOMAINS)] : [...new Set(list.map(normalizeBrightDomain))];
  if (longDocuments) {
    const bad = domains.filter((d) => !BRIGHT_LONG_DOMAINS.includes(d));
    if (bad.length) throw new InputError(`--long: ${bad.join(", ")} ha${bad.length > 1 ? "ve" : "s"} no long documents (only ${BRIGHT_LONG_DOMAINS.join(", ")})`);
  }
  return domains;
}

/** Runs the harness over the domains, resuming finished ones; returns (and writes) the results. */
export async function runBrightEval(o: BrightEvalOptions): Promise<BrightEvalResults> {
  const log = o.log ?? ((l: string) => (o.quiet ? undefined : void process.stderr.write(l + "\n")));
  const k = o.k ?? 1000;
  if (!Number.isInteger(k) || k <= 0) throw new InputError(`bright eval: k must be a positive integer, got ${k}`);
  const domains = parseBrightDomains(o.domains, o.longDocuments);
  for (const d of Object.keys(o.exclusionFiles ?? {})) {
    if (!domains.includes(normalizeBrightDomain(d))) throw new InputError(`bright eval: an exclusion file is given for "${d}", which is not among the domains evaluated (${domains.join(", ")})`);
  }
  mkdirSync(join(o.out, "domains"), { recursive: true });
  const results: BrightDomainResult[] = [];
  const resumed: string[] = [];
  for (const domain of domains) {
    const key = settingsKey(o, domain);
    const recordPath = join(o.out, "domains", `${domain}.json`);
    const done = readFinished(recordPath, key);
    if (done && existsSync(join(o.out, done.run))) {
      log(`bright eval: ${domain}: finished earlier (${recordPath}); skipping. nDCG@10 ${done.metrics.ndcg_cut_10.toFixed(4)}`);
      results.push(done);
      resumed.push(domain);
      continue;
    }
    if (existsSync(recordPath)) log(`bright eval: ${domain}: the record there was computed with other settings; recomputing`);
    const r = await evalDomain(o, domain, key, log);
    log(
      `bright eval: ${domain}: ${r.queries} queries, ${r.documents} documents; exclusions ${r.exclusions.applied} applied, ` +
        `${r.exclusions.dropped} dropped from the top ${k} before the cut (${r.exclusions.queriesAffected} queries); ` +
        `nDCG@10 ${r.metrics.ndcg_cut_10.toFixed(4)} R@100 ${r.metrics.recall_100.toFixed(4)} R@1000 ${r.metrics.recall_1000.toFixed(4)} (${r.seconds.toFixed(1)} s)`,
    );
    results.push(r);
  }
  const average = Object.fromEntries(
    BRIGHT_METRIC_KEYS.map((m) => [m, results.length ? results.reduce((a, r) => a + r.metrics[m], 0) / results.length : 0]),
  ) as BrightMetrics;
  const files = { json: join(o.out, "results.json"), tsv: join(o.out, "results.tsv"), html: join(o.out, "report.html") };
  const out: BrightEvalResults = {
    t1Version: t1Version(),
    timestamp: new Date().toISOString(),
    command: o.command ?? "(library call)",
    protocol: protocolOf(o, domains),
    domains: results,
    average,
    averageOver: results.length,
    resumed,
    files,
  };
  writeFileAtomic(files.json, JSON.stringify(out, null, 2) + "\n");
  writeFileAtomic(files.tsv, formatResultsTsv(out));
  writeFileAtomic(files.html, renderBrightReport(out));
  return out;
}
