/** A document of a corpus. `text` is the full text to index (title already joined in, if any). */
export interface Document {
  id: string;
  text: string;
  title?: string;
}

/** A query (topic). */
export interface Query {
  id: string;
  text: string;
}

/** A test collection: documents, queries and relevance judgments. */
export interface Collection {
  name: string;
  documents: Document[];
  queries: Query[];
  qrels: Qrels;
}

/** Relevance judgments: qid -> docid -> relevance level (0 = judged not relevant). */
export type Qrels = Map<string, Map<string, number>>;

/** One retrieved document with its score (higher is better). */
export interface ScoredDoc {
  docid: string;
  score: number;
}

/** A run: qid -> retrieved documents (any order; measures sort by score as trec_eval does). */
export type Run = Map<string, ScoredDoc[]>;
