/**
 * Builds a BM25 index in memory: each document is analyzed once, its term counts appended to
 * per-term varint posting buffers (≈2 bytes per posting instead of JS arrays), then terms are sorted
 * and everything is packed into the typed arrays of index-format.ts.
 */
import { InputError } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import type { Document } from "../../data/types.js";
import { analyzeToken, LUCENE_ENGLISH_ANALYZER } from "./analyzer.js";
import { scanTokens } from "./standard-tokenizer.js";
import { TokenTable } from "./token-table.js";
import type { Bm25Arrays, Bm25Variant } from "./index-format.js";
import { Bm25Index } from "./inverted-index.js";

/** How an index is built and what its searches default to. */
export interface Bm25BuildOptions {
  /** Default k1 for searches. Default 0.9 (Anserini/Pyserini/BRIGHT); 1.2 is the textbook value. */
  k1?: number;
  /** Default b for searches. Default 0.4 (Anserini/Pyserini/BRIGHT); 0.75 normalises length harder. */
  b?: number;
  /** Default scoring formula. Default "lucene"; "bright-gensim" reproduces BRIGHT's official BM25. */
  variant?: Bm25Variant;
  /** Expected number of documents, for the progress ETA. Default unknown. */
  expectedDocs?: number;
  /** Silence progress output. Default false (progress on stderr). */
  quiet?: boolean;
  /** Where documents come from, for error messages. Default "<documents>". */
  source?: string;
}

/** Distinct raw tokens remembered while building; past this, new tokens are analyzed every time. */
const TOKEN_CACHE_LIMIT = 2_000_000;

class PostingsBuilder {
  bufs: Uint8Array[] = [];
  /** Per term, side by side for locality: [bytes used, last doc number, document frequency]. */
  meta = new Int32Array(3 * 1024);

  len(t: number): number {
    return this.meta[3 * t]!;
  }
  df(t: number): number {
    return this.meta[3 * t + 2]!;
  }

  add(t: number, doc: number, tf: number): void {
    if (t === this.bufs.length) {
      this.bufs.push(new Uint8Array(8));
      if (3 * t + 3 > this.meta.length) {
        const grown = new Int32Array(this.meta.length * 2);
        grown.set(this.meta);
        this.meta = grown;
      }
    }
    const meta = this.meta;
    const m = 3 * t;
    let buf = this.bufs[t]!;
    let len = meta[m]!;
    if (len + 10 > buf.length) {
      const grown = new Uint8Array(buf.length * 2);
      grown.set(buf);
      this.bufs[t] = buf = grown;
    }
    // Doc numbers and tfs stay below 2^31, so unsigned shifts are exact.
    let v = doc - meta[m + 1]!;
    while (v >= 0x80) {
      buf[len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[len++] = v;
    v = tf;
    while (v >= 0x80) {
      buf[len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[len++] = v;
    meta[m] = len;
    meta[m + 1] = doc;
    meta[m + 2]!++;
  }
}

/** Incremental builder, for callers that feed documents one at a time. */
export class Bm25IndexBuilder {
  private readonly termIds = new Map<string, number>();
  private readonly postings = new PostingsBuilder();
  private readonly docLengths: number[] = [];
  private readonly docIds: string[] = [];
  private readonly seenIds = new Set<string>();
  private sumTotalTermFreq = 0;
  private docCount = 0;
  private readonly progress: Progress;
  private readonly tfScratch: number[] = [];
  /** Term strings by builder term number, and the gensim Dictionary id of each (see gensimOrder). */
  private readonly termStrings: string[] = [];
  private readonly gensimIds: number[] = [];
  private readonly newTerms: number[] = [];
  private gensimNext = 0;
  /** Raw token → term number (−1: stop word): one hash lookup per token instead of four. */
  private readonly tokenToTerm = new TokenTable();
  private readonly unique: number[] = [];

  constructor(private readonly opts: Bm25BuildOptions = {}) {
    this.progress = new Progress("bm25 index", opts.expectedDocs, { unit: "docs", quiet: opts.quiet });
  }

  add(doc: Document): void {
    const n = this.docIds.length;
    if (typeof doc?.id !== "string" || typeof doc.text !== "string") {
      throw new InputError(`document ${n + 1} needs a string "id" and "text"`, { file: this.opts.source });
    }
    if (this.seenIds.has(doc.id)) throw new InputError(`duplicate document id "${doc.id}" (document ${n + 1})`, { file: this.opts.source, field: "id" });
    this.seenIds.add(doc.id);
    // Per-document term counts in scratch arrays indexed by term id (a Map per document is slower).
    const unique = this.unique;
    unique.length = 0;
    this.docLength = 0;
    this.docText = doc.text;
    scanTokens(doc.text, this.onToken);
    const length = this.docLength;
    for (const t of unique) {
      this.postings.add(t, n, this.tfScratch[t]!);
      this.tfScratch[t] = 0;
    }
    if (this.newTerms.length > 0) {
      // gensim's doc2bow gives a document's new tokens the next ids in sorted (code point) order.
      const fresh = this.newTerms.sort((a, b) => compareCodePoints(this.termStrings[a]!, this.termStrings[b]!));
      for (const t of fresh) this.gensimIds[t] = this.gensimNext++;
      this.newTerms.length = 0;
    }
    this.docIds.push(doc.id);
    this.docLengths.push(length);
    this.sumTotalTermFreq += length;
    if (length > 0) this.docCount++;
    this.progress.tick();
  }

  private docText = "";
  private docLength = 0;
  /** Per token of the current document: look it up by range (no slice for known tokens), count it. */
  private readonly onToken = (start: number, end: number): void => {
    const text = this.docText;
    const h = TokenTable.hash(text, start, end);
    let t = this.tokenToTerm.get(text, start, end, h);
    if (t === undefined) {
      const token = text.slice(start, end);
      t = this.termNumberOf(token);
      if (this.tokenToTerm.size < TOKEN_CACHE_LIMIT) this.tokenToTerm.add(token, h, t);
    }
    if (t < 0) return; // stop word
    this.docLength++;
    if (this.tfScratch[t] === 0) this.unique.push(t);
    this.tfScratch[t]!++;
  };

  /** Analyzes one raw token and returns its term number (new terms get the next one), or -1 for a stop word. */
  private termNumberOf(token: string): number {
    const term = analyzeToken(token);
    if (term === null) return -1;
    let t = this.termIds.get(term);
    if (t === undefined) {
      t = this.termIds.size;
      this.termIds.set(term, t);
      this.tfScratch.push(0);
      this.termStrings.push(term);
      this.gensimIds.push(-1);
      this.newTerms.push(t);
    }
    return t;
  }

  finish(): Bm25Index {
    this.progress.finish();
    const enc = new TextEncoder();
    const numDocs = this.docIds.length;
    const docIdChunks = this.docIds.map((id) => enc.encode(id));
    const docIdOffsets = new Uint32Array(numDocs + 1);
    for (let i = 0; i < numDocs; i++) docIdOffsets[i + 1] = docIdOffsets[i]! + docIdChunks[i]!.length;
    const docIdBytes = concat(docIdChunks, docIdOffsets[numDocs]!);

    const terms = [...this.termIds.keys()].sort();
    const numTerms = terms.length;
    const termChunks = terms.map((t) => enc.encode(t));
    const termOffsets = new Uint32Array(numTerms + 1);
    const docFreqs = new Uint32Array(numTerms);
    const gensimOrder = new Uint32Array(numTerms);
    const postingOffsets = new Float64Array(numTerms + 1);
    const p = this.postings;
    for (let i = 0; i < numTerms; i++) {
      const t = this.termIds.get(terms[i]!)!;
      termOffsets[i + 1] = termOffsets[i]! + termChunks[i]!.length;
      docFreqs[i] = p.df(t);
      gensimOrder[i] = this.gensimIds[t]!;
      postingOffsets[i + 1] = postingOffsets[i]! + p.len(t);
    }
    const termBytes = concat(termChunks, termOffsets[numTerms]!);
    const postings = new Uint8Array(postingOffsets[numTerms]!);
    for (let i = 0; i < numTerms; i++) {
      const t = this.termIds.get(terms[i]!)!;
      postings.set(p.bufs[t]!.subarray(0, p.len(t)), postingOffsets[i]!);
      p.bufs[t] = EMPTY; // release as we go: peak memory stays near one copy of the postings
    }
    const arrays: Bm25Arrays = { docLengths: Uint32Array.from(this.docLengths), docIdOffsets, docIdBytes, termOffsets, termBytes, docFreqs, postingOffsets, postings, gensimOrder };
    return new Bm25Index(
      {
        analyzer: LUCENE_ENGLISH_ANALYZER,
        k1: this.opts.k1 ?? 0.9,
        b: this.opts.b ?? 0.4,
        variant: this.opts.variant ?? "lucene",
        numDocs,
        numTerms,
        docCount: this.docCount,
        sumTotalTermFreq: this.sumTotalTermFreq,
        created: new Date().toISOString(),
      },
      arrays,
    );
  }
}

const EMPTY = new Uint8Array(0);

/** Orders strings by code point, as Python sorts str (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after U+E000..U+FFFF.
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Builds an index from documents (an array, any iterable, or an async iterable such as iterateDocuments). */
export async function buildBm25Index(docs: Iterable<Document> | AsyncIterable<Document>, opts: Bm25BuildOptions = {}): Promise<Bm25Index> {
  const builder = new Bm25IndexBuilder(opts);
  if (Symbol.asyncIterator in docs) for await (const d of docs as AsyncIterable<Document>) builder.add(d);
  else for (const d of docs as Iterable<Document>) builder.add(d);
  return builder.finish();
}

/** Synchronous build for in-memory documents. */
export function buildBm25IndexSync(docs: Iterable<Document>, opts: Bm25BuildOptions = {}): Bm25Index {
  const builder = new Bm25IndexBuilder(opts);
  for (const d of docs) builder.add(d);
  return builder.finish();
}
