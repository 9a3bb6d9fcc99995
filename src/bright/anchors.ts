/**
 * Published BRIGHT rows (nDCG@10 ×100, short documents) that `t1 bright eval` prints beside its own
 * numbers. Source: docs/METHOD.md §5 ("Anchors"), which collects them from the BRIGHT
 * paper (Su et al., arXiv 2407.12883, Table 2: BM25 original and GPT-4 reasoning queries), the
 * Anserini/Pyserini BRIGHT regressions (Lucene BM25 k1=0.9 b=0.4), and the ReasonIR, DIVER,
 * ReasonEmbed and CRE-T1 / MRE-T1 reports (arXiv 2603.17387). Keep this table in step with that file.
 */
import type { BrightDomain } from "../data/bright-domains.js";

export interface BrightAnchor {
  /** Short stable key, e.g. "bm25-paper". */
  key: string;
  system: string;
  /** Query setting the row was measured with: "original", "GPT-4 reasoning", "rewritten". */
  query: string;
  /** Per domain nDCG@10 ×100, in BRIGHT_DOMAINS order. */
  scores: Record<BrightDomain, number>;
  /** The published average (×100) over the 12 domains. */
  average: number;
  source: string;
}

const ORDER: BrightDomain[] = [
  "biology", "earth_science", "economics", "psychology", "robotics", "stackoverflow", "sustainable_living",
  "leetcode", "pony", "aops", "theoremqa_questions", "theoremqa_theorems",
];

function row(key: string, system: string, query: string, values: number[], average: number, source: string): BrightAnchor {
  if (values.length !== ORDER.length) throw new Error(`anchor ${key}: expected ${ORDER.length} values`);
  return { key, system, query, scores: Object.fromEntries(ORDER.map((d, i) => [d, values[i]!])) as Record<BrightDomain, number>, average, source };
}

const METHOD = "docs/METHOD.md §5";

/** The anchor rows of docs/METHOD.md §5, in its order. */
export const BRIGHT_ANCHORS: readonly BrightAnchor[] = [
  row("bm25-paper", "BM25 (BRIGHT paper)", "original", [18.9, 27.2, 14.9, 12.5, 13.6, 18.4, 15.0, 24.4, 7.9, 6.2, 10.4, 4.9], 14.5, `${METHOD}; BRIGHT paper (arXiv 2407.12883) Table 2`),
  row("bm25-anserini", "BM25 (Anserini, Lucene k1=0.9 b=0.4)", "original", [18.2, 27.9, 16.5, 13.4, 10.9, 16.3, 16.1, 24.7, 4.3, 6.5, 7.3, 2.1], 13.7, `${METHOD}; Anserini BRIGHT regressions`),
  row("bm25-gpt4", "BM25", "GPT-4 reasoning", [53.6, 54.1, 24.3, 38.7, 18.9, 27.7, 26.3, 19.3, 17.6, 3.9, 19.2, 20.8], 27.0, `${METHOD}; BRIGHT paper (arXiv 2407.12883)`),
  row("reasonir-8b", "ReasonIR-8B", "original", [26.2, 31.4, 23.3, 30.0, 18.0, 23.9, 20.5, 35.0, 10.5, 14.7, 31.9, 27.2], 24.4, `${METHOD}; ReasonIR report`),
  row("diver-4b", "DIVER-Retriever-4B", "original", [41.8, 43.7, 21.7, 35.3, 21.0, 21.2, 25.1, 37.6, 13.2, 10.7, 38.4, 37.3], 28.9, `${METHOD}; DIVER report`),
  row("reasonembed-4b", "ReasonEmbed-Qwen3-4B", "original", [55.4, 54.5, 34.9, 46.9, 34.0, 36.1, 37.4, 34.5, 13.6, 11.3, 41.4, 45.1], 37.1, `${METHOD}; ReasonEmbed report`),
  row("mre-t1", "MRE-T1 (T1 family, 4B)", "original", [55.3, 56.5, 32.9, 48.2, 33.1, 34.2, 37.3, 35.0, 35.5, 16.7, 43.3, 46.9], 39.6, `${METHOD}; CRE-T1 report (arXiv 2603.17387)`),
  row("diver-v3", "DIVER v3 pipeline (expand + rerank)", "rewritten", [66.0, 63.7, 42.4, 55.0, 40.6, 44.7, 50.4, 32.5, 47.3, 17.2, 46.4, 55.6], 46.8, `${METHOD}; DIVER report`),
];

/** Anchors the HTML report draws in its bar chart next to our numbers (the others are in its table). */
export const CHART_ANCHORS = ["bm25-paper", "bm25-anserini", "mre-t1"] as const;

export function brightAnchor(key: string): BrightAnchor | undefined {
  return BRIGHT_ANCHORS.find((a) => a.key === key);
}
