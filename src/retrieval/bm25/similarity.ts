/**
 * The two BM25 formulas t1 reproduces, each with its source's floating-point behaviour.
 *
 * lucene (Lucene 8 BM25Similarity, as Anserini/Pyserini search): per query term t with count c,
 *   weight = f32(c · idf),  idf = f32(ln(1 + (N − df + 0.5)/(df + 0.5)))  with N = docs having a term
 *   score  = weight − weight / (1 + tf · cache[norm])                      (all in float32)
 *   cache[i] = 1 / (k1 · ((1 − b) + b · LENGTH_TABLE[i] / avgdl)),  avgdl = f32(sumTotalTermFreq / N)
 * which equals weight · tf / (tf + k1·(1 − b + b·dl/avgdl)): Lucene 8 dropped the (k1 + 1) factor,
 * and dl is the norm-decoded (lossy) length. Per-term scores are summed in double, then cast to float.
 *
 * bright-gensim (gensim LuceneBM25Model + SparseMatrixSimilarity, BRIGHT's retrievers.py):
 *   w(t, x) = idf · tf / (tf + k1·(1 − b + b·|x|/avgdl)),  idf = ln(N + 1) − ln(df + 0.5)
 * applied to documents (|x| = exact token count) AND to the query (tf = query count, |x| = number of
 * query tokens that are in the dictionary); N counts every document (empty ones too),
 * avgdl = total tokens / N. score = Σ_t w(t, q) · w(t, d): weights rounded to float32, products and
 * the running sum in float32, terms summed in gensim Dictionary id order (scipy's sparse product
 * order), which makes scores bit-equal to gensim + scipy (test/retrieval/bm25-gensim.test.ts).
 * Analysis is Lucene 8's EnglishAnalyzer; BRIGHT ran Pyserini's (Anserini DefaultEnglishAnalyzer:
 * the same filter chain on a newer Lucene's StandardTokenizer).
 */
import { LENGTH_TABLE } from "./lucene-norms.js";

const f32 = Math.fround;

/** Lucene 8 BM25Similarity.idf: computed in double, returned as float. */
export function luceneIdf(docFreq: number, docCount: number): number {
  return f32(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/** Lucene 8 BM25Similarity.avgFieldLength. */
export function luceneAvgdl(sumTotalTermFreq: number, docCount: number): number {
  return f32(sumTotalTermFreq / docCount);
}

/** The 256-entry inverse-norm cache Lucene's BM25Scorer precomputes for one (k1, b, avgdl). */
export function luceneNormCache(k1: number, b: number, avgdl: number): Float32Array {
  const k = f32(k1), bb = f32(b), avg = f32(avgdl);
  const oneMinusB = f32(1 - bb);
  const cache = new Float32Array(256);
  for (let i = 0; i < 256; i++) {
    cache[i] = f32(1 / f32(k * f32(oneMinusB + f32(f32(bb * LENGTH_TABLE[i]!) / avg))));
  }
  return cache;
}

/** One term's contribution: BM25Scorer.score(freq, norm) with `normInverse = cache[norm]`. */
export function luceneTermScore(weight: number, freq: number, normInverse: number): number {
  return f32(weight - f32(weight / f32(1 + f32(freq * normInverse))));
}

/** gensim LuceneBM25Model.precompute_idfs (double precision). */
export function gensimIdf(docFreq: number, numDocs: number): number {
  return Math.log(numDocs + 1) - Math.log(docFreq + 0.5);
}

/** gensim LuceneBM25Model.get_term_weights for one term (double; callers store it as float32). */
export function gensimTermWeight(idf: number, tf: number, numTokens: number, avgdl: number, k1: number, b: number): number {
  return idf * (tf / (tf + k1 * (1 - b + (b * numTokens) / avgdl)));
}
