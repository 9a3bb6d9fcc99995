import { InputError } from "../../util/errors.js";
import { buildBm25IndexSync } from "../../retrieval/bm25/index.js";
import type { TrainModel } from "../train-model.js";
import type { CandidatePool, GrpoRow } from "./data.js";
import { documentIds, padBatch, plainQueryIds, type T1Formats } from "./formats.js";
import { embedPass } from "./policy-pass.js";

/**
 * The candidates GRPO's nDCG@10 reward ranks each trajectory among.
 * - "mined": per query, the top-N documents of the whole pool by a miner (BM25 on the query, or
 *   the current model's `none`-mode query embedding), plus the query's gold documents. Hard,
 *   like retrieval over a corpus, and it costs N + gold document forwards per query per step.
 * - "full": the whole pool, embedded every step (exact, but a forward of every pool document).
 * - "batch": the step's documents (positives + drawn hard negatives): 16–32 mostly unrelated
 *   documents, which saturates at nDCG ≈ 1 after little training (the toy default of old).
 */
export type RewardPoolKind = "mined" | "full" | "batch";
export type PoolMiner = "bm25" | "model";

export interface RewardPoolOptions {
  /** Default "mined" when GrpoData has a pool, else "batch" (no corpus to mine from). */
  rewardPool?: RewardPoolKind;
  /** What mines the top-N. Default "bm25": static, cheap, and lexically hard negatives; "model"
   * embeds the whole pool with the current policy at each refresh (hard for the model itself). */
  poolMiner?: PoolMiner;
  /** N, documents mined per query (gold added on top). Default 32: larger = a harder, less
   * saturating reward, at one document forward more each per query per step. */
  minedPoolSize?: number;
  /** "model" miner: steps between re-mining with the current policy. Default 50; 0 = mine once at
   * the start. A refresh embeds the whole pool (forward only). BM25 pools never change. */
  poolRefreshEvery?: number;
}

/** Resolved reward-pool settings, as saved in the run's options. */
export interface RewardPoolSettings {
  kind: RewardPoolKind;
  miner: PoolMiner;
  size: number;
  refreshEvery: number;
}

export function rewardPoolSettings(o: RewardPoolOptions, hasPool: boolean): RewardPoolSettings {
  const kind = o.rewardPool ?? (hasPool ? "mined" : "batch");
  if (!["mined", "full", "batch"].includes(kind)) throw new InputError(`rewardPool must be "mined", "full" or "batch", got ${JSON.stringify(kind)}`, { field: "rewardPool" });
  if (kind !== "batch" && !hasPool) throw new InputError(`rewardPool "${kind}" needs a candidate pool (GrpoData.pool, --pool FILE)`, { field: "rewardPool" });
  const miner = o.poolMiner ?? "bm25";
  if (miner !== "bm25" && miner !== "model") throw new InputError(`poolMiner must be "bm25" or "model", got ${JSON.stringify(miner)}`, { field: "poolMiner" });
  const size = o.minedPoolSize ?? 32, refreshEvery = o.poolRefreshEvery ?? 50;
  if (!Number.isInteger(size) || size < 1) throw new InputError(`minedPoolSize must be a positive integer, got ${size}`, { field: "minedPoolSize" });
  if (!Number.isInteger(refreshEvery) || refreshEvery < 0) throw new InputError(`poolRefreshEvery must be a non-negative integer, got ${refreshEvery}`, { field: "poolRefreshEvery" });
  return { kind, miner, size, refreshEvery };
}

/** Per row, the pool ids of its top-`n` BM25 documents for the query text. */
export function mineBm25(pool: CandidatePool, rows: readonly GrpoRow[], n: number): number[][] {
  const index = buildBm25IndexSync(pool.ids.map((id, i) => ({ id, text: pool.texts[i] })));
  return rows.map((r) => index.search(r.query, { k: n }).map((d) => pool.byId.get(d.docid)!));
}

/** Per row, the pool ids of the `n` documents closest (cosine) to its `none`-mode query embedding under `m`. */
export function mineWithModel(m: TrainModel, f: T1Formats, poolDocs: readonly number[][], rows: readonly GrpoRow[], n: number): number[][] {
  const C = m.config.hiddenSize;
  const docs = normalizeRows(embedAll(m, poolDocs, f.padId), C);
  const queries = normalizeRows(embedAll(m, rows.map((r) => plainQueryIds(f, r.query, r.instruction)), f.padId), C);
  const D = poolDocs.length;
  return rows.map((_, q) => {
    const scores = new Float64Array(D);
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += queries[q * C + c] * docs[j * C + c];
      scores[j] = s;
    }
    return Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, n);
  });
}

/** A query's reward candidates: mined ∪ gold, in pool order (so ties favour neither). */
export function queryCandidates(mined: readonly number[], gold: readonly number[]): number[] {
  return [...new Set([...mined, ...gold])].sort((a, b) => a - b);
}

/** Pool documents as token ids (the run's instruction), computed once. */
export function poolDocumentIds(f: T1Formats, pool: CandidatePool): number[][] {
  return pool.texts.map((t) => documentIds(f, t));
}

/** Forward-only embeddings of many sequences ending in `<emb_token>`, 16 per batch. */
export function embedAll(m: TrainModel, seqs: readonly (readonly number[])[], padId: number): Float32Array {
  const C = m.config.hiddenSize, out = new Float32Array(seqs.length * C);
  for (let s = 0; s < seqs.length; s += 16) {
    const b = padBatch(seqs.slice(s, s + 16), padId);
    const p = embedPass(m, { B: b.B, T: b.T, ids: b.ids, mask: b.mask }, b.embPositions);
    out.set(p.emb, s * C);
    p.free();
  }
  return out;
}

/** Row-wise L2 normalisation (rows of width C). */
export function normalizeRows(x: Float32Array, C: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length / C; r++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += x[r * C + c] ** 2;
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let c = 0; c < C; c++) y[r * C + c] = x[r * C + c] * inv;
  }
  return y;
}
