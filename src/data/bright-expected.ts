/**
 * Anserini's published BM25 numbers per BRIGHT domain (`expected_scores.tsv`: domain, retriever,
 * ndcg_cut_10, recall_100, recall_1000; `#` comments), which the BRIGHT report prints beside a BM25
 * run so a reader sees at once whether the Lucene BM25 reproduces them.
 */
import { existsSync } from "node:fs";
import { InputError } from "../util/errors.js";
import { sharedPath } from "../util/paths.js";
import { readTextFile } from "./text-file.js";
import { normalizeBrightDomain, type BrightDomain } from "./bright-domains.js";

export interface ExpectedScores {
  file: string;
  /** The file's `#` lines (what was measured, and where it was published). */
  notes: string[];
  scores: Map<BrightDomain, { ndcg_cut_10: number; recall_100: number; recall_1000: number }>;
}

/** Reads the file (default ../shared/data/bright/expected_scores.tsv); undefined when absent. */
export function readBrightExpectedScores(path = sharedPath("data", "bright", "expected_scores.tsv")): ExpectedScores | undefined {
  if (!path || !existsSync(path)) return undefined;
  const out: ExpectedScores = { file: path, notes: [], scores: new Map() };
  let header: string[] | undefined;
  readTextFile(path).split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (!l) return;
    if (l.startsWith("#")) return void out.notes.push(l.slice(1).trim());
    const f = l.split("\t");
    if (!header) return void (header = f);
    const col = (name: string): number => {
      const j = header!.indexOf(name);
      const v = j < 0 ? NaN : Number(f[j]);
      if (!Number.isFinite(v)) throw new InputError(`expected a number in column "${name}"`, { file: path, line: i + 1, field: name });
      return v;
    };
    out.scores.set(normalizeBrightDomain(f[header.indexOf("domain")] ?? ""), { ndcg_cut_10: col("ndcg_cut_10"), recall_100: col("recall_100"), recall_1000: col("recall_1000") });
  });
  return out;
}
