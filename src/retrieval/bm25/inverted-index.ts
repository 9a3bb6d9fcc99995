/**
 * A BM25 inverted index held in typed arrays (the same arrays whether freshly built or opened from
 * disk) and exhaustive OR search: every document containing any query term is scored exactly, then a
 * top-k heap keeps the best. Scores are named `bm25` (higher is better).
 */
import { T1Error } from "../../util/errors.js";
import type { ScoredDoc } from "../../data/types.js";
import { analyzeEnglish, LUCENE_ENGLISH_ANALYZER } from "./analyzer.js";
import { intToByte4 } from "./lucene-norms.js";
import { readBm25File, writeBm25File, type Bm25Arrays, type Bm25Header, type Bm25Variant, type DecodeOptions } from "./index-format.js";
import { gensimIdf, gensimTermWeight, luceneAvgdl, luceneIdf, luceneNormCache } from "./similarity.js";
import { TopK } from "../top-k.js";

export type { Bm25Variant } from "./index-format.js";

/** What a search scores with. Defaults come from the index (set at build time). */
export interface Bm25SearchOptions {
  /** Number of documents to return. Default 1000 (BRIGHT/TREC depth); smaller is faster to sort and print. */
  k?: number;
  /** Term-frequency saturation. Default: the index's (0.9 unless built otherwise); higher lets repeated terms count more. */
  k1?: number;
  /** Length normalisation in [0, 1]. Default: the index's (0.4); higher penalises long documents more. */
  b?: number;
  /** Scoring formula. Default: the index's ("lucene"); "bright-gensim" reproduces BRIGHT's official BM25 scores. */
  variant?: Bm25Variant;
  /**
   * bright-gensim only: fill the ranking up to k with zero-score documents in corpus order, as BRIGHT's
   * script does (it ranks every document). Default false: only documents sharing a term are returned.
   */
  padWithZeros?: boolean;
  /** Document ids never returned (e.g. BRIGHT's excluded_ids). Default none. */
  exclude?: ReadonlySet<string>;
}

const textDecoder = new TextDecoder();

export class Bm25Index {
  /** The score name every hit carries. */
  readonly scoreName = "bm25";
  private normCacheKey = "";
  private normCache: Float32Array | undefined;
  private norms: Uint8Array | undefined;
  private accum: Float64Array | undefined;
  private docIdCache: (string | undefined)[] | undefined;
  private idToDoc: Map<string, number> | undefined;

  constructor(
    readonly header: Omit<Bm25Header, "sections">,
    readonly arrays: Bm25Arrays,
  ) {}

  get numDocs(): number {
    return this.header.numDocs;
  }
  get numTerms(): number {
    return this.header.numTerms;
  }

  /** The external id of document number `doc`. */
  docId(doc: number): string {
    const cache = (this.docIdCache ??= new Array<string | undefined>(this.numDocs));
    let id = cache[doc];
    if (id === undefined) {
      const o = this.arrays.docIdOffsets;
      id = textDecoder.decode(this.arrays.docIdBytes.subarray(o[doc]!, o[doc + 1]!));
      cache[doc] = id;
    }
    return id;
  }

  /** The term's number, or -1: binary search over the sorted term dictionary. */
  termNumber(term: string): number {
    const { termOffsets, termBytes } = this.arrays;
    let lo = 0;
    let hi = this.numTerms - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = textDecoder.decode(termBytes.subarray(termOffsets[mid]!, termOffsets[mid + 1]!));
      if (t === term) return mid;
      if (t < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  docFreq(term: string): number {
    const t = this.termNumber(term);
    return t < 0 ? 0 : this.arrays.docFreqs[t]!;
  }

  /** Calls fn(doc, tf) for each posting of term number `t`, doc numbers ascending. */
  forEachPosting(t: number, fn: (doc: number, tf: number) => void): void {
    const p = this.arrays.postings;
    let pos = this.arrays.postingOffsets[t]!;
    const end = this.arrays.postingOffsets[t + 1]!;
    let doc = 0;
    while (pos < end) {
      let v = 0, shift = 0, byte: number;
      do {
        byte = p[pos++]!;
        v += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      doc += v;
      let tf = 0;
      shift = 0;
      do {
        byte = p[pos++]!;
        tf += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      fn(doc, tf);
    }
  }

  private luceneCache(k1: number, b: number): Float32Array {
    const key = `${k1}/${b}`;
    if (this.normCacheKey !== key || !this.normCache) {
      this.normCache = luceneNormCache(k1, b, luceneAvgdl(this.header.sumTotalTermFreq, this.header.docCount));
      this.normCacheKey = key;
    }
    return this.normCache;
  }

  private normBytes(): Uint8Array {
    if (!this.norms) {
      const lens = this.arrays.docLengths;
      const norms = new Uint8Array(lens.length);
      for (let i = 0; i < lens.length; i++) norms[i] = intToByte4(lens[i]!);
      this.norms = norms;
    }
    return this.norms;
  }

  /** Ranks documents for a query string (analyzed with the index's analyzer). */
  search(query: string, opts: Bm25SearchOptions = {}): ScoredDoc[] {
    return this.searchTerms(analyzeEnglish(query), opts);
  }

  /** Ranks documents for already-analyzed query terms (duplicates count, as a boost = count). */
  searchTerms(terms: readonly string[], opts: Bm25SearchOptions = {}): ScoredDoc[] {
    const k = opts.k ?? 1000;
    if (!Number.isInteger(k) || k < 0) throw new T1Error("BAD_INPUT", `search k must be a non-negative integer, got ${k}`);
    const k1 = opts.k1 ?? this.header.k1;
    const b = opts.b ?? this.header.b;
    const variant = opts.variant ?? this.header.variant;
    const counts = new Map<number, number>();
    for (const term of terms) {
      const t = this.termNumber(term);
      if (t >= 0) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const accum = (this.accum ??= new Float64Array(this.numDocs));
    const touched: number[] = [];
    if (variant === "lucene") this.scoreLucene(counts, k1, b, accum, touched);
    else if (variant === "bright-gensim") this.scoreGensim(counts, k1, b, accum, touched);
    else throw new T1Error("BAD_INPUT", `unknown BM25 variant "${String(variant)}" (expected "lucene" or "bright-gensim")`);

    const exclude = opts.exclude;
    const excluded = new Set<number>();
    if (exclude) for (const id of exclude) excluded.add(this.docNumber(id));
    const top = new TopK(k);
    for (const doc of touched) {
      // Lucene sums per-term floats in double and returns a float; gensim sums in float32 already.
      const s = Math.fround(accum[doc]!);
      accum[doc] = 0;
      if (excluded.size > 0 && excluded.has(doc)) continue;
      top.push(s, doc);
    }
    const hits = top.sorted().map(({ row, score }) => ({ docid: this.docId(row), score }));
    if (variant === "bright-gensim" && opts.padWithZeros && hits.length < k) {
      const seen = new Set(hits.map((h) => h.docid));
      for (let d = 0; d < this.numDocs && hits.length < k; d++) {
        const id = this.docId(d);
        if (!seen.has(id) && !(exclude && exclude.has(id))) hits.push({ docid: id, score: 0 });
      }
    }
    return hits;
  }

  private scoreLucene(counts: Map<number, number>, k1: number, b: number, accum: Float64Array, touched: number[]): void {
    const cache = this.luceneCache(k1, b);
    const norms = this.normBytes();
    const docCount = this.header.docCount;
    for (const [t, count] of counts) {
      const weight = Math.fround(count * luceneIdf(this.arrays.docFreqs[t]!, docCount));
      this.forEachPosting(t, (doc, tf) => {
        const contrib = Math.fround(weight - Math.fround(weight / Math.fround(1 + Math.fround(tf * cache[norms[doc]!]!))));
        // Every contribution is > 0 (idf > 0, tf >= 1), so 0 means "not yet touched".
        if (accum[doc] === 0) touched.push(doc);
        accum[doc]! += contrib;
      });
    }
  }

  private scoreGensim(counts: Map<number, number>, k1: number, b: number, accum: Float64Array, touched: number[]): void {
    const numDocs = this.numDocs;
    const avgdl = this.header.sumTotalTermFreq / numDocs;
    const lens = this.arrays.docLengths;
    let queryLen = 0;
    for (const c of counts.values()) queryLen += c;
    // scipy's sparse product sums each document's float32 terms in gensim-id order: do the same.
    const order = this.arrays.gensimOrder;
    for (const t of [...counts.keys()].sort((x, y) => order[x]! - order[y]!)) {
      const idf = gensimIdf(this.arrays.docFreqs[t]!, numDocs);
      const qw = Math.fround(gensimTermWeight(idf, counts.get(t)!, queryLen, avgdl, k1, b));
      this.forEachPosting(t, (doc, tf) => {
        const dw = Math.fround(gensimTermWeight(idf, tf, lens[doc]!, avgdl, k1, b));
        if (accum[doc] === 0) touched.push(doc);
        accum[doc] = Math.fround(accum[doc]! + Math.fround(qw * dw));
      });
    }
  }

  /** Document number of an external id, or -1. */
  docNumber(id: string): number {
    if (!this.idToDoc) {
      this.idToDoc = new Map();
      for (let d = 0; d < this.numDocs; d++) this.idToDoc.set(this.docId(d), d);
    }
    return this.idToDoc.get(id) ?? -1;
  }

  /** Writes the index atomically (see index-format.ts for the layout). */
  save(path: string): void {
    writeBm25File(path, this.header, this.arrays);
  }
}

/** Opens an index written by `save` (reads the file into memory and views it in place). */
export function openBm25Index(path: string, opts: DecodeOptions = {}): Bm25Index {
  const { header, arrays } = readBm25File(path, opts);
  if (header.analyzer !== LUCENE_ENGLISH_ANALYZER) {
    throw new T1Error("MISMATCH", `${path}: index built with analyzer "${header.analyzer}", this t1 analyzes with "${LUCENE_ENGLISH_ANALYZER}"`);
  }
  return new Bm25Index(header, arrays);
}
