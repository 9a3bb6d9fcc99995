import type { BrightDomain } from "../data/bright-domains.js";

/* What a BRIGHT evaluation produces (results.json and the per-domain records): written by harness.ts,
 * drawn by report-html.ts. */

/** The measures every domain reports (trec_eval names), nDCG@10 first. */
export const BRIGHT_MEASURES = ["ndcg_cut.10", "recall.100", "recall.1000"] as const;
/** Keys of those measures in results (as trec_eval prints them). */
export const BRIGHT_METRIC_KEYS = ["ndcg_cut_10", "recall_100", "recall_1000"] as const;
export type BrightMetrics = Record<(typeof BRIGHT_METRIC_KEYS)[number], number>;

/** Per-domain record: RESULTS_DIR/domains/<domain>.json and an entry of results.json's `domains`. */
export interface BrightDomainResult {
  domain: BrightDomain;
  /** The settings this domain was computed under; a rerun with others recomputes it. */
  settingsKey: string;
  queries: number;
  /** Queries with gold ids that the run answers (what the mean divides by, as pytrec_eval). */
  evaluatedQueries: number;
  documents: number;
  instruction: { query: string | null; document: string | null };
  exclusions: {
    /** excluded_ids listed in the query rows ("N/A" skipped). */
    listedInExamples: number;
    /** Ids listed by the extra files for any query (before merging duplicates and keeping the evaluated queries). */
    listedInFiles: number;
    files: string[];
    /** Distinct (query, doc) exclusions applied to the evaluated queries. */
    applied: number;
    queriesWithExclusions: number;
    /** Excluded documents that ranked inside the top k before exclusion: removed, so lower-ranked documents moved up. */
    dropped: number;
    /** Queries with at least one such document. */
    queriesAffected: number;
    /** Excluded documents removed from the candidate lists (depth k + the query's exclusions), a superset of `dropped`. */
    removedFromCandidates: number;
  };
  metrics: BrightMetrics;
  /** nDCG@10 of each evaluated query (qid order as trec_eval), for per-query comparisons. */
  perQueryNdcg10: Record<string, number>;
  /** Run file, relative to RESULTS_DIR. */
  run: string;
  /** Lines in the run file. */
  runDocuments: number;
  index: { path: string; reused: boolean; seconds: number };
  details: Record<string, unknown>;
  seconds: number;
  finishedAt: string;
}

export interface BrightEvalResults {
  t1Version: string;
  timestamp: string;
  command: string;
  protocol: Record<string, unknown>;
  domains: BrightDomainResult[];
  /** Mean over the evaluated domains of each measure (BRIGHT's "Avg" is this macro average). */
  average: BrightMetrics;
  /** Domains in the average (the published Avg is over all 12). */
  averageOver: number;
  /** Domains skipped because a finished record was found (resume). */
  resumed: string[];
  files: { json: string; tsv: string; html: string };
}
