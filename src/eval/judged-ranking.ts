/* What every measure reads (measures.ts and measures-gain.ts); judgeRanking in evaluate.ts builds it. */

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
  /** Collection size for utility's "missed nonrelevant" term (trec_eval -N). Default 0. */
  numDocsInCollection?: number;
  /**
   * trec_eval 9 (which pytrec_eval bundles) turned recall fractions into document counts as
   * trunc(f * R + 0.9); trec_eval 10 rounds. Default false (trec_eval 10).
   */
  legacyRecallCutoffs?: boolean;
}
