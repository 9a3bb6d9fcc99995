import type { JudgedRanking } from "./judged-ranking.js";

/**
 * The gain-based trec_eval measures: ndcg with custom gains, rbp, and the experimental G,
 * ndcg_rel and Rndcg, each following trec_eval 10's definitions (checked against its vectors).
 */

type Pairs = ReadonlyMap<string, number> | undefined;

/** DCG discount of trec_eval 9+: the document at 0-based position i is divided by log2(i + 2). */
export function discount(i: number): number {
  return Math.log2(i + 2);
}

/**
 * Gains per relevance level, as trec_eval sets them up: the level itself unless a `level=gain`
 * parameter says otherwise; unjudged documents gain 0. The ideal ranking takes the judged documents
 * by decreasing gain (trec_eval compares gains after truncating their difference to an int, so its
 * ideal can differ when custom gains lie less than 1 apart; this one sorts exactly).
 */
export function gainTable(r: JudgedRanking, pairs: Pairs): { gain: (level: number) => number | undefined; levels: { gain: number; count: number }[] } {
  const byLevel = new Map<number, { gain: number; count: number }>();
  for (const [name, g] of pairs ?? []) if (/^-?\d+$/.test(name)) byLevel.set(Number(name), { gain: g, count: 0 });
  for (let lvl = 0; lvl < r.levelCounts.length; lvl++) {
    const e = byLevel.get(lvl);
    if (e) e.count = r.levelCounts[lvl]!;
    else byLevel.set(lvl, { gain: lvl, count: r.levelCounts[lvl]! });
  }
  return { gain: (level) => byLevel.get(level)?.gain, levels: [...byLevel.values()].sort((a, b) => b.gain - a.gain) };
}

/** ndcg (no cutoff) with optional custom gains; 0 when no judged document has a positive gain. */
export function ndcgGains(r: JudgedRanking, pairs: Pairs): number {
  const { gain, levels } = gainTable(r, pairs);
  let dcg = 0;
  for (let i = 0; i < r.rels.length; i++) {
    const g = gain(r.rels[i]!) ?? 0;
    if (g !== 0) dcg += g / discount(i);
  }
  let ideal = 0;
  let i = 0;
  for (const { gain: g, count } of levels) {
    if (g <= 0) break;
    for (let c = 0; c < count; c++, i++) ideal += g / discount(i);
  }
  return ideal > 0 ? dcg / ideal : 0;
}

/** Rank-biased precision (Moffat & Zobel) with persistence p; gains rescaled into [0, 1] when needed. */
export function rbp(r: JudgedRanking, pairs: Pairs): number {
  const p = pairs?.get("p") ?? 0.9;
  const { gain, levels } = gainTable(r, pairs);
  const min = Math.min(...levels.map((l) => l.gain));
  const max = Math.max(...levels.map((l) => l.gain));
  const scale = min < 0 || max > 1 ? (g: number) => (g - min) / (max - min) : (g: number) => g;
  let sum = 0;
  let weight = 1;
  for (const rel of r.rels) {
    // A level without a gain (unjudged) counts 0 and is not rescaled, as in trec_eval.
    const raw = gain(rel);
    const g = raw === undefined ? 0 : scale(raw);
    sum += g * weight;
    weight *= p;
  }
  return (1 - p) * sum;
}

/** RBP's residual: the most RBP could rise if every unjudged retrieved document (and the tail) were relevant. */
export function rbpResidual(r: JudgedRanking, pairs: Pairs): number {
  const p = pairs?.get("p") ?? 0.9;
  let sum = 0;
  let weight = 1;
  let unjudged = 0;
  for (const rel of r.rels) {
    if (rel < 0) {
      unjudged++;
      sum += weight;
    }
    weight *= p;
  }
  return unjudged > 0 ? weight + (1 - p) * sum : 0;
}


/** The ideal ranking's gains: every judged document with a positive gain, highest first. */
function idealGains(r: JudgedRanking, pairs: Pairs): number[] {
  const out: number[] = [];
  for (const { gain, count } of gainTable(r, pairs).levels) {
    if (gain <= 0) break;
    for (let c = 0; c < count; c++) out.push(gain);
  }
  return out;
}

/** Per-rank gains of the retrieved documents (0 for levels without a gain). */
function resultGains(r: JudgedRanking, pairs: Pairs): number[] {
  const { gain } = gainTable(r, pairs);
  return r.rels.map((rel) => gain(rel) ?? 0);
}

/**
 * G: each retrieved document adds gain / log2(2 + cost so far - gain so far), where the cost of a
 * rank is the ideal gain there (at least 1); normalised by the total ideal gain.
 */
export function gMeasure(r: JudgedRanking, pairs: Pairs): number {
  const ideal = idealGains(r, pairs);
  const gains = resultGains(r, pairs);
  const totalIdeal = ideal.reduce((a, b) => a + b, 0);
  let sumResults = 0;
  let sumCost = 0;
  let g = 0;
  gains.forEach((gain, i) => {
    sumResults += gain;
    sumCost += Math.max(ideal[i] ?? 0, 1);
    if (gain !== 0) g += gain / Math.log2(2 + sumCost - sumResults);
  });
  return totalIdeal > 0 ? g / totalIdeal : 0;
}

/** Prefix sums of the ideal DCG: idealDcg[i] covers ranks 0..i (the total beyond the ideal's end). */
function idealDcgPrefix(ideal: number[], n: number): number[] {
  const out: number[] = [];
  let dcg = 0;
  for (let i = 0; i < n; i++) {
    if (i < ideal.length) dcg += ideal[i]! / discount(i);
    out.push(dcg);
  }
  return out;
}

/**
 * ndcg_rel: nDCG averaged over the relevant (positive-gain) documents: at the rank of each one
 * retrieved, and at the end of the ranking (full DCG over full ideal) for each one missed.
 */
export function ndcgRel(r: JudgedRanking, pairs: Pairs): number {
  const ideal = idealGains(r, pairs);
  const gains = resultGains(r, pairs);
  if (ideal.length === 0) return 0;
  const prefix = idealDcgPrefix(ideal, Math.max(gains.length, ideal.length));
  let dcg = 0;
  let sum = 0;
  let found = 0;
  gains.forEach((gain, i) => {
    if (gain !== 0) dcg += gain / discount(i);
    if (gain > 0) {
      sum += dcg / prefix[i]!;
      found++;
    }
  });
  sum += ((ideal.length - found) * dcg) / prefix[prefix.length - 1]!;
  return sum > 0 ? sum / ideal.length : 0;
}

/**
 * Rndcg: nDCG averaged at the ranks where the ideal gain changes (the R levels of each gain, and
 * where it drops to 0), plus once at the end of a ranking that runs more than one document past
 * the ideal's end, as trec_eval 10 does.
 */
export function rndcg(r: JudgedRanking, pairs: Pairs): number {
  if (r.numRel === 0) return 0;
  const ideal = idealGains(r, pairs);
  const gains = resultGains(r, pairs);
  if (ideal.length === 0) return 0;
  const n = Math.max(gains.length, ideal.length + 1);
  const dcgAt: number[] = []; // DCG of the first i retrieved documents, i = 0..n
  let dcg = 0;
  for (let i = 0; i <= n; i++) {
    dcgAt.push(dcg);
    if (i < gains.length && gains[i] !== 0) dcg += gains[i]! / discount(i);
  }
  const idealAt: number[] = [];
  let idcg = 0;
  for (let i = 0; i <= n; i++) {
    idealAt.push(idcg);
    if (i < ideal.length) idcg += ideal[i]! / discount(i);
  }
  let sum = 0;
  let points = 0;
  for (let i = 1; i <= ideal.length; i++) {
    const before = ideal[i - 1]!;
    const now = ideal[i] ?? 0;
    if (now !== before && idealAt[i]! > 0) {
      sum += dcgAt[Math.min(i, gains.length)]! / idealAt[i]!;
      points++;
    }
  }
  if (gains.length > ideal.length + 1) {
    sum += dcgAt[gains.length]! / idealAt[ideal.length]!;
    points++;
  }
  return points > 0 ? sum / points : 0;
}
