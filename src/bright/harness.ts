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
import { applyExclusions, applyExclusionsAfterCut, brightExclusions, findBrightFiles, brightQrels, brightQueries, loadBrightExamples, readExclusionsFile, type Exclusions } from "../data/bright.js";
import { brightInstruction, normalizeBrightDomain, BRIGHT_DOMAINS, BRIGHT_LONG_DOMAINS, type BrightDomain } from "../data/bright-domains.js";
import { writeFileAtomic } from "../util/atomic.js";
import { InputError } from "../util/errors.js";
import { packageRoot } from "../util/paths.js";
import { evaluateRun } from "../eval/evaluate.js";
import { readRun, writeRun } from "../data/trec-files.js";
import { rankRun } from "../data/ranking.js";
import type { BrightRetriever } from "./retrievers.js";
import { renderBrightReport } from "./report-html.js";
import { describeCompat, describeQueryPrompt, queryPromptText, type CompatMode, type QueryPromptSetting } from "./protocol.js";
import { fileHashes, readBrightDownloadRecord } from "../data/bright-revision.js";
import { readBrightExpectedScores } from "../data/bright-expected.js";
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
  /**
   * "official" (default): BRIGHT run.py (exclusions before the cut, pytrec_eval averaging);
   * "pyserini": Anserini/Pyserini 2CR (exclusions and -removeQuery after the cut, trec_eval -c).
   */
  compat?: CompatMode;
  /** Query prompt: a preset (default "bright", BRIGHT's task instruction) or a file. BM25 ignores it. */
  queryPrompt?: QueryPromptSetting;
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
  const compat = o.compat ?? "official";
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
    compat: describeCompat(compat),
    dataset: datasetRecord(o.dir),
    queryPrompt: o.retriever.name === "bm25" ? null : describeQueryPrompt(o.queryPrompt ?? {}),
    exclusions: {
      rule: compat === "pyserini"
        ? "per query, keep the top k, THEN drop hits whose docid equals the qid and the excluded_ids (skipping \"N/A\") and any extra file's ids (Anserini -removeQuery and filter)"
        : "per query, drop excluded_ids (skipping \"N/A\") and any extra file's ids from the scored list BEFORE keeping the top k (official BRIGHT run.py)",
      extraFiles: o.exclusionFiles ?? {},
    },
    evaluation: {
      tool: compat === "pyserini" ? "t1 evaluateRun, mode trec_eval with -c (completeQueries)" : "t1 evaluateRun, mode pytrec_eval (trec_eval 9 semantics as pytrec_eval bundles them)",
      measures: [...BRIGHT_MEASURES],
      relevance: "binary: every gold id at level 1",
      averaging: compat === "pyserini"
        ? "per domain: mean over every query with judgments (no hits = 0, trec_eval -c); overall: mean over domains"
        : "per domain: mean over queries in both run and qrels; overall: mean over domains",
      ties: "trec_eval order (score descending, then docid descending); the official Python keeps corpus order",
    },
    instructions: "per domain below: the exact query prompt and document instruction (BM25 uses none)",
  };
}

/** One log line naming the choices that move the numbers (all of them are in results.json). */
function protocolSummary(o: BrightEvalOptions): string {
  const parts = [`compat ${o.compat ?? "official"}`, `k ${o.k ?? 1000}`, `queries ${o.queries ?? "examples"}`, `dataset revision ${String(datasetRecord(o.dir).revision)}`];
  const t = o.retriever.settings;
  if (o.retriever.name === "t1") {
    const r = t.reasoning as { budget: number; decoding: string; seed: number };
    const p = describeQueryPrompt(o.queryPrompt ?? {});
    parts.push(
      `document length ${String(t.maxDocumentTokens)} tokens (${String(t.maxDocumentTokensSource)})`,
      `document instruction ${JSON.stringify(t.documentInstruction)} (${String(t.documentInstructionSource)})`,
      `query prompt ${p.kind === "file" ? `file ${p.file}` : p.name}`,
      `reasoning ${r.budget} tokens, ${r.decoding}, seed ${r.seed}`,
    );
  } else parts.push(`bm25 ${String(t.variant)} k1=${String(t.k1)} b=${String(t.b)}`);
  return parts.join("; ");
}

/** The dataset revision `t1 download --bright` recorded (document hashes are per domain). */
function datasetRecord(dir: string): Record<string, unknown> {
  const r = readBrightDownloadRecord(dir);
  return r
    ? { repo: r.repo, revision: r.revision, downloadedAt: r.downloadedAt, recordedIn: "t1-download.json" }
    : { repo: "xlangai/BRIGHT", revision: "unknown (the copy has no t1-download.json; compare the document hashes per domain)" };
}

function settingsKey(o: BrightEvalOptions, domain: BrightDomain): string {
  return JSON.stringify({
    retriever: o.retriever.name,
    settings: o.retriever.settings,
    queries: o.queries ?? "examples",
    long: o.longDocuments ?? false,
    k: o.k ?? 1000,
    exclusionFiles: o.exclusionFiles?.[domain] ?? [],
    compat: o.compat ?? "official",
    queryPrompt: o.retriever.name === "bm25" ? null : o.queryPrompt ?? {},
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
  const compat = o.compat ?? "official";
  const taskInstruction = brightInstruction(domain, { longDocuments: long });
  const queryPrompt = queryPromptText(o.queryPrompt ?? {}, domain, long);
  const documentFiles = findBrightFiles(o.dir, long ? "long_documents" : "documents", domain);
  // Pyserini retrieves k whatever the exclusions; the official order needs k + |exclusions| candidates.
  const depthExclusions: Exclusions = compat === "pyserini" ? new Map() : exclusions;
  const got = await o.retriever.retrieve({ dir: o.dir, domain, longDocuments: long, queries, exclusions: depthExclusions, taskInstruction, queryPrompt, k, indexDir: join(o.out, "index"), quiet: o.quiet ?? false, log });
  const { run, dropped: removed } = compat === "pyserini" ? applyExclusionsAfterCut(got.run, exclusions, k) : applyExclusions(got.run, exclusions, k);
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
  const ev = evaluateRun(qrels, written, compat === "pyserini"
    ? { measures: [...BRIGHT_MEASURES], mode: "trec_eval", completeQueries: true }
    : { measures: [...BRIGHT_MEASURES], mode: "pytrec_eval" });
  const zeroHit = [...qrels.keys()].filter((qid) => (written.get(qid)?.length ?? 0) === 0);
  const metrics = Object.fromEntries(BRIGHT_METRIC_KEYS.map((m) => [m, ev.mean[m] ?? 0])) as BrightMetrics;
  const result: BrightDomainResult = {
    domain,
    settingsKey: key,
    queries: queries.length,
    evaluatedQueries: ev.numQueries,
    documents: got.documents,
    instruction: o.retriever.instructions(taskInstruction, queryPrompt),
    queriesWithoutHits: zeroHit.length,
    documentFiles: await fileHashes(documentFiles),
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
  log(`bright eval: ${protocolSummary(o)}`);
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
        `${r.exclusions.dropped} ${(o.compat ?? "official") === "pyserini" ? `removed from the top ${k} after the cut` : `dropped from the top ${k} before the cut`} (${r.exclusions.queriesAffected} queries); ` +
        (r.queriesWithoutHits > 0 ? `${r.queriesWithoutHits} judged queries without hits; ` : "") +
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
  const expected = o.retriever.name === "bm25" ? readBrightExpectedScores() : undefined;
  if (expected) {
    out.reference = { file: expected.file, notes: expected.notes, scores: Object.fromEntries(results.flatMap((d) => (expected.scores.has(d.domain) ? [[d.domain, expected.scores.get(d.domain)!]] : []))) };
  }
  writeFileAtomic(files.json, JSON.stringify(out, null, 2) + "\n");
  writeFileAtomic(files.tsv, formatResultsTsv(out));
  writeFileAtomic(files.html, renderBrightReport(out));
  return out;
}
