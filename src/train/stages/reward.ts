import { ndcgAt10 } from "./grpo-math.js";
import { normalizeRows } from "./reward-pool.js";

/** Where one query's trajectories are ranked, and what counts as gold. */
export interface RewardQuery {
  /** Rows of the candidate matrix this query is ranked among; null = every row. */
  candidates: readonly number[] | null;
  /** Rows of the candidate matrix that are gold documents of the query. */
  gold: readonly number[];
  /** Rows of the step's document matrix holding the query's positives (the cosine shaping term). */
  positiveCols: readonly number[];
}

export interface RewardSettings {
  alpha: number;
  lenPen: number;
  maxTok: number;
}

/**
 * reward = nDCG@10 of the query's gold documents among its candidates + α · max cosine to its
 * positives − lengthPenalty · tokens / maxReasoningTokens, for BG = queries × G trajectories
 * (query-major). traj (BG, C), candidates (N, C), docs (D, C): raw embeddings.
 */
export function trajectoryRewards(
  traj: Float32Array, candidates: Float32Array, queries: readonly RewardQuery[], docs: Float32Array, G: number, C: number, lengths: readonly number[], o: RewardSettings,
): { rewards: number[]; ndcg: number[]; cosine: number[] } {
  const q = normalizeRows(traj, C), cand = normalizeRows(candidates, C), d = normalizeRows(docs, C);
  const nCand = cand.length / C, BG = q.length / C;
  const dot = (a: Float32Array, i: number, b: Float32Array, j: number) => {
    let s = 0;
    for (let c = 0; c < C; c++) s += a[i * C + c] * b[j * C + c];
    return s;
  };
  const rewards: number[] = [], ndcg: number[] = [], cosine: number[] = [];
  for (let b = 0; b < BG; b++) {
    const rq = queries[Math.floor(b / G)];
    const rowsOf = rq.candidates ?? Array.from({ length: nCand }, (_, j) => j);
    const scores = Float64Array.from(rowsOf, (j) => dot(q, b, cand, j));
    const goldRows = new Set(rq.gold);
    const gold = new Set<number>();
    rowsOf.forEach((j, i) => goldRows.has(j) && gold.add(i));
    const nd = ndcgAt10(scores, gold);
    let best = -1;
    for (const col of rq.positiveCols) best = Math.max(best, dot(q, b, d, col));
    ndcg.push(nd);
    cosine.push(best);
    rewards.push(nd + o.alpha * best - o.lenPen * (lengths[b] / o.maxTok));
  }
  return { rewards, ndcg, cosine };
}

/**
 * Per step, the fraction of groups that teach nothing: zero variance (every reward equal, so every
 * advantage is 0) and saturated (every trajectory already puts the gold on top: nDCG@10 = 1). A
 * rate near 1 means the pool is too easy or the group too uniform.
 */
export function groupSignalRates(rewards: readonly number[], ndcg: readonly number[], G: number): { zeroVarianceGroups: number; saturatedGroups: number } {
  let zero = 0, saturated = 0;
  const groups = rewards.length / G;
  for (let g = 0; g < groups; g++) {
    const r = rewards.slice(g * G, g * G + G), mean = r.reduce((a, b) => a + b, 0) / G;
    if (Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / G) < 1e-8) zero++;
    if (ndcg.slice(g * G, g * G + G).every((x) => x >= 1 - 1e-12)) saturated++;
  }
  return { zeroVarianceGroups: groups ? zero / groups : 0, saturatedGroups: groups ? saturated / groups : 0 };
}
