/**
 * What the generated reasoning looks like: its length distribution, and how often it states the
 * correct answer entity (the testbed row's "answer" when it has one, else the first positive
 * document's title or first content word). Also the shuffled-reasoning control's pairing.
 */
import type { Document } from "../data/types.js";
import type { TestbedQuery } from "./testbed.js";

const STOP = new Set(["the", "a", "an", "of", "in", "on", "to", "is", "are", "was", "and", "or", "for", "with", "by", "at", "as", "it", "this", "that"]);

/** The entity a correct reasoning should name. */
export function answerEntity(q: TestbedQuery, corpus: ReadonlyMap<string, Document>): string {
  if (q.answer && q.answer.trim()) return q.answer.trim();
  const doc = corpus.get(q.positives[0]!);
  if (!doc) return "";
  if (doc.title && doc.title.trim()) return doc.title.trim();
  const words = doc.text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
  return words.find((w) => w.length > 1 && !STOP.has(w.toLowerCase())) ?? words[0] ?? "";
}

/** True when `text` contains `entity` as a whole word or phrase (case-insensitive). */
export function statesEntity(text: string, entity: string): boolean {
  if (!entity) return false;
  const esc = entity.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}])${esc}($|[^\\p{L}\\p{N}])`, "iu").test(text);
}

export interface LengthStats {
  n: number;
  mean: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  /** Counts per bin of `binWidth` tokens, from 0. */
  histogram: number[];
  binWidth: number;
}

export function lengthStats(lengths: readonly number[], binWidth = 8): LengthStats {
  const xs = [...lengths].sort((a, b) => a - b);
  const n = xs.length;
  const q = (p: number) => (n ? xs[Math.min(n - 1, Math.floor(p * (n - 1) + 0.5))]! : 0);
  const histogram: number[] = [];
  for (const x of xs) {
    const b = Math.floor(x / binWidth);
    while (histogram.length <= b) histogram.push(0);
    histogram[b]!++;
  }
  return { n, mean: n ? xs.reduce((a, b) => a + b, 0) / n : 0, min: xs[0] ?? 0, p25: q(0.25), median: q(0.5), p75: q(0.75), max: xs[n - 1] ?? 0, histogram, binWidth };
}

export interface AnswerRate {
  overall: number;
  perFamily: Record<string, number>;
}

export function answerRate(reasoning: Record<string, { text: string }>, queries: readonly TestbedQuery[], corpus: ReadonlyMap<string, Document>): AnswerRate {
  const hit = (q: TestbedQuery) => (statesEntity(reasoning[q.id]?.text ?? "", answerEntity(q, corpus)) ? 1 : 0);
  const rate = (qs: readonly TestbedQuery[]) => (qs.length ? qs.reduce((a, q) => a + hit(q), 0) / qs.length : 0);
  const families = [...new Set(queries.map((q) => q.family))].sort();
  return { overall: rate(queries), perFamily: Object.fromEntries(families.map((f) => [f, rate(queries.filter((q) => q.family === f))])) };
}

/**
 * For each query, the gold reasoning of ANOTHER query of the same split whose reasoning has the
 * closest length in words (sharing no positive document with it), so the control adds as many
 * tokens as the real reasoning but not its content. Ties go to the next query in a rotation that
 * starts after the query itself, so no two queries simply swap.
 */
export function shuffledReasoning(queries: readonly TestbedQuery[]): Record<string, string> {
  const len = queries.map((q) => q.reasoning.split(/\s+/).filter(Boolean).length);
  const out: Record<string, string> = {};
  queries.forEach((q, i) => {
    const gold = new Set(q.positives);
    let best = -1, bestDiff = Infinity;
    for (let s = 1; s < queries.length; s++) {
      const j = (i + s) % queries.length;
      if (queries[j]!.positives.some((p) => gold.has(p))) continue;
      const d = Math.abs(len[j]! - len[i]!);
      if (d < bestDiff) {
        bestDiff = d;
        best = j;
      }
    }
    out[q.id] = best >= 0 ? queries[best]!.reasoning : "";
  });
  return out;
}
