import type { MeasureSpec } from "./measure-specs.js";
import { NOT_IN_POOL, UNJUDGED, type JudgedRanking } from "./judged-ranking.js";
import { discount, gMeasure, ndcgGains, ndcgRel, rbp, rbpResidual, rndcg } from "./measures-gain.js";

export { parseMeasures, SUPPORTED_FAMILIES, type MeasureFamily, type MeasureSpec } from "./measure-specs.js";

/**
 * trec_eval measures computed for one query, with trec_eval 10's definitions (checked line by line
 * against its test vectors). Each function reads a JudgedRanking: the relevance level of every
 * retrieved document in rank order.
 */

/** trec_eval's floor before taking logs for the geometric-mean measures. */
export const MIN_GEO_MEAN = 0.00001;

/** Ideal DCG over the judged levels (all levels > 0, highest first), cut at k documents. */
function idealDcg(levelCounts: readonly number[], k: number): number {
  let dcg = 0;
  let i = 0;
  for (let lvl = levelCounts.length - 1; lvl > 0 && i < k; lvl--) {
    for (let c = 0; c < (levelCounts[lvl] ?? 0) && i < k; c++, i++) dcg += lvl / discount(i);
  }
  return dcg;
}

/** nDCG with gain = the qrels level (whatever -l says), ideal from the qrels, as trec_eval. */
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

/**
 * Interpolated precision at recall fractions: for fraction f, the c = round(f * numRel)-th relevant
 * document's rank x, and the best precision at any rank >= x (c = 0: the best precision anywhere;
 * c beyond the relevant documents retrieved: 0).
 */
function interpolatedPrecision(r: JudgedRanking, fractions: readonly number[]): number[] {
  const n = r.rels.length;
  if (n === 0) return fractions.map(() => 0);
  const bestFrom = new Array<number>(n + 1).fill(0); // bestFrom[i]: max precision over ranks > i
  const relRanks: number[] = [];
  let found = 0;
  const prec = r.rels.map((rel, i) => {
    if (rel >= r.relevanceLevel) {
      found++;
      relRanks.push(i);
    }
    return found / (i + 1);
  });
  for (let i = n - 1; i >= 0; i--) bestFrom[i] = Math.max(prec[i]!, bestFrom[i + 1]!);
  return fractions.map((f) => {
    const c = r.legacyRecallCutoffs ? Math.trunc(f * r.numRel + 0.9) : Math.round(f * r.numRel);
    if (c === 0) return bestFrom[0]!;
    return c <= relRanks.length ? bestFrom[relRanks[c - 1]!]! : 0;
  });
}

/**
 * Inferred AP (Yilmaz & Aslam): precision above each judged relevant document is estimated from the
 * judged documents above it, documents outside the pool count as nonrelevant, and pooled but
 * unjudged ones (negative qrels levels) are assumed relevant in the judged proportion.
 */
function infAP(r: JudgedRanking): number {
  const EPS = 0.00001;
  let rel = 0;
  let nonrel = 0;
  let pooledUnjudged = 0;
  let sum = 0;
  r.rels.forEach((level, j) => {
    if (level === NOT_IN_POOL) return;
    if (level === UNJUDGED) {
      pooledUnjudged++;
      return;
    }
    if (level < r.relevanceLevel) {
      nonrel++;
      return;
    }
    rel++;
    if (j === 0) sum += 1;
    else sum += 1 / (j + 1) + (j / (j + 1)) * ((rel - 1 + nonrel + pooledUnjudged) / j) * ((rel - 1 + EPS) / (rel - 1 + nonrel + 2 * EPS));
  });
  return r.numRel > 0 ? sum / r.numRel : sum;
}

/**
 * relstring: the judgments of the first n retrieved documents as one character each: the level
 * (">" above 9), "-" outside the pool, "." pooled but unjudged.
 */
export function relString(r: JudgedRanking, n: number): string {
  let s = "";
  for (let i = 0; i < Math.min(n, r.rels.length); i++) {
    const rel = r.rels[i]!;
    s += rel > 9 ? ">" : rel >= 0 ? String(rel) : rel === NOT_IN_POOL ? "-" : rel === UNJUDGED ? "." : "<";
  }
  return s;
}

/** Computes one measure for one query (a gm_ measure returns the base value; the mean takes logs). */
export function computeMeasure(m: MeasureSpec, r: JudgedRanking): number {
  const numRet = r.rels.length;
  const k = m.cutoff ?? 0;
  switch (m.family) {
    case "num_q":
      return 1; // summed, it is the number of queries
    case "num_ret":
      return numRet;
    case "num_rel":
      return r.numRel;
    case "num_rel_ret":
      return relRetAt(r, numRet);
    case "num_nonrel_judged_ret":
      return r.rels.filter((x) => x >= 0 && x < r.relevanceLevel).length;
    case "map":
    case "gm_map":
      return apAt(r, numRet);
    case "map_cut":
      return apAt(r, k);
    case "Rprec":
      return r.numRel > 0 ? relRetAt(r, r.numRel) / r.numRel : 0;
    case "Rprec_mult": {
      // Precision at trunc(f * R + 0.9) documents, as trec_eval rounds it.
      const c = Math.trunc(k * r.numRel + 0.9);
      return c > 0 ? relRetAt(r, c) / c : 0;
    }
    case "bpref":
    case "gm_bpref":
      return bpref(r);
    case "recip_rank": {
      const i = r.rels.findIndex((x) => x >= r.relevanceLevel);
      return i >= 0 ? 1 / (i + 1) : 0;
    }
    case "iprec_at_recall":
      return interpolatedPrecision(r, [k])[0]!;
    case "11pt_avg": {
      const ps = interpolatedPrecision(r, m.params!);
      return ps.reduce((a, b) => a + b, 0) / ps.length;
    }
    case "ndcg":
      return ndcgGains(r, m.pairs);
    case "rbp":
      return rbp(r, m.pairs);
    case "rbp_resid":
      return rbpResidual(r, m.pairs);
    case "G":
      return gMeasure(r, m.pairs);
    case "ndcg_rel":
      return ndcgRel(r, m.pairs);
    case "Rndcg":
      return rndcg(r, m.pairs);
    case "infAP":
      return infAP(r);
    case "binG": {
      // Each relevant document counts 1 / log2(2 + nonrelevant documents ranked above it).
      if (r.numRel === 0) return 0;
      let sum = 0;
      let found = 0;
      r.rels.forEach((rel, i) => {
        if (rel >= r.relevanceLevel) sum += 1 / Math.log2(2 + i - found++);
      });
      return sum / r.numRel;
    }
    case "ndcg_cut":
      return ndcgAt(r, k);
    case "set_P":
      return numRet > 0 ? relRetAt(r, numRet) / numRet : 0;
    case "set_relative_P":
      return numRet > 0 && r.numRel > 0 ? relRetAt(r, numRet) / Math.min(numRet, r.numRel) : 0;
    case "set_recall":
      return r.numRel > 0 ? relRetAt(r, numRet) / r.numRel : 0;
    case "set_map": {
      const rr = relRetAt(r, numRet);
      return numRet > 0 && r.numRel > 0 ? (rr * rr) / (numRet * r.numRel) : 0;
    }
    case "set_F": {
      const rr = relRetAt(r, numRet);
      const p = numRet > 0 ? rr / numRet : 0;
      const rc = r.numRel > 0 ? rr / r.numRel : 0;
      return p + rc > 0 ? (2 * p * rc) / (p + rc) : 0;
    }
    case "utility": {
      const [a, b, c, d] = m.params!;
      const rr = relRetAt(r, numRet);
      const n = r.numDocsInCollection ?? 0;
      return a! * rr + b! * (numRet - rr) + c! * (r.numRel - rr) + d! * (n + rr - numRet - r.numRel);
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
    case "relstring":
      return Number.NaN; // a string measure: see relString
    case "unj": {
      // Documents without a judgment among the top k; missing ranks count as judged.
      let n = 0;
      for (let i = 0; i < Math.min(k, numRet); i++) if (r.rels[i]! < 0) n++;
      return n / k;
    }
  }
}
