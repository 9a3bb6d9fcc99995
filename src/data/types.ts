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
  qrels: import("../eval/types.js").Qrels;
}
