/** Options and result types of the dense index API (see dense-index.ts). */
import type { HnswParams, IndexExpectation, IndexKind, VectorDType } from "./manifest.js";

/** One search result. `cosine` is the cosine similarity of the L2-normalised vectors. */
export interface IndexHit {
  id: string;
  cosine: number;
}

export interface SearchOptions {
  /** Results per query. Default 10. */
  k?: number;
  /**
   * For hnsw indexes: scan exactly instead of walking the graph. Default false. Exact search is
   * the ground truth (and the fallback for tiny indexes), at the cost of reading every vector.
   */
  exact?: boolean;
}

export interface CreateIndexOptions {
  /** "flat" (default): exact scan, no build cost, time linear in the corpus. "hnsw": sub-linear approximate search, slower adds, extra memory. */
  kind?: IndexKind;
  dims: number;
  /** Embedding model identifier, checked when the index is opened for searching. */
  model: string;
  /** Document-side instruction, checked like the model. Default "". */
  instruction?: string;
  /** Row storage: "f32" (default, exact) or "f16" (half the memory and scan bandwidth, ~1e-3 relative error). */
  dtype?: VectorDType;
  /** HNSW graph parameters (kind "hnsw" only). Defaults: connectivity 16, expansionAdd 128, expansionSearch 64. */
  hnsw?: Partial<HnswParams>;
  /** Free-form metadata kept in the manifest. */
  meta?: Record<string, unknown>;
  /** Replace an existing index in `dir`. Default false: an existing index is an error. */
  overwrite?: boolean;
}

export interface OpenIndexOptions extends IndexExpectation {
  /** Verify the SHA-256 of every data file. Default true; false opens large indexes faster. */
  verify?: boolean;
  /** Override the stored HNSW expansionSearch (recall/latency knob) for this session. */
  expansionSearch?: number;
}
