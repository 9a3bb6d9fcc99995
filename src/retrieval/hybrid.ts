/**
 * Fusion of ranked lists from different retrievers (e.g. BM25 and dense). Inputs are lists of
 * `{ id, score }` (higher is better); outputs carry the fused score under its own name and keep
 * each input's score for display.
 */
import { InputError } from "../util/errors.js";

export interface RankedItem {
  id: string;
  score: number;
}

/** A named input list, e.g. { name: "bm25", items } or { name: "cosine", items }. */
export interface RankedList {
  name: string;
  items: readonly RankedItem[];
  /** Weight of this list in the fusion. Default 1 (rrf) or see `weightedFusion`. */
  weight?: number;
}

export interface FusedItem {
  id: string;
  /** The fused score under the method's name ("rrf" or "fused"). */
  score: number;
  /** Each input's original score for this id (absent when that list did not return it). */
  sources: Record<string, number>;
  /** 1-based rank in each input list that returned the id. */
  ranks: Record<string, number>;
}

export interface RrfOptions {
  /** RRF constant k in 1/(k + rank). Default 60 (Cormack et al. 2009): larger flattens the head of each list. */
  k?: number;
  /** Results to keep. Default: all ids seen. */
  limit?: number;
}

/** Reciprocal rank fusion: score(d) = Σ_lists weight / (k + rank_list(d)), ranks 1-based. */
export function rrf(lists: readonly RankedList[], opts: RrfOptions = {}): FusedItem[] {
  const k = opts.k ?? 60;
  if (!(k >= 0)) throw new InputError(`rrf: k must be >= 0, got ${k}`);
  const fused = new Map<string, FusedItem>();
  for (const list of lists) {
    const w = list.weight ?? 1;
    rankOf(list).forEach(({ id, score }, i) => {
      const item = entry(fused, id);
      item.score += w / (k + i + 1);
      item.sources[list.name] = score;
      item.ranks[list.name] = i + 1;
    });
  }
  return finish(fused, opts.limit);
}

export type Normalization = "minmax" | "zscore";

export interface WeightedFusionOptions {
  /**
   * Weight α of the FIRST list; the second gets 1 − α. Default 0.5. With more than two lists use
   * each list's `weight` instead.
   */
  alpha?: number;
  /**
   * How each list's scores are put on one scale before mixing. Default "minmax" (to [0,1]; robust
   * for short lists); "zscore" (mean 0, sd 1) is less sensitive to a single outlier at the top.
   */
  normalization?: Normalization;
  /**
   * Normalised score given to an id a list did not return. Default: that list's minimum
   * normalised score (the id is treated as no better than the list's worst result).
   */
  missing?: number;
  /** Results to keep. Default: all ids seen. */
  limit?: number;
}

/** Weighted score fusion: Σ weight_list · normalise(score_list(d)). */
export function weightedFusion(lists: readonly RankedList[], opts: WeightedFusionOptions = {}): FusedItem[] {
  const alpha = opts.alpha ?? 0.5;
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`weighted fusion: alpha must be in [0,1], got ${alpha}`);
  const weights = lists.map((l, i) => l.weight ?? (lists.length === 2 ? (i === 0 ? alpha : 1 - alpha) : 1 / lists.length));
  const norm = opts.normalization ?? "minmax";
  const fused = new Map<string, FusedItem>();
  const normalised = lists.map((l) => normalise(l.items, norm));
  lists.forEach((list, li) => {
    rankOf(list).forEach(({ id, score }, i) => {
      const item = entry(fused, id);
      item.sources[list.name] = score;
      item.ranks[list.name] = i + 1;
    });
  });
  for (const item of fused.values()) {
    lists.forEach((list, li) => {
      const n = normalised[li];
      const v = n.values.get(item.id) ?? opts.missing ?? n.min;
      item.score += weights[li] * v;
    });
  }
  return finish(fused, opts.limit);
}

function rankOf(list: RankedList): RankedItem[] {
  const seen = new Set<string>();
  for (const it of list.items) {
    if (!Number.isFinite(it.score)) throw new InputError(`fusion: list "${list.name}" has a non-finite score for "${it.id}"`);
    if (seen.has(it.id)) throw new InputError(`fusion: list "${list.name}" returns "${it.id}" twice`);
    seen.add(it.id);
  }
  return [...list.items].sort((a, b) => b.score - a.score);
}

function normalise(items: readonly RankedItem[], how: Normalization): { values: Map<string, number>; min: number } {
  const values = new Map<string, number>();
  if (items.length === 0) return { values, min: 0 };
  const s = items.map((i) => i.score);
  if (how === "minmax") {
    const lo = Math.min(...s);
    const hi = Math.max(...s);
    for (const it of items) values.set(it.id, hi > lo ? (it.score - lo) / (hi - lo) : 1);
    return { values, min: hi > lo ? 0 : 1 };
  }
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length);
  for (const it of items) values.set(it.id, sd > 0 ? (it.score - mean) / sd : 0);
  return { values, min: Math.min(...values.values()) };
}

function entry(m: Map<string, FusedItem>, id: string): FusedItem {
  let e = m.get(id);
  if (!e) m.set(id, (e = { id, score: 0, sources: {}, ranks: {} }));
  return e;
}

/** Best first; ties by id so output is deterministic. */
function finish(m: Map<string, FusedItem>, limit?: number): FusedItem[] {
  const out = [...m.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return limit === undefined ? out : out.slice(0, limit);
}
