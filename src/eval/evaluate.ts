import { InputError } from "../util/errors.js";
import type { Qrels, Run, ScoredDoc } from "../data/types.js";
import { compareRanked } from "../data/ranking.js";
import { computeMeasure, relString, parseMeasures, MIN_GEO_MEAN, type MeasureSpec } from "./measures.js";
import { NOT_IN_POOL, UNJUDGED, type JudgedRanking } from "./judged-ranking.js";

/** Options for evaluateRun. */
export interface EvaluateOptions {
  /** Measures in trec_eval `-m` syntax or printed names, e.g. ["ndcg_cut.10", "map", "recall.100"]. */
  measures: string[];
  /**
   * Which queries are averaged. Default "trec_eval": queries of the run that have judgments (as
   * trec_eval 9 does; 10.0-rc3 instead stops with an error when a judged query is missing from the run).
   * "pytrec_eval" (what BRIGHT reports): the same intersection, but duplicates in a run keep the last
   * score (dict semantics) instead of being an error, completeQueries is not available, and
   * iprec_at_recall / 11pt_avg use trec_eval 9's recall rounding (pytrec_eval bundles trec_eval 9).
   */
  mode?: "trec_eval" | "pytrec_eval";
  /**
   * trec_eval -c: average over every query in the qrels; queries the run lacks score 0 and appear in
   * perQuery (as trec_eval 10 prints them). Default false (trec_eval's default). True penalises runs
   * that skip queries; false reports only what was retrieved.
   */
  completeQueries?: boolean;
  /** trec_eval -l: lowest level that counts as relevant. Default 1. */
  relevanceLevel?: number;
  /** trec_eval -M: evaluate only the top `depth` documents per query. Default: all of them. */
  depth?: number;
  /** trec_eval -N: collection size, used only by utility's fourth coefficient. Default 0. */
  numDocsInCollection?: number;
}

export interface EvaluationResult {
  /** Evaluated queries (strcmp order) -> measure name -> value. */
  perQuery: Map<string, Record<string, number>>;
  /** String measures (relstring) per query, when requested: qid -> measure name -> text. */
  perQueryText: Map<string, Record<string, string>>;
  /** Measure -> average over the evaluated queries (counts such as num_rel are summed; num_q = numQueries). */
  mean: Record<string, number>;
  /** The measures computed, in request order (names as trec_eval prints them). */
  measures: MeasureSpec[];
  /** Number of queries the mean divides by. */
  numQueries: number;
}

/** Turns one query's run and judgments into trec_eval's judged ranking. */
export function judgeRanking(docs: readonly ScoredDoc[], judged: Map<string, number>, relevanceLevel = 1, depth?: number): JudgedRanking {
  let ranked = [...docs].sort(compareRanked);
  if (depth !== undefined) ranked = ranked.slice(0, depth);
  const rels = ranked.map((d) => {
    const rel = judged.get(d.docid);
    return rel === undefined ? NOT_IN_POOL : rel < 0 ? UNJUDGED : rel;
  });
  const levelCounts: number[] = [];
  let numRel = 0;
  let numNonrel = 0;
  for (const rel of judged.values()) {
    if (rel < 0) continue;
    levelCounts[rel] = (levelCounts[rel] ?? 0) + 1;
    if (rel >= relevanceLevel) numRel++;
    else numNonrel++;
  }
  for (let i = 0; i < levelCounts.length; i++) levelCounts[i] ??= 0;
  return { rels, levelCounts, numRel, numNonrel, relevanceLevel };
}

function checkDuplicates(qid: string, docs: readonly ScoredDoc[]): void {
  const seen = new Set<string>();
  for (const d of docs) {
    if (seen.has(d.docid)) throw new InputError(`run retrieves docid "${d.docid}" twice for query "${qid}" (trec_eval refuses duplicates; use mode "pytrec_eval" to keep the last)`);
    seen.add(d.docid);
  }
}

function keepLast(docs: readonly ScoredDoc[]): ScoredDoc[] {
  const byId = new Map<string, ScoredDoc>();
  for (const d of docs) {
    byId.delete(d.docid);
    byId.set(d.docid, d);
  }
  return [...byId.values()];
}

const byStrcmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Evaluates a run against qrels with trec_eval's (or pytrec_eval's) exact semantics. */
export function evaluateRun(qrels: Qrels, run: Run, opts: EvaluateOptions): EvaluationResult {
  const mode = opts.mode ?? "trec_eval";
  const complete = opts.completeQueries ?? false;
  if (mode === "pytrec_eval" && complete) throw new InputError(`completeQueries (-c) is a trec_eval option; pytrec_eval averages over queries in both run and qrels`);
  const relevanceLevel = opts.relevanceLevel ?? 1;
  const measures = parseMeasures(opts.measures);
  const perQuery = new Map<string, Record<string, number>>();
  const perQueryText = new Map<string, Record<string, string>>();
  const numeric = measures.filter((m) => !m.text);
  const textual = measures.filter((m) => m.text);
  const sums: Record<string, number> = Object.fromEntries(measures.map((m) => [m.name, 0]));

  const accumulate = (values: Record<string, number>) => {
    for (const m of numeric) sums[m.name]! += m.aggregate === "geometric" ? Math.log(Math.max(values[m.name]!, MIN_GEO_MEAN)) : values[m.name]!;
  };
  const evalQuery = (docs: readonly ScoredDoc[], judged: Map<string, number>, qid: string) => {
    const r = judgeRanking(docs, judged, relevanceLevel, opts.depth);
    if (opts.numDocsInCollection !== undefined) r.numDocsInCollection = opts.numDocsInCollection;
    if (mode === "pytrec_eval") r.legacyRecallCutoffs = true;
    const values: Record<string, number> = {};
    for (const m of numeric) values[m.name] = computeMeasure(m, r);
    if (textual.length > 0) perQueryText.set(qid, Object.fromEntries(textual.map((m) => [m.name, relString(r, m.params![0]!)])));
    return values;
  };

  // trec_eval 10 walks the qrels topics in qid order; under -c a topic the run lacks is scored on
  // an empty ranking (0 everywhere, but its num_rel counts) and printed like the others.
  for (const qid of [...qrels.keys()].sort(byStrcmp)) {
    const judged = qrels.get(qid)!;
    let docs = run.get(qid);
    if (!docs) {
      if (!complete) continue;
      docs = [];
    }
    if (mode === "trec_eval") checkDuplicates(qid, docs);
    else docs = keepLast(docs);
    const values = evalQuery(docs, judged, qid);
    perQuery.set(qid, values);
    accumulate(values);
  }
  const numQueries = perQuery.size;
  const mean: Record<string, number> = {};
  for (const m of numeric) {
    const s = sums[m.name]!;
    mean[m.name] = m.aggregate === "sum" ? s : numQueries === 0 ? 0 : m.aggregate === "geometric" ? Math.exp(s / numQueries) : s / numQueries;
  }
  // num_q is the divisor, which under -c includes queries the run lacks.
  if ("num_q" in mean) mean.num_q = numQueries;
  return { perQuery, perQueryText, mean, measures, numQueries };
}

/** Options for formatTrecEval. */
export interface FormatOptions {
  /** trec_eval -q: print each query's values before the `all` lines. Default false. */
  perQuery?: boolean;
  /** Run tag for the `runid` line; omitted when undefined. */
  runid?: string;
}

/**
 * trec_eval's output: `%-22s\t%s\t%6.4f` (counts as integers), per-query blocks in qid order then
 * the `all` block, which begins with runid when given. num_q is printed only in the `all` block
 * and only when requested (trec_eval prints it as part of its default measure set).
 */
export function formatTrecEval(result: EvaluationResult, opts: FormatOptions = {}): string {
  const lines: string[] = [];
  const line = (name: string, qid: string, value: string) => lines.push(`${name.padEnd(22)}\t${qid}\t${value}`);
  if (opts.perQuery) {
    for (const [qid, values] of result.perQuery) {
      const text = result.perQueryText.get(qid);
      for (const m of result.measures) {
        if (!m.perQuery) continue;
        line(m.name, qid, m.text ? `'${text?.[m.name] ?? ""}'` : formatValue(values[m.name]!, m.integer));
      }
    }
  }
  if (opts.runid !== undefined) line("runid", "all", opts.runid);
  for (const m of result.measures) if (!m.text) line(m.name, "all", formatValue(result.mean[m.name]!, m.integer));
  return lines.join("\n") + "\n";
}

/** printf("%.4f") as C does it: exact decimal ties round half to even (JS toFixed rounds them up). */
export function formatFixed4(x: number): string {
  const exact = Math.abs(x).toFixed(30);
  const dot = exact.indexOf(".");
  const tail = exact.slice(dot + 5);
  if (/^50*$/.test(tail)) {
    const kept = exact.slice(0, dot + 5);
    const lastDigit = Number(kept[kept.length - 1]);
    const down = kept;
    const up = (Math.abs(x) + 0.00005).toFixed(4);
    const s = lastDigit % 2 === 0 ? down : up;
    return (x < 0 ? "-" : "") + s;
  }
  return x.toFixed(4);
}

function formatValue(v: number, integer: boolean): string {
  return integer ? String(Math.round(v)) : formatFixed4(v);
}
