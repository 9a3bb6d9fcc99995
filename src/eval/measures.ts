import { InputError } from "../util/errors.js";

/**
 * trec_eval measures, computed per query exactly as trec_eval 9 does. Names are the ones trec_eval
 * prints (`ndcg_cut_10`, `P_5`, `recall_100`); requests use its `-m` syntax (`ndcg_cut.10,100`).
 */

/** A retrieved document's judgment: its qrels level, or one of these two markers. */
export const NOT_IN_POOL = -1; // docid absent from the qrels of this query
export const UNJUDGED = -2; // in the qrels with a negative level (trec_eval: "in pool, not judged")

/** One query's retrieved list reduced to judgments, plus the counts measures need. */
export interface JudgedRanking {
  /** Level of each retrieved doc in rank order (NOT_IN_POOL / UNJUDGED markers included). */
  rels: readonly number[];
  /** Judged documents per level >= 0 (index = level), over the whole qrels of the query. */
  levelCounts: readonly number[];
  /** Documents judged at level >= relevanceLevel. */
  numRel: number;
  /** Documents judged below relevanceLevel (level >= 0): bpref's nonrelevant pool. */
  numNonrel: number;
  /** Level at or above which a document counts as relevant (trec_eval -l). */
  relevanceLevel: number;
}

export type MeasureFamily =
  | "num_q" | "num_ret" | "num_rel" | "num_rel_ret" | "num_nonrel_judged_ret"
  | "map" | "Rprec" | "bpref" | "recip_rank" | "ndcg" | "set_P" | "set_recall" | "set_F"
  | "P" | "recall" | "ndcg_cut" | "map_cut" | "success" | "relative_P";

const CUT_FAMILIES = new Set<MeasureFamily>(["P", "recall", "ndcg_cut", "map_cut", "success", "relative_P"]);
const PLAIN_FAMILIES = new Set<MeasureFamily>([
  "num_q", "num_ret", "num_rel", "num_rel_ret", "num_nonrel_judged_ret",
  "map", "Rprec", "bpref", "recip_rank", "ndcg", "set_P", "set_recall", "set_F",
]);
/** Counts: printed as integers and summed (not averaged) in the `all` line, as trec_eval does. */
const INTEGER_FAMILIES = new Set<MeasureFamily>(["num_q", "num_ret", "num_rel", "num_rel_ret", "num_nonrel_judged_ret"]);

const DEFAULT_CUTOFFS: Record<string, number[]> = {
  P: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  recall: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  ndcg_cut: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  map_cut: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  relative_P: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  success: [1, 5, 10],
};

/** One measure to compute, under the name trec_eval prints. */
export interface MeasureSpec {
  name: string;
  family: MeasureFamily;
  cutoff?: number;
  integer: boolean;
}

/** The measure families this module implements (for help texts and errors). */
export const SUPPORTED_FAMILIES: readonly string[] = [...PLAIN_FAMILIES, ...CUT_FAMILIES];

/**
 * Parses measure requests: trec_eval `-m` forms (`ndcg_cut.10,100`, `P.5`, `map`, `success`, a bare
 * family meaning its default cutoffs) and printed names (`ndcg_cut_10`, `recall_100`). Each request may
 * itself be comma-joined families (`map,ndcg_cut.10`). Duplicates are dropped, order kept.
 */
export function parseMeasures(requests: readonly string[]): MeasureSpec[] {
  const out: MeasureSpec[] = [];
  const seen = new Set<string>();
  const add = (s: MeasureSpec) => {
    if (!seen.has(s.name)) {
      seen.add(s.name);
      out.push(s);
    }
  };
  for (const req of requests) {
    for (const item of splitRequest(req)) {
      for (const s of parseOne(item)) add(s);
    }
  }
  if (out.length === 0) throw new InputError(`no measures requested`);
  return out;
}

/** Splits "map,ndcg_cut.10,100,P.5" into ["map", "ndcg_cut.10,100", "P.5"]: numbers stay with their family. */
function splitRequest(req: string): string[] {
  const items: string[] = [];
  for (const part of req.split(",").map((p) => p.trim()).filter(Boolean)) {
    if (/^\d+(\.\d*)?$/.test(part) && items.length > 0 && items[items.length - 1]!.includes(".")) items[items.length - 1] += "," + part;
    else items.push(part);
  }
  return items;
}

function parseOne(item: string): MeasureSpec[] {
  const dot = item.indexOf(".");
  const fam = (dot >= 0 ? item.slice(0, dot) : item) as MeasureFamily;
  if (dot < 0 && PLAIN_FAMILIES.has(fam)) return [spec(fam)];
  if (CUT_FAMILIES.has(fam)) {
    const params = dot >= 0 ? item.slice(dot + 1) : "";
    // Like trec_eval: cutoffs sorted ascending, duplicates dropped.
    const cutoffs = params === "" ? DEFAULT_CUTOFFS[fam]! : [...new Set(params.split(",").map((p) => parseCutoff(p, item)))].sort((a, b) => a - b);
    return cutoffs.map((k) => spec(fam, k));
  }
  // A printed name such as ndcg_cut_10 or P_5.
  const m = /^(.*)_(\d+)$/.exec(item);
  if (m && CUT_FAMILIES.has(m[1] as MeasureFamily)) return [spec(m[1] as MeasureFamily, parseCutoff(m[2]!, item))];
  if (dot >= 0 && PLAIN_FAMILIES.has(fam)) throw new InputError(`measure "${fam}" takes no parameters, got "${item}"`);
  throw new InputError(`unknown measure "${item}"; supported: ${SUPPORTED_FAMILIES.join(", ")} (cutoff families as e.g. ndcg_cut.10,100 or ndcg_cut_10)`);
}

/** A positive cutoff; a fractional one is truncated as trec_eval's atol does (`ndcg_cut.23.4` is ndcg_cut_23). */
function parseCutoff(p: string, item: string): number {
  const k = /^\d+(\.\d*)?$/.test(p) ? Math.trunc(Number(p)) : NaN;
  if (!Number.isInteger(k) || k <= 0) throw new InputError(`measure "${item}": cutoff "${p}" must be a positive integer`);
  return k;
}

function spec(family: MeasureFamily, cutoff?: number): MeasureSpec {
  return { name: cutoff === undefined ? family : `${family}_${cutoff}`, family, cutoff, integer: INTEGER_FAMILIES.has(family) };
}

/**
 * trec_eval 9's DCG discount: the document at 0-based position i is divided by log2(i + 2). (Before
 * 9.0 trec_eval left ranks 1 and 2 undiscounted; its own test vectors pin the current form.)
 */
function discount(i: number): number {
  return Math.log2(i + 2);
}

/** Ideal DCG over the judged levels (all levels > 0, highest first), cut at k documents. */
function idealDcg(levelCounts: readonly number[], k: number): number {
  let dcg = 0;
  let i = 0;
  for (let lvl = levelCounts.length - 1; lvl > 0 && i < k; lvl--) {
    for (let c = 0; c < (levelCounts[lvl] ?? 0) && i < k; c++, i++) dcg += lvl / discount(i);
  }
  return dcg;
}

function ndcgAt(r: JudgedRanking, k: number): number {
  let dcg = 0;
  const n = Math.min(k, r.rels.length);
  for (let i = 0; i < n; i++) {
    const g = r.rels[i]!;
    if (g > 0) dcg += g / discount(i);
  }
  const ideal = idealDcg(r.levelCounts, k);
  return ideal > 0 ? dcg / ideal : dcg;
}

function relRetAt(r: JudgedRanking, k: number): number {
  let n = 0;
  const end = Math.min(k, r.rels.length);
  for (let i = 0; i < end; i++) if (r.rels[i]! >= r.relevanceLevel) n++;
  return n;
}

function apAt(r: JudgedRanking, k: number): number {
  if (r.numRel === 0) return 0;
  let sum = 0;
  let found = 0;
  const end = Math.min(k, r.rels.length);
  for (let i = 0; i < end; i++) {
    if (r.rels[i]! >= r.relevanceLevel) sum += ++found / (i + 1);
  }
  return sum / r.numRel;
}

function bpref(r: JudgedRanking): number {
  if (r.numRel === 0) return 0;
  const denom = Math.min(r.numRel, r.numNonrel);
  let nonrelSoFar = 0;
  let sum = 0;
  for (const rel of r.rels) {
    if (rel < 0) continue; // not in pool or unjudged: ignored by bpref
    if (rel >= r.relevanceLevel) {
      // Only the first numRel judged nonrelevant documents count against a relevant one.
      sum += nonrelSoFar > 0 ? 1 - Math.min(nonrelSoFar, r.numRel) / denom : 1;
    } else nonrelSoFar++;
  }
  return sum / r.numRel;
}

/** Computes one measure for one query. */
export function computeMeasure(m: MeasureSpec, r: JudgedRanking): number {
  const numRet = r.rels.length;
  const k = m.cutoff ?? 0;
  switch (m.family) {
    case "num_q":
      return 1; // a per-query count of 1: summed, it is the number of queries
    case "num_ret":
      return numRet;
    case "num_rel":
      return r.numRel;
    case "num_rel_ret":
      return relRetAt(r, numRet);
    case "num_nonrel_judged_ret":
      return r.rels.filter((x) => x >= 0 && x < r.relevanceLevel).length;
    case "map":
      return apAt(r, numRet);
    case "map_cut":
      return apAt(r, k);
    case "Rprec":
      return r.numRel > 0 ? relRetAt(r, r.numRel) / r.numRel : 0;
    case "bpref":
      return bpref(r);
    case "recip_rank": {
      const i = r.rels.findIndex((x) => x >= r.relevanceLevel);
      return i >= 0 ? 1 / (i + 1) : 0;
    }
    case "ndcg":
      return ndcgAt(r, Number.POSITIVE_INFINITY);
    case "ndcg_cut":
      return ndcgAt(r, k);
    case "set_P":
      return numRet > 0 ? relRetAt(r, numRet) / numRet : 0;
    case "set_recall":
      return r.numRel > 0 ? relRetAt(r, numRet) / r.numRel : 0;
    case "set_F": {
      const rr = relRetAt(r, numRet);
      const p = numRet > 0 ? rr / numRet : 0;
      const rc = r.numRel > 0 ? rr / r.numRel : 0;
      return p + rc > 0 ? (2 * p * rc) / (p + rc) : 0;
    }
    case "P":
      return relRetAt(r, k) / k;
    case "relative_P": {
      const d = Math.min(k, r.numRel);
      return d > 0 ? relRetAt(r, k) / d : 0;
    }
    case "recall":
      return r.numRel > 0 ? relRetAt(r, k) / r.numRel : 0;
    case "success":
      return relRetAt(r, k) > 0 ? 1 : 0;
  }
}
