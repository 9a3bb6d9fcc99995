/** Relevance judgments: qid -> docid -> relevance level (0 = judged not relevant). */
export type Qrels = Map<string, Map<string, number>>;

/** One retrieved document with its score (higher is better). */
export interface ScoredDoc {
  docid: string;
  score: number;
}

/** A run: qid -> retrieved documents (any order; measures sort by score as trec_eval does). */
export type Run = Map<string, ScoredDoc[]>;
